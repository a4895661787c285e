"""Helpers the tests share: create users straight in the database, log in, call the API."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agency import timeutil
from agency.access import SYSTEM
from agency.accounts import service as accounts
from agency.accounts.models import User
from agency.accounts.schemas import UserCreateIn
from agency.settings import Settings

PASSWORD = "Test@2026pass"
REPOSITORY = Path(__file__).resolve().parents[1]
_counter = itertools.count(1)


def same_clock() -> dict[str, str]:
    """The environment that puts a process a test starts (a server, a worker, an operator command) on the test's
    clock: the same day, whatever day the run or the test takes place on (tests/conftest.py)."""
    offset = timeutil.now() - datetime.now(UTC)
    return {"AGENCY_CLOCK_OFFSET_SECONDS": str(offset.total_seconds())}


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}{uuid.uuid4().hex[:6]}"


class Api:
    def __init__(self, client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession],
                 settings: Settings) -> None:
        self.client = client
        self.sessions = sessions
        self.settings = settings
        self.admin_headers: dict[str, str] = {}

    async def bootstrap_admin(self) -> None:
        admin = await self.create_user("admin", username=unique("admin"))
        self.admin_headers = await self.login(admin.username)

    async def create_user(self, role: str, *, username: str | None = None, password: str = PASSWORD,
                          must_change_password: bool = False, **binding: Any) -> User:
        async with self.sessions() as session:
            user = await accounts.create_user(session, SYSTEM, UserCreateIn(
                username=username or unique(role), password=password, role=role,  # type: ignore[arg-type]
                display_name=f"测试{role}", must_change_password=must_change_password, **binding))
            await session.commit()
            return user

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        response = await self.client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def user_headers(self, role: str, **binding: Any) -> dict[str, str]:
        user = await self.create_user(role, **binding)
        return await self.login(user.username)

    async def execute(self, statement: Any) -> None:
        async with self.sessions() as session:
            await session.execute(statement)
            await session.commit()

    async def expire_lock(self, username: str) -> None:
        """Stands for the 30 minutes passing: the lock's end moves into the past."""
        from datetime import timedelta

        await self.execute(update(User).where(User.username == username)
                           .values(locked_until=timeutil.now() - timedelta(seconds=1)))


def valid_credit_code() -> str:
    """A fresh 统一社会信用代码 that passes both GB 32100 and GB 11714 checks."""
    import random

    from agency.enterprises.credit_code import check_character, organization_check_character

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    organisation = "".join(random.choice(alphabet) for _ in range(8))
    first17 = "91330521" + organisation + organization_check_character(organisation)
    return first17 + check_character(first17)


class FreshApi:
    """An app on a database of its own, for tests that change shared reference data (calendar, catalog)."""

    def __init__(self, backend: str, tmp_path: Any, **settings: str) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self.url = ""
        self.overrides = settings

    async def __aenter__(self) -> Api:
        import asyncio

        from agency.app import create_app
        from agency.db import migrate
        from agency.db.engine import create_engine, create_sessionmaker
        from tests.conftest import make_settings, new_database, seed_reference_data

        self.url = await asyncio.to_thread(new_database, self.backend, self.tmp_path)
        await asyncio.to_thread(migrate.upgrade, self.url)
        await seed_reference_data(self.url)
        settings = make_settings(self.url, self.tmp_path, **self.overrides)
        self._client = AsyncTestClient(app=create_app(settings), raise_server_exceptions=False)
        client = await self._client.__aenter__()
        self._engine = create_engine(self.url, pool_size=2)
        api = Api(client, create_sessionmaker(self._engine), settings)
        await api.bootstrap_admin()
        return api

    async def __aexit__(self, *exc: object) -> None:
        import asyncio

        from tests.conftest import drop_database

        await self._client.__aexit__(None, None, None)
        await self._engine.dispose()
        await asyncio.to_thread(drop_database, self.url)


@contextmanager
def demo_server(data: Path, **env_overrides: str) -> Iterator[str]:
    """A real `agency serve --demo` process (the production server) on a free port, its data in ``data``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENCY_")}
    # The current dossiers only: the walks know them; the replayed year has its own test (test_demo_history).
    env.update(AGENCY_DATA_DIR=str(data), AGENCY_SCHEDULER="off", AGENCY_DEMO_HISTORY="today", **same_clock(),
               **env_overrides)
    # cwd is the repository: the data folder holds a "storage" directory that must not shadow the package.
    process = subprocess.Popen([sys.executable, "-m", "agency.cli", "serve", "--demo", "--port", str(port)],
                               cwd=REPOSITORY, env=env, stdout=(data / "log").open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("server did not start: " + (data / "log").read_text(errors="replace")[-2000:])
        yield url
    finally:
        process.terminate()
        process.wait(10)


def import_calendar(url: str, file: Path, data_dir: Path, monkeypatch: Any) -> tuple[int, str]:
    """`agency calendar import FILE` against the database ``url``, as an operator runs it: (exit code, output)."""
    from click.testing import CliRunner

    from agency.cli import main
    from agency.settings import get_settings

    monkeypatch.setenv("AGENCY_DATABASE_URL", url)
    monkeypatch.setenv("AGENCY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("AGENCY_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["calendar", "import", str(file)])
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output

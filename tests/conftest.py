"""Shared fixtures: settings, throw-away databases on SQLite and PostgreSQL, an app and its client.

Integration tests need real servers. Locally they skip with a loud reason when one is absent; with
AGENCY_REQUIRE_SERVICES=1 (as in CI) an absent server fails the run instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

# Before agency is imported: cheap argon2 parameters for the many throw-away test passwords.
os.environ.setdefault("AGENCY_TEST_FAST_PASSWORD_HASH", "1")

from litestar.testing import AsyncTestClient

from agency import timeutil
from agency.app import create_app
from agency.db import migrate
from agency.db.engine import create_engine, create_sessionmaker
from agency.settings import Settings
from tests.support import Api

PG_ADMIN_URL = os.environ.get("AGENCY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_SERVICES = os.environ.get("AGENCY_REQUIRE_SERVICES") == "1"
BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    """The day the whole run takes place on. No test reads the wall clock: each asks agency.timeutil,
    whose clock starts at 09:00 (China time) on this day and runs from there. AGENCY_TEST_TODAY picks
    the day (scripts/test-dates runs the date-sensitive suites on a Sunday, a statutory holiday, a
    make-up Saturday and New Year's Eve); without it the run takes place on the real date. Servers the
    tests start as processes get the same clock through AGENCY_CLOCK_OFFSET_SECONDS."""
    chosen = os.environ.get("AGENCY_TEST_TODAY")
    day = date.fromisoformat(chosen) if chosen else timeutil.today()
    clock = timeutil.ShiftedClock.on_day(day)
    timeutil.set_clock(clock)
    os.environ["AGENCY_CLOCK_OFFSET_SECONDS"] = str(clock.offset.total_seconds())


@pytest.fixture(autouse=True)
def _today_for_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """``@pytest.mark.today("2026-11-30")``: the test's scenario is written in dates of its own (a clock accepted
    the Friday before National Day…) and takes place on that day, whatever day the run takes place on, in a
    database of that day (the ``day_database`` fixture)."""
    marker = request.node.get_closest_marker("today")
    if marker is None:
        yield
        return
    with timeutil.clock_set_to(timeutil.ShiftedClock.on_day(date.fromisoformat(marker.args[0]))):
        yield


def pytest_report_header(config: pytest.Config) -> str:
    return f"agency: the run takes place on {timeutil.today().isoformat()} ({timeutil.today():%A}, China time)"


def service_missing(what: str, error: BaseException) -> None:
    message = f"{what} is not reachable ({error!r})"
    if REQUIRE_SERVICES:
        pytest.fail(f"AGENCY_REQUIRE_SERVICES=1 but {message}")
    pytest.skip(f"SKIPPED INTEGRATION TEST: {message}; start it or set AGENCY_REQUIRE_SERVICES=1 to fail")


async def _pg_execute(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql"), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def new_database(backend: str, tmp_dir: Path) -> str:
    """A fresh, empty database URL (migrations not yet run)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_dir / f'agency-{uuid.uuid4().hex[:8]}.db'}"
    name = f"agency_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except (OSError, ImportError) as error:
        service_missing("PostgreSQL at " + PG_ADMIN_URL, error)
    except Exception as error:
        if "connect" in repr(error).lower():
            service_missing("PostgreSQL at " + PG_ADMIN_URL, error)
        raise
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def seed_reference_data(url: str) -> None:
    """What every test may count on: the official calendar and the demo catalog (departments, routes)."""
    from importlib import resources

    from agency.access import SYSTEM
    from agency.calendar.service import ensure_seeded
    from agency.catalog.service import import_catalog

    engine = create_engine(url, pool_size=1)
    async with create_sessionmaker(engine)() as session:
        await ensure_seeded(session)
        text = resources.files("agency.catalog").joinpath("data/demo_catalog.yaml").read_text(encoding="utf-8")
        await import_catalog(session, SYSTEM, text)
        await session.commit()
    await engine.dispose()


async def load_demo_book(settings: Settings) -> None:
    """The demo catalog, dossiers and accounts (`agency serve --demo`) in the migrated database of ``settings``."""
    import storage
    from agency.demo import load_demo

    engine = create_engine(settings.database_url)
    store = storage.open_store(settings.storage_url)
    try:
        async with create_sessionmaker(engine)() as session:
            await load_demo(session, settings, store)
            await session.commit()
    finally:
        await store.aclose()
        await engine.dispose()


def make_settings(database_url: str, data_dir: Path, **overrides: str) -> Settings:
    env = {
        "AGENCY_DATA_DIR": str(data_dir),
        "AGENCY_DATABASE_URL": database_url,
        "AGENCY_STORAGE_URL": f"file://{data_dir}/storage",
        "AGENCY_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "AGENCY_DEMO_PASSWORD": "Demo@2026x",
        # Background sweeps would fire escalations in the shared test database behind the tests' backs.
        "AGENCY_SCHEDULER": "off",
        # Every test client logs in from the same address; the per-address limit has its own test.
        "AGENCY_LOGIN_FAILURES_PER_ADDRESS": "1000000",
        "AGENCY_LOGIN_FAILURES_PER_ADDRESS_AND_USER": "1000000",
    }
    env.update(overrides)
    return Settings.from_env(env)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.integration)
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per backend for the whole run; tests use unique names, not an empty DB."""
    url = new_database(backend, tmp_path_factory.mktemp("db"))
    migrate.upgrade(url)
    asyncio.run(seed_reference_data(url))
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def databases_of_other_days(backend: str) -> Iterator[dict[date, str]]:
    """The migrated databases of the tests that take place on a day of their own, one per day and backend."""
    made: dict[date, str] = {}
    yield made
    for url in made.values():
        drop_database(url)


@pytest.fixture
def day_database(request: pytest.FixtureRequest, migrated_database: str, databases_of_other_days: dict[date, str],
                 backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The run's shared database, or for a test on a day of its own (``@pytest.mark.today``) that day's: what
    such a test records is dated on its day, which may lie after the run's day; in the shared database it
    would be in the future of every test that follows (a worklist refuses an act recorded after its day),
    and what the others record would be in its future."""
    marker = request.node.get_closest_marker("today")
    if marker is None:
        return migrated_database
    day = date.fromisoformat(marker.args[0])
    if day not in databases_of_other_days:
        url = new_database(backend, tmp_path_factory.mktemp("db"))
        migrate.upgrade(url)
        asyncio.run(seed_reference_data(url))
        databases_of_other_days[day] = url
    return databases_of_other_days[day]


@pytest.fixture
def settings(day_database: str, tmp_path: Path) -> Settings:
    return make_settings(day_database, tmp_path)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
async def api(client: AsyncTestClient[Any], settings: Settings) -> AsyncIterator[Api]:
    engine = create_engine(settings.database_url, pool_size=2)
    helper = Api(client, create_sessionmaker(engine), settings)
    await helper.bootstrap_admin()
    yield helper
    await engine.dispose()

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agency.app import create_app
from agency.db import migrate
from agency.settings import Settings
from tests.conftest import load_demo_book, make_settings, new_database


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """Over https: outside the embedded mode the session and CSRF cookies are Secure."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as c:
        yield c


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A SQLite database of its own with the demo data (`agency serve --demo`), for the whole run."""
    folder = tmp_path_factory.mktemp("web-queries")
    url = new_database("sqlite", folder)
    migrate.upgrade(url)
    settings = make_settings(url, folder)

    asyncio.run(load_demo_book(settings))
    yield settings


async def demo_login(client: AsyncTestClient[Any], settings: Settings, username: str) -> None:
    from tests.web.test_web_pages import csrf

    token = await csrf(client)
    response = await client.post("/login", data={"_csrf_token": token, "username": username,
                                                  "password": settings.demo_password}, follow_redirects=False)
    assert response.status_code == 303, response.text[:1000]

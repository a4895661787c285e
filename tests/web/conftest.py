from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agency.app import create_app
from agency.settings import Settings


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """Over https: outside the embedded mode the session and CSRF cookies are Secure."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as c:
        yield c

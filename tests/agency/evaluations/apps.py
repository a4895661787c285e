"""An app on the given settings with a logged-in administrator, for the evaluation tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar.testing import AsyncTestClient

from agency.app import create_app
from agency.db.engine import create_engine, create_sessionmaker
from agency.settings import Settings
from tests.support import Api


@asynccontextmanager
async def api_with_handlers(settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as client:
        engine = create_engine(settings.database_url, pool_size=2)
        api = Api(client, create_sessionmaker(engine), settings)
        await api.bootstrap_admin()
        try:
            yield api
        finally:
            await engine.dispose()

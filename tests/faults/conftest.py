"""A PostgreSQL database of the test's own (migrated, with the calendar and the demo catalog): the
servers under test run against it as in production, and the test drops it afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agency.db import migrate
from tests.conftest import drop_database, new_database, seed_reference_data


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str]:
    url = await asyncio.to_thread(new_database, "postgresql", tmp_path)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        await seed_reference_data(url)
        yield url
    finally:
        await asyncio.to_thread(drop_database, url)

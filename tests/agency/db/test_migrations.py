"""The same migrations build, remove and rebuild the schema on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import inspect

from agency.db import migrate
from agency.db.engine import create_engine
from agency.db.models import Base
from tests.conftest import drop_database, new_database


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


def test_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    url = new_database(backend, tmp_path)
    try:
        migrate.upgrade(url)
        assert asyncio.run(_tables(url)) == set(Base.metadata.tables)
        migrate.downgrade(url, "base")
        assert asyncio.run(_tables(url)) == set()
        migrate.upgrade(url)
        assert asyncio.run(_tables(url)) == set(Base.metadata.tables)
    finally:
        drop_database(url)


def test_models_and_migrations_agree(backend: str, tmp_path: Path) -> None:
    """Autogenerate against a migrated database finds nothing to do: no model change lacks a revision."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = new_database(backend, tmp_path)
    try:
        migrate.upgrade(url)

        async def diff() -> list[object]:
            engine = create_engine(url)
            async with engine.connect() as connection:
                result = await connection.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}),
                                                  Base.metadata))
            await engine.dispose()
            return list(result)

        assert asyncio.run(diff()) == []
    finally:
        drop_database(url)

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


def test_the_clock_rows_are_built_from_the_book_by_their_migration(backend: str, tmp_path: Path) -> None:
    """Migration 0012 computes the clock rows of a book that already has clock events (the demo's), with the
    pure reduction the writers use: what the actions wrote is what the migration builds."""
    from sqlalchemy import delete, func, select

    from agency import timeutil
    from agency.approvals import clock_rows
    from agency.approvals.models import ApprovalClock
    from agency.db.engine import create_sessionmaker
    from tests.conftest import load_demo_book, make_settings

    url = new_database(backend, tmp_path)
    settings = make_settings(url, tmp_path)

    async def count() -> int:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            rows = int((await session.execute(select(func.count()).select_from(ApprovalClock))).scalar_one())
        await engine.dispose()
        return rows

    async def check() -> tuple[int, int, int]:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            rows = (await session.execute(select(func.count()).select_from(ApprovalClock))).scalar_one()
            differing = await clock_rows.differences(session, timeutil.today())
            await session.execute(delete(ApprovalClock))  # and `agency clocks check` would notice a loss
            lost = await clock_rows.differences(session, timeutil.today())
            await session.rollback()
        await engine.dispose()
        return rows, differing, lost

    try:
        migrate.upgrade(url)
        asyncio.run(load_demo_book(settings))
        written_by_the_actions = asyncio.run(count())
        assert written_by_the_actions > 0
        migrate.downgrade(url, "0011")  # the table goes; the events stay
        migrate.upgrade(url)
        rows, differing, lost = asyncio.run(check())
        assert (rows, differing, lost) == (written_by_the_actions, 0, written_by_the_actions)
    finally:
        drop_database(url)

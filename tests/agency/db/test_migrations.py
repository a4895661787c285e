"""The same migrations build, remove and rebuild the schema on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
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


def test_follow_ups_become_the_return_visits_of_rectifications_and_back(backend: str, tmp_path: Path) -> None:
    """Migration 0036 moves each follow-up's visit onto its rating's rectification, and gives a rating from before
    rectifications one (closed with the visit's note as its answer, or open a week after the rating); the
    downgrade rebuilds the follow-ups from them, so down and up again changes nothing."""
    from sqlalchemy import text

    from tests.conftest import load_demo_book, make_settings

    url = new_database(backend, tmp_path)
    settings = make_settings(url, tmp_path)
    visits = ("SELECT evaluation_id, approval_id, visit_note, visited_by, status FROM rectifications "
              "WHERE approval_id IS NOT NULL ORDER BY evaluation_id")

    async def run(*statements: str) -> list[tuple[object, ...]]:
        engine = create_engine(url)
        async with engine.begin() as connection:
            rows = [tuple(r) for s in statements for r in (await connection.execute(text(s))).all()
                    if s.startswith("SELECT")]
            for s in statements:
                if not s.startswith("SELECT"):
                    await connection.execute(text(s))
        await engine.dispose()
        return rows

    try:
        migrate.upgrade(url)
        asyncio.run(load_demo_book(settings))
        before = asyncio.run(run(visits))
        assert any(row[2] for row in before) and any(row[2] is None for row in before)
        migrate.downgrade(url, "0034")
        follow_ups = asyncio.run(run("SELECT evaluation_id, note, closed_by, status FROM follow_ups "
                                     "ORDER BY evaluation_id"))
        assert [(f[0], f[1], f[2]) for f in follow_ups] == [(r[0], r[2], r[3]) for r in before]
        assert {f[3] for f in follow_ups} == {"open", "closed"}
        # Two ratings from before rectifications: one visited, one not.
        closed = next(f[0] for f in follow_ups if f[3] == "closed")
        still_open = next(f[0] for f in follow_ups if f[3] == "open")
        asyncio.run(run(f"DELETE FROM escalations WHERE subject_type = 'rectification' AND subject_id IN "
                        f"(SELECT id FROM rectifications WHERE evaluation_id IN ({closed}, {still_open}))",
                        f"DELETE FROM rectifications WHERE evaluation_id IN ({closed}, {still_open})"))
        migrate.upgrade(url)
        after = {r[0]: r for r in asyncio.run(run(visits))}
        assert sorted(after) == [r[0] for r in before]
        kept = [r for r in before if r[0] not in (closed, still_open)]
        assert [after[r[0]] for r in kept] == kept
        note = next(f[1] for f in follow_ups if f[0] == closed)
        assert after[closed][2:] == (note, next(f[2] for f in follow_ups if f[0] == closed), "closed")
        assert after[still_open][2:] == (None, None, "open")
        due = asyncio.run(run(f"SELECT r.due_on, e.rated_on, r.reply FROM rectifications r JOIN evaluations e "
                              f"ON e.id = r.evaluation_id WHERE r.evaluation_id IN ({closed}, {still_open}) "
                              f"ORDER BY r.evaluation_id"))
        for due_on, rated_on, _ in due:
            assert date.fromisoformat(str(due_on)[:10]) == date.fromisoformat(str(rated_on)[:10]) + timedelta(days=7)
        assert note in [reply for _, _, reply in due]
        targets = asyncio.run(run("SELECT DISTINCT target, occasion FROM evaluations"))
        assert targets == [("approval", "")]
    finally:
        drop_database(url)

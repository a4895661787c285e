"""The same migrations build, remove and rebuild the schema on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from datetime import date
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
    """Migration 0036 (after 0037) moves each follow-up's visit onto its rating's rectification, and gives a rating
    from before rectifications one (closed with the visit's note as its answer, or open a week after the rating); the
    downgrade rebuilds the same follow-ups from them."""
    from sqlalchemy import text

    from tests.conftest import load_demo_book, make_settings

    url = new_database(backend, tmp_path)
    settings = make_settings(url, tmp_path)

    async def run(*statements: str) -> list[tuple[object, ...]]:
        """Runs the statements in one transaction; the rows of the last one."""
        engine = create_engine(url)
        rows: list[tuple[object, ...]] = []
        async with engine.begin() as connection:
            for statement in statements:
                result = await connection.execute(text(statement))
                rows = [tuple(r) for r in result.all()] if result.returns_rows else []
        await engine.dispose()
        return rows

    try:
        migrate.upgrade(url)
        asyncio.run(load_demo_book(settings))
        migrate.downgrade(url, "0037")
        # Three ratings of 2026-11-02 as the old schema kept them: one with a rectification and a visit made,
        # one from before rectifications with the visit made, one from before them with the visit still owed.
        picked = asyncio.run(run("SELECT a.id, a.project_id, p.enterprise_id, a.department_code FROM approvals a "
                                 "JOIN projects p ON p.id = a.project_id WHERE a.id NOT IN "
                                 "(SELECT approval_id FROM evaluations) ORDER BY a.id LIMIT 3"))
        user = asyncio.run(run("SELECT min(id) FROM users"))[0][0]
        statements = []
        for n, (approval, project, enterprise, department) in enumerate(picked):
            visit = ("'open', NULL, NULL, NULL" if n == 2 else
                     f"'closed', {user}, '2026-11-04 03:00:00+00:00', '已回访{n}'")
            statements += [
                f"INSERT INTO evaluations (approval_id, project_id, enterprise_id, department_code, score, comment, "
                f"channel, rated_on, created_at) VALUES ({approval}, {project}, {enterprise}, '{department}', 1, "
                f"'差评{n}', 'app', '2026-11-02', '2026-11-02 02:00:00+00:00')",
                f"INSERT INTO follow_ups (evaluation_id, approval_id, project_id, department_code, created_at, status, "
                f"closed_by, closed_at, note) SELECT id, {approval}, {project}, '{department}', created_at, {visit} "
                f"FROM evaluations WHERE approval_id = {approval}"]
        first = picked[0]
        statements.append(
            f"INSERT INTO rectifications (evaluation_id, approval_id, project_id, enterprise_id, department_code, "
            f"status, opened_on, due_on, reply, replied_on, version) SELECT id, {first[0]}, {first[1]}, {first[2]}, "
            f"'{first[3]}', 'replied', '2026-11-02', '2026-11-09', '已整改', '2026-11-03', 1 FROM evaluations "
            f"WHERE approval_id = {first[0]}")
        asyncio.run(run(*statements))
        ids = ", ".join(str(p[0]) for p in picked)
        old = ("SELECT f.approval_id, f.status, f.closed_by, f.note FROM follow_ups f "
               f"WHERE f.approval_id IN ({ids}) ORDER BY f.approval_id")
        follow_ups = asyncio.run(run(old))
        migrate.upgrade(url)
        moved = asyncio.run(run(
            "SELECT r.approval_id, r.status, r.opened_on, r.due_on, r.reply, r.visit_note, r.visited_by, "
            f"e.target, e.target_key, e.occasion FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id "
            f"WHERE r.approval_id IN ({ids}) ORDER BY r.approval_id"))
        days = [(date.fromisoformat(str(row[2])[:10]), date.fromisoformat(str(row[3])[:10])) for row in moved]
        assert [(r[0], r[1], r[4], r[5], r[6], r[7], r[8], r[9]) for r in moved] == [
            (picked[0][0], "replied", "已整改", "已回访0", user, "approval", f"approval:{picked[0][0]}", ""),
            (picked[1][0], "closed", "已回访1", "已回访1", user, "approval", f"approval:{picked[1][0]}", ""),
            (picked[2][0], "open", None, None, None, "approval", f"approval:{picked[2][0]}", "")]
        assert days == [(date(2026, 11, 2), date(2026, 11, 9))] + [(date(2026, 11, 2), date(2026, 11, 9))] * 2
        migrate.downgrade(url, "0037")
        assert asyncio.run(run(old)) == follow_ups
        migrate.upgrade(url)
    finally:
        drop_database(url)

"""The demo's history (agency/demo_history.py): the leader's first look at the demo finds a living office.

The history is shortened here (ten weeks, eight dossiers) to keep the run short; it is the same loader
`agency serve --demo` runs over a year. It ends on the run's today and a second load adds nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from agency import demo_history, timeutil
from agency.access import Actor, Role
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.db import migrate
from agency.db.engine import create_engine, create_sessionmaker
from agency.escalation.models import Escalation
from agency.evaluations.models import Evaluation, Rectification
from agency.projects.models import Project
from agency.reports import service as reports
from agency.settings import Settings
from tests.conftest import make_settings, new_database


async def _load(settings: Settings) -> str:
    import storage
    from agency.demo import load_demo

    engine = create_engine(settings.database_url)
    store = storage.open_store(settings.storage_url)
    try:
        async with create_sessionmaker(engine)() as session:
            summary = await load_demo(session, settings, store, history=True, progress=lambda line: None)
            await session.commit()
            return summary
    finally:
        await store.aclose()
        await engine.dispose()


async def _figures(settings: Settings) -> dict[str, Any]:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            leader_id = (await session.execute(select(User.id).where(User.username == "leader"))).scalar_one()
            leader = Actor(user_id=leader_id, username="leader", role=Role.LEADER)
            today = timeutil.today()
            start = today - timedelta(days=demo_history.HISTORY_DAYS)
            _, _, rows = await reports.department_report(session, leader, start, today)
            trend = (await session.execute(select(func.count()).select_from(Escalation).where(
                Escalation.as_of >= today - timedelta(days=29), Escalation.level.in_(("yellow", "red", "l3"))))
            ).scalar_one()

            async def count(model: Any, *where: Any) -> int:
                return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())

            return {
                "league": reports.league_table(rows), "trend": trend,
                "projects": await count(Project), "ratings": await count(Evaluation),
                "follow_ups": await count(Rectification, Rectification.approval_id.is_not(None)),
                "refused": await count(Approval, Approval.status == "refused"),
                "late": sum(r.completed - r.on_time for r in rows),
                "resolved": await count(Escalation, Escalation.status == "resolved"),
                "open_supervision": await count(Escalation, Escalation.status.in_(("open", "acknowledged")),
                                                Escalation.level.in_(("red", "l3"))),
                "latest": (await session.execute(select(func.max(Approval.status_since)))).scalar_one(),
            }
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str, str]]:
    folder: Path = tmp_path_factory.mktemp("demo-history")
    url = new_database("sqlite", folder)
    migrate.upgrade(url)
    settings = make_settings(url, folder)
    patch = pytest.MonkeyPatch()
    patch.setattr(demo_history, "HISTORY_DAYS", 70)
    patch.setattr(demo_history, "DOSSIERS", 8)
    try:
        first = asyncio.run(_load(settings))
        second = asyncio.run(_load(settings))
        yield settings, first, second
    finally:
        patch.undo()


def test_the_leader_finds_a_league_table_with_on_time_and_satisfaction_rates(
        history: tuple[Settings, str, str]) -> None:
    settings, first, _ = history
    assert "一年办理历史" in first
    figures = asyncio.run(_figures(settings))
    ranked = [r for r in figures["league"] if r.completed]
    assert len(ranked) >= 3, figures["league"]
    assert all(r.on_time_rate is not None for r in ranked)
    assert any(r.satisfaction_rate is not None for r in ranked)
    # Not a table of perfect scores: some were late and the sweep saw it.
    assert figures["late"] > 0
    assert any(r.on_time_rate is not None and r.on_time_rate < 1 for r in ranked)


def test_the_trend_of_the_last_thirty_days_has_cards_and_the_year_has_every_stage(
        history: tuple[Settings, str, str]) -> None:
    settings, _, _ = history
    figures = asyncio.run(_figures(settings))
    assert figures["trend"] > 0
    assert figures["ratings"] > 0 and figures["follow_ups"] > 0
    assert figures["resolved"] > 0  # cards fired and closed over the weeks
    assert figures["open_supervision"] > 0  # and some stalled cases still under 督办 today
    assert figures["latest"] <= timeutil.today()  # nothing happens after the day the demo loads


def test_loading_again_adds_nothing(history: tuple[Settings, str, str]) -> None:
    settings, _, second = history
    assert second == "demo data already loaded"
    before = asyncio.run(_figures(settings))["projects"]
    asyncio.run(_load(settings))
    assert asyncio.run(_figures(settings))["projects"] == before

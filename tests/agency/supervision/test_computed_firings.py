"""Firings the sweep computes in Python (stages past their limit, clocks SQL cannot read exactly) go into the
ledger as one statement per chunk of rows, on either database: every row arrives with its values, and a
second sweep of the same firings adds nothing (the ledger's unique firing key)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from agency.escalation import models as ledger
from agency.escalation.models import Escalation
from agency.supervision.sweep import _insert
from tests.agency.approvals.flow import open_dossier
from tests.support import Api

FIRED_AT = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


def _rows(project_id: int, count: int) -> list[tuple[object, ...]]:
    # Stage firings of one dossier, one occasion (stage code) each: the ledger's column order.
    return [("stage", project_id, f"stage_{i}", None, project_id, "zrzy", "stage_overdue", "red",
             date(2026, 11, 20), i % 7, date(2026, 12, 1), FIRED_AT, "open", False, i % 2 == 0)
            for i in range(count)]


async def test_more_firings_than_sqlite_takes_in_a_compound_select_go_in_one_statement_and_once(api: Api) -> None:
    """1,200 rows in one statement: more than SQLite's 500 terms of a compound SELECT (the former UNION ALL of
    one literal SELECT per row failed there), and on PostgreSQL 15 bound values rather than 18,000."""
    d = await open_dossier(api)
    project_id = int(d.project["id"])
    rows = _rows(project_id, 1200)
    async with api.sessions() as session:
        dialect = session.get_bind().dialect.name
        inserted = (await session.execute(_insert(session, ledger.literal_firings(rows, dialect)))).all()
        again = (await session.execute(_insert(session, ledger.literal_firings(rows, dialect)))).all()
        await session.commit()
    assert len(inserted) == 1200
    assert {level for _, level in inserted} == {"red"}
    assert again == []
    async with api.sessions() as session:
        stored = (await session.execute(
            select(Escalation.occasion, Escalation.due_on, Escalation.overdue_workdays, Escalation.fired_at,
                   Escalation.provisional, Escalation.approval_id)
            .where(Escalation.project_id == project_id, Escalation.rule == "stage_overdue")
            .order_by(Escalation.id))).all()
        assert (await session.execute(select(func.count()).select_from(Escalation).where(
            Escalation.project_id == project_id))).scalar_one() == 1200
    assert len(stored) == 1200
    assert stored[7] == ("stage_7", date(2026, 11, 20), 0, FIRED_AT, False, None)
    assert stored[8] == ("stage_8", date(2026, 11, 20), 1, FIRED_AT, True, None)

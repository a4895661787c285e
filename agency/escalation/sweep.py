"""The escalation sweep (电子监察), set-based.

One INSERT … SELECT per rule (and per route threshold set) computes the level of every open
approval through the working-day ordinal table and inserts the firings it finds; the unique key
(approval, rule, level) with ON CONFLICT DO NOTHING means a second run, or two workers at once, fire
nothing twice. Only the rows a run really inserted are notified and get their papers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, Integer, Select, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agency.approvals import open_clocks
from agency.approvals.clock_sql import running_clocks
from agency.approvals.clocks import thresholds_of
from agency.calendar.models import WorkdayOrdinal
from agency.catalog.models import Route
from agency.escalation.models import Escalation
from agency.projects.models import Approval, Project
from agency.timeutil import today_local

# Stalls before the clock runs (DESIGN.md): rule → (statuses, working days, level).
STALLS: dict[str, tuple[tuple[str, ...], int, str]] = {
    "stall_submitted": (("submitted",), 2, "yellow"),
    "stall_preparing": (("preparing",), 5, "prompt"),
    "stall_supplement": (("supplement_requested",), 10, "yellow"),
}
COLUMNS = ["approval_id", "project_id", "department_code", "rule", "level", "due_on", "overdue_workdays", "as_of",
           "fired_at", "status", "notified"]


@dataclass
class SweepResult:
    checked: int = 0
    fired: dict[str, int] = field(default_factory=lambda: {"prompt": 0, "yellow": 0, "red": 0, "l3": 0})
    new_ids: list[int] = field(default_factory=list)


def _insert(session: AsyncSession, rows: Select[Any]):  # type: ignore[no-untyped-def]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return (insert(Escalation).from_select(COLUMNS, rows)
            .on_conflict_do_nothing(index_elements=["approval_id", "rule", "level"])
            .returning(Escalation.id, Escalation.level))


def _firings(clocks: Select[Any], as_of: date, now: datetime) -> Select[Any]:
    c = clocks.subquery("clocks")

    def fire(level: Any, where: Any) -> Select[Any]:
        return select(c.c.approval_id, c.c.project_id, c.c.department_code, literal("clock"), level,
                      c.c.due_on, case((c.c.overdue < 0, 0), else_=c.c.overdue),
                      literal(as_of, Date), literal(now), literal("open"), literal(False)).where(where)

    # The level itself; the prompt whenever the due date is near (a stricter level may hide it);
    # and red beneath an L3 first seen at once (its supervision notice is the red one).
    return union_all(
        fire(c.c.level, c.c.level.in_(("prompt", "yellow", "red", "l3"))),
        fire(literal("prompt"), and_(c.c.due_soon, c.c.level != "prompt")),
        fire(literal("red"), c.c.level == "l3"),
    )  # type: ignore[return-value]


def _stall(rule: str, as_of: date, now: datetime) -> Select[Any]:
    statuses, workdays, level = STALLS[rule]
    since = aliased(WorkdayOrdinal, name="since")
    today = select(WorkdayOrdinal.ordinal).where(WorkdayOrdinal.day == as_of).scalar_subquery()
    return (select(Approval.id, Approval.project_id, Approval.department_code, literal(rule), literal(level),
                   literal(None, Date), cast(literal(0), Integer), literal(as_of, Date), literal(now),
                   literal("open"), literal(False))
            .join(since, since.day == Approval.status_since)
            .where(Approval.status.in_(statuses), today - since.ordinal >= workdays))


async def sweep(session: AsyncSession, as_of: date) -> SweepResult:
    await open_clocks.settle(session)  # the clocks as this transaction left them (the demo acts, then sweeps)
    if as_of == today_local():  # the first sweep of a day keys the worklist for it
        await open_clocks.rekey(session, as_of, stale_only=True)
    result = SweepResult()
    now = datetime.now(UTC)
    result.checked = (await session.execute(select(func.count()).select_from(Approval).where(
        Approval.status.in_(("preparing", "submitted", "accepted", "supplement_requested", "suspended"))))
    ).scalar_one()
    routes = (await session.execute(select(Route.id, Route.definition).where(
        Route.id.in_(select(Project.route_id).distinct())))).all()
    statements = []
    for route_id, definition in routes:
        clocks = running_clocks(as_of, thresholds_of(definition, False), route_id=route_id,
                                green_thresholds=thresholds_of(definition, True))
        statements.append(_insert(session, _firings(clocks, as_of, now)))
    statements += [_insert(session, _stall(rule, as_of, now)) for rule in STALLS]
    for statement in statements:
        for escalation_id, level in (await session.execute(statement)).all():
            result.new_ids.append(escalation_id)
            result.fired[level] += 1
    return result


def open_for(approval_ids: list[int]) -> Select[tuple[Escalation]]:
    return select(Escalation).where(Escalation.approval_id.in_(approval_ids or [0]),
                                    or_(Escalation.status == "open", Escalation.status == "acknowledged"))

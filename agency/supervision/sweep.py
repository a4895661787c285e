"""The escalation sweep (电子监察), set-based.

One INSERT … SELECT per rule (and per route threshold set) computes the level of every open
approval through the working-day ordinal table and inserts the firings it finds; the deadlines that are
not a clock (deferrals, commitment checks: deadlines.py) join the same ledger. Its unique key (subject
type, subject id, rule, level, occasion) with ON CONFLICT DO NOTHING means a second run, or two workers at
once, fire nothing twice. Only the rows a run really inserted are notified and get their papers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import Any

from sqlalchemy import Date, Integer, Select, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agency import timeutil
from agency.approvals import clock_rows, intake, urgency
from agency.approvals import service as approvals
from agency.approvals.clock_sql import inexact_running, overdue_clocks, running_clocks
from agency.approvals.clocks import events_of, read_clock, route_definitions, thresholds_of
from agency.approvals.models import Approval
from agency.calendar.models import WorkdayOrdinal
from agency.calendar.service import get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import Route
from agency.coordination import deadlines as problems
from agency.errors import Conflict
from agency.escalation import models as ledger
from agency.escalation.models import LIVE, Escalation
from agency.projects.models import Project
from agency.supervision import deadlines
from agency.supervision.deadlines import provisional_day
from agency.timeutil import today_local
from agency.violations import service as violations

# Stalls before the clock runs (DESIGN.md): rule → (statuses, working days, level). An unanswered one-time
# notice has its own stored deadline (agency/approvals/supplements.py): the working days here are the
# default for a notice sent before deadlines were stored.
STALLS: dict[str, tuple[tuple[str, ...], int, str]] = {
    "stall_submitted": (("submitted",), 2, "yellow"),
    "stall_preparing": (("preparing",), 5, "prompt"),
    "stall_supplement": (("supplement_requested", "preparing"), 10, "yellow"),
}
# Stale clock rows a sweep brings up to date on the way (the calendar's recompute does the bulk).
STALE_PER_SWEEP = 2000
COLUMNS = ["subject_type", "subject_id", "occasion", "approval_id", "project_id", "department_code", "rule", "level",
           "due_on", "overdue_workdays", "as_of", "fired_at", "status", "notified", "provisional"]
KEY = ["subject_type", "subject_id", "rule", "level", "occasion"]


@dataclass
class SweepResult:
    checked: int = 0
    fired: dict[str, int] = field(default_factory=lambda: {"prompt": 0, "yellow": 0, "red": 0, "l3": 0})
    new_ids: list[int] = field(default_factory=list)
    deemed: list[int] = field(default_factory=list)  # accepted by law this run (第三十二条)
    violations: int = 0


def _insert(session: AsyncSession, rows: Select[Any]):  # type: ignore[no-untyped-def]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return (insert(Escalation).from_select(COLUMNS, rows)
            .on_conflict_do_nothing(index_elements=KEY, index_where=LIVE)
            .returning(Escalation.id, Escalation.level))


def _firings(clocks: Select[Any], as_of: date, now: datetime) -> Select[Any]:
    c = clocks.subquery("clocks")
    # Fired on an estimated calendar: the due date, or the day of the sweep, in a provisional year.
    provisional = or_(provisional_day(literal(as_of, Date)), provisional_day(c.c.due_on))

    def fire(level: Any, where: Any) -> Select[Any]:
        return select(literal("approval"), c.c.approval_id, literal(""), c.c.approval_id, c.c.project_id,
                      c.c.department_code, literal("clock"), level, c.c.due_on,
                      case((c.c.overdue < 0, 0), else_=c.c.overdue), literal(as_of, Date), literal(now),
                      literal("open"), literal(False), provisional).where(where)

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
    provisional = or_(provisional_day(literal(as_of, Date)), since.provisional)
    due: Any = literal(None, Date)
    notice = Approval.pending_supplement.is_not(None)
    if rule == "stall_supplement":
        # The notice's own deadline (an ISO date, compared as text); before deadlines were stored, 10 working days.
        due_text = Approval.pending_supplement["due_on"].as_string()
        passed = case((due_text.is_(None), today - since.ordinal >= workdays), else_=due_text < as_of.isoformat())
        condition = and_(Approval.status.in_(statuses), notice, passed)
    else:
        waiting = and_(Approval.status == "preparing", notice) if rule == "stall_preparing" else literal(False)
        condition = and_(Approval.status.in_(statuses), ~waiting, today - since.ordinal >= workdays)
    return (select(literal("approval"), Approval.id, literal(""), Approval.id, Approval.project_id,
                   Approval.department_code, literal(rule), literal(level), due, cast(literal(0), Integer),
                   literal(as_of, Date), literal(now), literal("open"), literal(False), provisional)
            .join(since, since.day == Approval.status_since)
            .where(condition))


async def sweep(session: AsyncSession, as_of: date) -> SweepResult:
    result = SweepResult()
    if as_of <= today_local():
        # 行政许可法 第三十二条 first: an application the law has accepted runs its clock before the levels are
        # computed, so one run reaches its fixed point (a second run the same day finds nothing new).
        for approval_id in await intake.overdue(session, as_of, await get_calendar(session)):
            await approvals.deem_accepted(session, approval_id, as_of)
            result.deemed.append(approval_id)
    if as_of == today_local():  # the first sweep of a day keys the worklist for it
        await urgency.rekey(session, as_of, stale_only=True)
    now = timeutil.now()
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
    statements += [_insert(session, deadlines.deferrals(as_of, now)),
                   _insert(session, deadlines.verifications(as_of, now)),
                   _insert(session, problems.firings(as_of, now))]
    computed = await _computed_firings(session, as_of, now) + await problems.stage_firings(session, as_of, now)
    size, dialect = ledger.ROWS_PER_STATEMENT, session.get_bind().dialect.name
    # Built one at a time as they are sent: a large book's thousands of computed firings never all at once.
    in_chunks = (_insert(session, ledger.literal_firings(computed[i:i + size], dialect))
                 for i in range(0, len(computed), size))
    for statement in chain(statements, in_chunks):
        for escalation_id, level in (await session.execute(statement)).all():
            result.new_ids.append(escalation_id)
            result.fired[level] += 1
    # Limits passed: the department's violations, recorded once each.
    result.violations = len(await violations.record_all(session, overdue_clocks(as_of)))
    if as_of == today_local():
        # Rows a calendar change left stale, that its recompute has not reached (or missed): catch up.
        await clock_rows.rewrite(session, literal(True), as_of, only_ids=list((await session.execute(
            inexact_running(as_of).limit(STALE_PER_SWEEP))).scalars()))
    return result


async def _computed_firings(session: AsyncSession, as_of: date, now: datetime) -> list[tuple[Any, ...]]:
    """The firings of the running clocks SQL cannot read exactly today (a calendar change not yet recomputed,
    an unreadable sequence), from the pure function: the same levels the SQL of ``_firings`` would give. In
    batches (after a calendar change they can be most of the book)."""
    ids = list((await session.execute(inexact_running(as_of))).scalars())
    calendar = await get_calendar(session)
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), problems.STAGE_BATCH):
        found += await _computed_rows(session, ids[start:start + problems.STAGE_BATCH], calendar, as_of, now)
    return found


async def _computed_rows(session: AsyncSession, ids: list[int], calendar: WorkCalendar, as_of: date,
                         now: datetime) -> list[tuple[Any, ...]]:
    rows = (await session.execute(select(Approval, Project).join(Project, Project.id == Approval.project_id)
                                  .where(Approval.id.in_(ids)))).all()
    events = await events_of(session, ids)
    routes = await route_definitions(session, {project.route_id for _, project in rows})
    found: list[tuple[Any, ...]] = []
    for approval, project in rows:
        try:
            clock = read_clock(approval, project, routes.get(project.route_id), events.get(approval.id, []), calendar,
                               as_of)
        except Conflict:
            continue  # an impossible sequence fires nothing; its page says what is wrong
        levels = [clock.level] if clock.level in ("prompt", "yellow", "red", "l3") else []
        if clock.due_soon and clock.level != "prompt":
            levels.append("prompt")
        if clock.level == "l3":
            levels.append("red")
        for level in levels:
            found.append(("approval", approval.id, "", approval.id, project.id, approval.department_code, "clock",
                          level, clock.due_on, max(0, clock.overdue_workdays), as_of, now, "open", False,
                          clock.provisional))
    return found

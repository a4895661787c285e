"""The open clocks (``OpenClock``): every running or paused clock's events reduced to a few numbers, kept
in step with every write, so that the worklist and the escalation sweep read one narrow row per open
clock instead of sorting and summing every clock event of the book on each request.

The reduction is the first half of the SQL clock (``clock_sql`` holds the second, which adds the day
asked for): every date becomes a number X — its working-day ordinal, or its day number for a
calendar-day limit — and the events of the current run (from the last ``started`` on), in date order,
are summed: the acceptance, the extensions, Σ X(resumed) − Σ X(paused), the open pause, and the first
due value reached inside a closed run (a due date passed before a pause stays where it was). None of
it depends on the day asked for; all of it depends on the events, the approval's promised limit and
status, its project's route and green channel, and the working calendar.

So the rows are refreshed, in the writer's own transaction:
* by session hooks, whatever service wrote: a clock event added, changed or deleted; an approval's
  status or department changed; a project's green channel or route changed — through the unit of work
  or an ORM ``insert``/``update``/``delete`` statement (raw SQL text is the caller's to follow with
  ``refresh``);
* by the calendar service when a day changes: the rows with an event on or after that day (ordinals of
  earlier dates do not move);
* wholesale by ``rebuild`` (migration 0011, the benchmark seed).

A clock that stopped cleanly has no row (a finished approval has no urgency); a sequence the reduction
cannot read (events after the stop, a resume without a pause, a date outside the calendar…) keeps a
row with ``readable`` false, so the reader hands it to the pure function, which refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Date, Select, and_, case, delete, event, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, aliased, attributes
from sqlalchemy.sql.elements import ColumnElement

from agency.approvals.clock_sql import day_number
from agency.approvals.models import ClockEventRow, OpenClock
from agency.calendar.models import WorkdayOrdinal
from agency.projects.models import Approval, Project

UNITS = ("workday", "calendar_day")
_KIND_CODE = {"started": 1, "paused": 2, "resumed": 3, "stopped": 4}  # extensions change no state


def _steps(condition: ColumnElement[bool]) -> Any:
    """The clock events of the approvals that meet ``condition``, in date order, with running sums."""
    e, day = ClockEventRow, aliased(WorkdayOrdinal, name="event_day")
    # OFFSET 0 keeps PostgreSQL from inlining this subquery: the promised limit is cut out of the
    # (compressed) JSON snapshot here, once per event, rather than carried through the sort below.
    joined = (select(e.approval_id, e.id.label("event_id"), e.kind, e.on, e.days,
                     Approval.snapshot["promised_limit"].label("promised"))
              .join(Approval, Approval.id == e.approval_id).where(condition).offset(0).subquery("joined"))
    j = joined.c
    dn = day_number(j.on)
    unit = j.promised["unit"].as_string()
    by_date: dict[str, Any] = {"partition_by": j.approval_id, "order_by": (j.on, j.event_id)}
    before: dict[str, Any] = {**by_date, "rows": (None, -1)}
    first = (select(
        j.approval_id, j.kind, j.on, j.days, day.ordinal.label("o"), dn.label("dn"),
        func.coalesce(j.promised["count"].as_integer(), 0).label("limit_count"),
        # No promised limit counts as 0 working days (as clock_of does); an unknown unit is unreadable.
        case((unit.is_(None), None), (unit.in_(UNITS), unit), else_="invalid").label("unit"),
        func.row_number().over(**by_date).label("rn"),
        # 0 for the events of the current run: everything from the last "started" on.
        func.coalesce(func.sum(case((j.kind == "started", 1), else_=0)).over(**by_date, rows=(1, None)), 0)
        .label("later_starts"),
        # Σ X(resumed) − Σ X(paused) before this event, in working-day ordinals and in day numbers.
        func.coalesce(func.sum(case((j.kind == "resumed", day.ordinal), (j.kind == "paused", -day.ordinal),
                                    else_=0)).over(**before), 0).label("gaps_o"),
        func.coalesce(func.sum(case((j.kind == "resumed", dn), (j.kind == "paused", -dn), else_=0))
                      .over(**before), 0).label("gaps_d"))
        .select_from(joined).outerjoin(day, day.day == j.on)).subquery("ordered")
    f = first.c
    code = case(_KIND_CODE, value=f.kind)
    return select(
        *[f[name] for name in ("approval_id", "kind", "on", "days", "o", "dn", "limit_count", "unit", "rn",
                               "later_starts", "gaps_o", "gaps_d")],
        # The kind of the last event before this one that set the state (started, paused, resumed, stopped):
        # rn grows along the partition, so the largest rn·8 + code before the row is that event's.
        (func.max(f.rn * 8 + code).over(partition_by=f.approval_id, order_by=f.rn, rows=(None, -1)) % 8)
        .label("previous"),
    ).cte("clock_steps")


def _totals(steps: Any) -> Any:
    """The steps summed up per approval: the current run's acceptance, extensions, gaps and pause."""
    v = steps.c
    current = v.later_starts == 0
    previous = func.coalesce(v.previous, 0)
    # What compute_clock rejects with ClockError (the state set by the previous event decides what may
    # follow), plus a date the calendar does not cover and a limit Limit() would refuse.
    impossible = or_(v.o.is_(None), v.unit == "invalid", v.limit_count < 0, and_(previous == 0, v.kind != "started"),
                     and_(v.kind == "extended", v.days <= 0),
                     and_(v.kind == "paused", previous.not_in((_KIND_CODE["started"], _KIND_CODE["resumed"]))),
                     and_(v.kind == "resumed", previous != _KIND_CODE["paused"]))

    def run(kind: str, value: Any) -> Any:
        return case((and_(current, v.kind == kind), value))

    def signed(value: Any) -> Any:
        return case((and_(current, v.kind == "resumed"), value), (and_(current, v.kind == "paused"), -value),
                    else_=0)

    return select(
        v.approval_id, v.limit_count, v.unit,
        func.max(case((impossible, 1), else_=0)).label("bad"),
        func.max(v.on, type_=Date).label("last_event_on"),
        func.sum(case((v.kind == "stopped", 1), else_=0)).label("stops"),
        func.max(case((v.kind == "stopped", v.rn))).label("stop_rn"), func.max(v.rn).label("last_rn"),
        func.max(run("started", v.on), type_=Date).label("accepted_on"),
        func.max(run("started", v.o)).label("a_o"), func.max(run("started", v.dn)).label("a_d"),
        func.max(run("started", v.gaps_o)).label("start_gaps_o"),
        func.max(run("started", v.gaps_d)).label("start_gaps_d"),
        func.coalesce(func.sum(run("extended", v.days)), 0).label("extension"),
        func.sum(signed(v.o)).label("gaps_o"), func.sum(signed(v.dn)).label("gaps_d"),
        func.sum(signed(1)).label("resumes_minus_pauses"),
        func.max(run("paused", v.on), type_=Date).label("paused_on"),
    ).group_by(v.approval_id, v.limit_count, v.unit).cte("clock_totals")


def _absorbed(steps: Any, totals: Any) -> Any:
    """Per approval whose due date lies in a closed run (reached before a pause, so it stays there):
    that due value, the working-day gaps before that run, and the pause that closed it. Pause
    after pause the due value and the closed time grow, so the first such run has the least of each."""
    v, t = steps.c, totals.c
    calendar_unit = t.unit == "calendar_day"
    x = case((calendar_unit, v.dn), else_=v.o)
    gaps_before = case((calendar_unit, v.gaps_d - t.start_gaps_d), else_=v.gaps_o - t.start_gaps_o)
    due_x = case((calendar_unit, t.a_d), else_=t.a_o) + t.limit_count + t.extension + gaps_before
    reached = due_x <= x
    return (select(v.approval_id, func.min(case((reached, due_x))).label("absorbed_x"),
                   func.min(case((reached, v.gaps_o - t.start_gaps_o))).label("absorbed_gaps_o"),
                   func.min(case((reached, v.on)), type_=Date).label("absorbed_pause"))
            .join(totals, t.approval_id == v.approval_id)
            .where(v.kind == "paused", v.later_starts == 0).group_by(v.approval_id).subquery("absorbed"))


def reduction(condition: ColumnElement[bool]) -> Select[Any]:
    """The ``OpenClock`` rows of the approvals that meet ``condition`` (on Approval), one per approval
    whose clock has events and has not stopped cleanly, columns in ``COLUMNS`` order."""
    steps = _steps(condition)
    totals = _totals(steps)
    absorbed = _absorbed(steps, totals)
    t, b = totals.c, absorbed.c
    stopped_last = and_(t.stops == 1, t.stop_rn == t.last_rn)
    # compute_clock refuses anything after the stop, and a second stop.
    readable = and_(t.bad == 0, or_(t.stops == 0, stopped_last), t.a_o.is_not(None))
    return (select(t.approval_id, Approval.project_id, Approval.department_code, Approval.status, Project.route_id,
                   Project.green_channel_status == "approved", t.unit, t.limit_count, t.accepted_on, t.a_o, t.a_d,
                   t.extension, t.gaps_o, t.gaps_d, t.resumes_minus_pauses < 0, t.paused_on, b.absorbed_x,
                   b.absorbed_gaps_o, b.absorbed_pause, t.last_event_on, readable)
            .select_from(totals).outerjoin(absorbed, b.approval_id == t.approval_id)
            .join(Approval, Approval.id == t.approval_id).join(Project, Project.id == Approval.project_id)
            .where(~and_(stopped_last, t.bad == 0)))


COLUMNS = ("approval_id", "project_id", "department_code", "status", "route_id", "green", "unit", "limit_count",
           "accepted_on", "accepted_ordinal", "accepted_day", "extension", "gaps_ordinal", "gaps_day", "pausing",
           "paused_on", "absorbed_due", "absorbed_gaps_ordinal", "absorbed_pause", "last_event_on", "readable")


def _refresh(connection: Connection, condition: ColumnElement[bool]) -> None:
    """Recomputes the open clocks of the approvals that meet ``condition``, in the connection's transaction.
    The condition must not read ``open_clocks``: it is evaluated again after the old rows are deleted."""
    connection.execute(delete(OpenClock).where(OpenClock.approval_id.in_(select(Approval.id).where(condition))))
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(OpenClock).from_select(COLUMNS, reduction(condition))
    # Two writers refreshing the same approval (a calendar change beside an action): the later one wins.
    connection.execute(insert.on_conflict_do_update(
        index_elements=[OpenClock.approval_id],
        set_={name: insert.excluded[name] for name in COLUMNS if name != "approval_id"}))


async def refresh(session: AsyncSession, condition: ColumnElement[bool]) -> None:
    """Recomputes the open clocks of the approvals that meet ``condition`` (a condition on Approval)."""
    await session.flush()
    await session.run_sync(lambda sync: _refresh(sync.connection(), condition))


async def refresh_since(session: AsyncSession, day: date) -> None:
    """After a calendar change from ``day`` on: the clocks with an event on or after it (the others count
    only working days before it, whose ordinals did not move)."""
    await refresh(session, Approval.id.in_(select(ClockEventRow.approval_id).where(ClockEventRow.on >= day)))


async def rebuild(session: AsyncSession) -> None:
    """Every open clock of the book, from its events."""
    await refresh(session, true())


def rebuild_with(connection: Connection) -> None:
    """``rebuild`` on a synchronous connection (a migration's)."""
    _refresh(connection, true())


# Keeping the rows in step with writes made through any session ------------------------------------

_WATCHED = {Approval: ("status", "department_code"), Project: ("green_channel_status", "route_id")}


def _changed(obj: object, names: Iterable[str]) -> bool:
    return any(attributes.get_history(obj, name).has_changes() for name in names)


def _affected(approval_ids: set[int], project_ids: set[int]) -> ColumnElement[bool] | None:
    parts = []
    if approval_ids:
        parts.append(Approval.id.in_(sorted(approval_ids)))
    if project_ids:
        parts.append(Approval.project_id.in_(sorted(project_ids)))
    return or_(*parts) if parts else None


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    approval_ids: set[int] = set()
    project_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ClockEventRow):
            approval_ids.add(obj.approval_id)
        elif isinstance(obj, Approval) and obj not in session.deleted and _changed(obj, _WATCHED[Approval]):
            approval_ids.add(obj.id)
        elif isinstance(obj, Project) and obj not in session.deleted and _changed(obj, _WATCHED[Project]):
            project_ids.add(obj.id)
    condition = _affected(approval_ids, project_ids)
    if condition is not None:
        _refresh(session.connection(), condition)


@event.listens_for(Session, "do_orm_execute")
def _after_bulk_statement(state: ORMExecuteState) -> Any:
    """An ORM insert, update or delete statement on clock events, approvals or projects: the rows it
    touches are found before it runs and refreshed after it."""
    if not (state.is_insert or state.is_update or state.is_delete) or state.bind_mapper is None:
        return None
    model = state.bind_mapper.class_
    if model not in (ClockEventRow, Approval, Project) or (state.is_delete and model is not ClockEventRow) \
            or (state.is_insert and model is not ClockEventRow):
        return None  # deleting approvals or projects cascades; new ones have no clock yet
    where = getattr(state.statement, "whereclause", None)
    matched = true() if where is None else where
    connection = state.session.connection()
    condition: ColumnElement[bool]
    if state.is_insert:  # the events it adds are the ones numbered after the last one there was
        last = connection.execute(select(func.max(ClockEventRow.id))).scalar() or 0
        condition = Approval.id.in_(select(ClockEventRow.approval_id).where(ClockEventRow.id > last))
    elif model is ClockEventRow:
        condition = Approval.id.in_(sorted(set(
            connection.execute(select(ClockEventRow.approval_id).where(matched)).scalars())))
    elif model is Approval:
        condition = Approval.id.in_(sorted(connection.execute(select(Approval.id).where(matched)).scalars()))
    else:
        condition = Approval.project_id.in_(sorted(connection.execute(select(Project.id).where(matched)).scalars()))
    result = state.invoke_statement()
    _refresh(connection, condition)
    return result

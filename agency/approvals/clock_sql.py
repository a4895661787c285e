"""The clock in SQL: the due date, counters and level of many open clocks in one statement.

The same rules as ``agency.approvals.clock`` (its docstring), through the ``workday_ordinals`` table so
"n working days after d" is an indexed lookup and a million approvals are one statement. The sums
over each clock's events are kept per open clock (``OpenClock``, agency/approvals/open_clocks.py);
this module adds the day asked for. Every
date is reduced to a number X — its working-day ordinal for a working-day limit, its day number for
a calendar-day limit — and the clock becomes sums over the events of the current run (everything
from the last ``started``), in date order:

    budget B     = limit + extensions
    gaps  Γ      = Σ X(resumed) − Σ X(paused) [+ X(today) while a pause is open]
    due   X      = X(accepted) + B + Γ                        (the open run reaches the budget)
                 = X(accepted) + B + Γ before pause i         (the first closed run that does,
                   when that is ≤ X(pause i): a due date passed before a pause stays there)
    elapsed      = ordinal(today) − ordinal(accepted) − Γ in working days
    remaining    = B − used (working-day limit); ordinal(due) − ordinal(today), or minus
                   the working days counted after the due date when it lies in a closed run

A pause on P resumed on R excludes X(R) − X(P): the days in (P, R]. A working-day due date is the
working day with ordinal X (the acceptance date itself for a budget of 0); a calendar-day one is
the first working day on or after day X.

Rows the formulas cannot answer exactly are flagged ``exact = false`` for the caller to compute
with the pure function: event sequences it would reject (events after today; and those the
reduction marks unreadable: a resume without a pause, anything after the stop, dates outside the
calendar…), a due date outside the calendar, and a calendar-day due date that
moved from a closed run's last day into the pause after it (rare: the run must end on that
non-working last day or the holiday after it). ``consistent`` is the same but for events after
today, which the sweep, run for a past day, has always counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Date, Float, Integer, Select, and_, case, cast, func, literal, not_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from agency.approvals.clock import DEFAULT_THRESHOLDS, Thresholds
from agency.approvals.models import ClockEventRow, OpenClock
from agency.calendar.models import WorkdayOrdinal
from agency.projects.models import Approval, Project

EPOCH = date(2000, 1, 1)

# (threshold name, route id column, green-channel column) → the value for that row.
ThresholdPicker = Callable[[str, ColumnElement[Any], ColumnElement[Any]], ColumnElement[Any]]


class day_number(FunctionElement[int]):  # noqa: N801 — a SQL function, named like one
    """Days from 2000-01-01 to a date: calendar-day arithmetic in integers, whatever the dialect."""

    type = Integer()
    inherit_cache = True


class day_of_number(FunctionElement[date]):  # noqa: N801
    """The date ``n`` days after 2000-01-01 (the inverse of ``day_number``)."""

    type = Date()
    inherit_cache = True


@compiles(day_number, "postgresql")
def _pg_day_number(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - DATE '{EPOCH.isoformat()}')"


@compiles(day_number, "sqlite")
def _sqlite_day_number(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday() of a date is at noon, hence the .5; the difference is a whole number of days.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2451544.5 AS INTEGER)"


@compiles(day_of_number, "postgresql")
def _pg_day_of_number(element: day_of_number, compiler: SQLCompiler, **kw: Any) -> str:
    # date + integer: a sum of integers is a bigint in PostgreSQL, and date + bigint does not exist.
    return f"(DATE '{EPOCH.isoformat()}' + CAST({compiler.process(element.clauses, **kw)} AS INTEGER))"


@compiles(day_of_number, "sqlite")
def _sqlite_day_of_number(element: day_of_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date('{EPOCH.isoformat()}', CAST({compiler.process(element.clauses, **kw)} AS INTEGER) || ' days')"


# --- the first half, kept per open clock: the events reduced to sums (open_clocks.py keeps the rows) ---

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
    whose clock has events and has not stopped cleanly, columns in ``COLUMNS`` order.

    With T the day's number (ordinal for working days, day number for calendar days) the clock is
    linear in T while it runs and constant while it is paused, so each row keeps the constants:
    remaining = remaining_base − T_ordinal (running) or remaining_base (paused); used = T − used_base
    (running) or used_base (paused). The due date of a running clock is fixed, and so is that of a
    paused one whose due date passed before the pause (absorbed); a paused clock's other due date is a
    projection that moves every day (left to the pure function: due_on NULL), and when its limit
    counts calendar days its remaining working days move with the holidays too (remaining_base NULL)."""
    steps = _steps(condition)
    totals = _totals(steps)
    absorbed = _absorbed(steps, totals)
    t, b = totals.c, absorbed.c
    stopped_last = and_(t.stops == 1, t.stop_rn == t.last_rn)
    # compute_clock refuses anything after the stop, and a second stop.
    readable = and_(t.bad == 0, or_(t.stops == 0, stopped_last), t.a_o.is_not(None))
    calendar_unit = func.coalesce(t.unit, "workday") == "calendar_day"
    pausing = t.resumes_minus_pauses < 0
    budget = t.limit_count + t.extension
    is_absorbed = b.absorbed_x.is_not(None)
    run_base = case((calendar_unit, t.a_d + t.gaps_d), else_=t.a_o + t.gaps_o)
    due_x = func.coalesce(b.absorbed_x, case((~pausing, run_base + budget)))
    raw_day, due_day = aliased(WorkdayOrdinal, name="raw_day"), aliased(WorkdayOrdinal, name="due_day")
    # Calendar days: the last day, moved to the next working day when it is not one.
    due_o = case((calendar_unit, raw_day.ordinal + case((raw_day.workday, 0), else_=1)), else_=due_x)
    # A working-day budget of 0 is due on the acceptance date itself, working day or not.
    due_on = case((and_(~calendar_unit, budget == 0, due_x.is_not(None)), t.accepted_on), else_=due_day.day)
    remaining_base = case((~calendar_unit, budget + t.a_o + t.gaps_o),
                          # minus the working days counted after a due date that lies in a closed run
                          (is_absorbed, due_o - b.absorbed_gaps_o + t.gaps_o), (~pausing, due_o))
    used_base = case((pausing, -run_base), else_=run_base)
    return (select(t.approval_id, Approval.project_id, Approval.department_code, Approval.status, Project.route_id,
                   Project.green_channel_status == "approved", t.unit, t.limit_count, t.extension, t.accepted_on,
                   pausing, t.paused_on, due_on, remaining_base, used_base, b.absorbed_pause, t.last_event_on, readable)
            .select_from(totals).outerjoin(absorbed, b.approval_id == t.approval_id)
            .join(Approval, Approval.id == t.approval_id).join(Project, Project.id == Approval.project_id)
            .outerjoin(raw_day, and_(calendar_unit, raw_day.day == day_of_number(due_x)))
            .outerjoin(due_day, and_(due_day.ordinal == due_o, due_day.workday))
            .where(~and_(stopped_last, t.bad == 0)))


COLUMNS = ("approval_id", "project_id", "department_code", "status", "route_id", "green", "unit", "limit_count",
           "extension", "accepted_on", "pausing", "paused_on", "due_on", "remaining_base", "used_base",
           "absorbed_pause", "last_event_on", "readable")


# --- the second half: the clock on a given day, from the open clocks' rows ---


def clocks(today: date | ColumnElement[date], where: ColumnElement[bool], pick: ThresholdPicker) -> Select[Any]:
    """One row per open clock (``OpenClock``) that meets ``where``: (approval_id, project_id, department_code,
    route_id, accepted_on, due_on, used, allowed, remaining, overdue, state, level, due_soon, consistent, exact)
    on ``today``, a few sums per row and no join; ``pick`` gives each row's thresholds from its route and
    green-channel flag. ``exact``: the row is what compute_clock gives (but for the due date of a paused
    clock, a projection: NULL here); ``consistent``: but for events after today."""
    o = OpenClock
    calendar_unit = func.coalesce(o.unit, "workday") == "calendar_day"
    today_ = literal(today, Date) if isinstance(today, date) else today  # a bound parameter, to build once
    today_o = select(WorkdayOrdinal.ordinal).where(WorkdayOrdinal.day == today_).scalar_subquery()
    today_d = day_number(today_)
    known = and_(o.readable, or_(o.pausing, o.due_on.is_not(None)))
    r = select(o.approval_id, o.project_id, o.department_code, o.route_id, o.green, o.accepted_on, o.due_on,
               o.paused_on, (o.limit_count + o.extension).label("budget"),
               case((o.pausing, o.used_base), else_=case((calendar_unit, today_d), else_=today_o) - o.used_base)
               .label("used"),
               case((o.pausing, o.remaining_base), else_=o.remaining_base - today_o).label("remaining"),
               case((o.pausing, "paused"), else_="running").label("state"), known.label("consistent"),
               # Events after today make compute_clock refuse the clock; the sweep, run for a past day, has
               # always counted them (see running_clocks), so they are told apart from impossible sequences.
               and_(known, o.last_event_on <= today_, o.remaining_base.is_not(None),
                    not_(and_(calendar_unit, o.absorbed_pause.is_not(None), o.due_on > o.absorbed_pause)))
               .label("exact")).where(where).subquery("clock")
    c = r.c
    overdue = case((c.remaining < 0, -c.remaining), else_=0)
    red = case((c.state == "paused", c.paused_on), else_=today_) > c.due_on
    due_soon = and_(c.state == "running", today_ <= c.due_on,
                    c.remaining <= pick("prompt_days", c.route_id, c.green))
    yellow = c.used >= cast(c.budget, Float) * pick("yellow_ratio", c.route_id, c.green) - literal(1e-9, Float)
    long_overdue = or_(c.green, overdue >= pick("l3_after_workdays", c.route_id, c.green))
    level = case((and_(red, long_overdue), "l3"), (red, "red"), (yellow, "yellow"), (due_soon, "prompt"),
                 else_="none")
    return select(c.approval_id, c.project_id, c.department_code, c.route_id, c.accepted_on, c.due_on, c.used,
                  c.budget.label("allowed"), c.remaining, overdue.label("overdue"), c.state, level.label("level"),
                  due_soon.label("due_soon"), c.consistent, c.exact)


def running_clocks(today: date, thresholds: Thresholds = DEFAULT_THRESHOLDS, *, route_id: int | None = None,
                   green_thresholds: Thresholds | None = None) -> Select[tuple[int, ...]]:
    """(approval_id, project_id, department_code, accepted_on, due_on, used, allowed, remaining, overdue,
    level, due_soon) per running clock of an accepted approval with a working-day limit (what the sweep
    watches); optionally only one route's, with the thresholds of its green-channel projects applied to
    those in the same pass."""
    green = green_thresholds or thresholds

    def pick(name: str, _route: ColumnElement[Any], green_channel: ColumnElement[Any]) -> ColumnElement[Any]:
        normal, strict = getattr(thresholds, name), getattr(green, name)
        return literal(normal) if normal == strict else case((green_channel, literal(strict)), else_=literal(normal))

    where = and_(OpenClock.status == "accepted", OpenClock.unit == "workday")
    if route_id is not None:
        where = and_(where, OpenClock.route_id == route_id)
    c = clocks(today, where, pick).subquery("clocks").c
    return (select(c.approval_id, c.project_id, c.department_code, c.accepted_on, c.due_on, c.used, c.allowed,
                   c.remaining, c.overdue, c.level, c.due_soon)
            .where(c.state == "running", c.consistent))

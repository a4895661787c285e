"""The clock in SQL: the due date, counters and level of many approvals in one statement.

The same rules as ``agency.approvals.clock`` (its docstring), through the ``workday_ordinals`` table so
"n working days after d" is an indexed lookup and a million approvals are one statement. Every
date is reduced to a number X — its working-day ordinal for a working-day limit, its day number for
a calendar-day limit — and the clock becomes sums over the events of the current run (everything
from the last ``started``), in date order:

    budget B     = limit + extensions
    gaps  Γ      = Σ X(resumed) − Σ X(paused) [+ X(today or stop) while a pause is open]
    due   X      = X(accepted) + B + Γ                        (the open run reaches the budget)
                 = X(accepted) + B + Γ before pause i         (the first closed run that does,
                   when that is ≤ X(pause i): a due date passed before a pause stays there)
    elapsed      = ordinal(today or stop) − ordinal(accepted) − Γ in working days
    remaining    = B − used (working-day limit); ordinal(due) − ordinal(today or stop), or minus
                   the working days counted after the due date when it lies in a closed run

A pause on P resumed on R excludes X(R) − X(P): the days in (P, R]. A working-day due date is the
working day with ordinal X (the acceptance date itself for a budget of 0); a calendar-day one is
the first working day on or after day X.

Rows the formulas cannot answer exactly are flagged ``exact = false`` for the caller to compute
with the pure function: event sequences it would reject (events after today, a resume without a
pause, anything after the stop…), dates outside the calendar, and a calendar-day due date that
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
from agency.approvals.models import ClockEventRow
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


_CARRIED = ("project_id", "department_code", "route_id", "green", "limit_count", "unit")
_KIND_CODE = {"started": 1, "paused": 2, "resumed": 3, "stopped": 4}  # extensions change no state


def _steps(scope: Select[Any]) -> Any:
    """The clock events of the approvals in scope, in date order, with running sums (one sort)."""
    e, day = ClockEventRow, aliased(WorkdayOrdinal, name="event_day")
    # OFFSET 0 keeps PostgreSQL from inlining this subquery: the promised limit is cut out of the
    # (compressed) JSON snapshot here, once per event of an approval in scope, rather than the whole
    # snapshot being carried through the sort below.
    joined = (scope.join(e, e.approval_id == Approval.id).with_only_columns(
        e.approval_id, e.id.label("event_id"), e.kind, e.on, e.days, Approval.project_id.label("project_id"),
        Approval.department_code.label("department_code"), Project.route_id.label("route_id"),
        (Project.green_channel_status == "approved").label("green"),
        Approval.snapshot["promised_limit"].label("promised")).offset(0).subquery("joined"))
    j = joined.c
    dn = day_number(j.on)
    by_date: dict[str, Any] = {"partition_by": j.approval_id, "order_by": (j.on, j.event_id)}
    before: dict[str, Any] = {**by_date, "rows": (None, -1)}
    first = (select(
        j.approval_id, j.kind, j.on, j.days, day.ordinal.label("o"), dn.label("dn"), j.project_id,
        j.department_code, j.route_id, j.green,
        func.coalesce(j.promised["count"].as_integer(), 0).label("limit_count"),
        func.coalesce(j.promised["unit"].as_string(), "workday").label("unit"),
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
        *[f[name] for name in ("approval_id", "kind", "on", "days", "o", "dn", *_CARRIED, "rn", "later_starts",
                               "gaps_o", "gaps_d")],
        # The kind of the last event before this one that set the state (started, paused, resumed, stopped):
        # rn grows along the partition, so the largest rn·8 + code before the row is that event's.
        (func.max(f.rn * 8 + code).over(partition_by=f.approval_id, order_by=f.rn, rows=(None, -1)) % 8)
        .label("previous"),
    ).cte("clock_steps")


def _totals(today: date, steps: Any) -> Any:
    """The steps summed up per approval: the current run's acceptance, extensions, gaps, pause and stop."""
    v = steps.c
    current = v.later_starts == 0
    previous = func.coalesce(v.previous, 0)
    # What compute_clock rejects with ClockError (the state set by the previous event decides what may
    # follow), plus a date the calendar does not cover and a limit Limit() would refuse.
    impossible = or_(v.o.is_(None), v.unit.not_in(("workday", "calendar_day")),
                     v.limit_count < 0, and_(previous == 0, v.kind != "started"),
                     and_(v.kind == "extended", v.days <= 0),
                     and_(v.kind == "paused", previous.not_in((_KIND_CODE["started"], _KIND_CODE["resumed"]))),
                     and_(v.kind == "resumed", previous != _KIND_CODE["paused"]))

    def run(kind: str | None, value: Any) -> Any:
        return case((and_(current, v.kind == kind) if kind else current, value))

    def signed(value: Any) -> Any:
        return case((and_(current, v.kind == "resumed"), value), (and_(current, v.kind == "paused"), -value),
                    else_=0)

    carried = [v[name] for name in _CARRIED]
    return select(
        v.approval_id, *carried,
        func.max(case((impossible, 1), else_=0)).label("bad"),
        func.max(case((v.on > literal(today, Date), 1), else_=0)).label("future"),
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
        func.max(case((v.kind == "stopped", v.on)), type_=Date).label("stopped_on"),
        func.max(case((v.kind == "stopped", v.o))).label("stopped_o"),
        func.max(case((v.kind == "stopped", v.dn))).label("stopped_d"),
    ).group_by(v.approval_id, *carried).cte("clock_totals")


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


def _due(today: date, scope: Select[Any]) -> Any:
    """Budget, time used and the due date (looked up in the ordinal table) per approval."""
    steps = _steps(scope)
    totals = _totals(today, steps)
    absorbed = _absorbed(steps, totals)
    a, b = totals.c, absorbed.c
    calendar_unit = a.unit == "calendar_day"
    pausing = -a.resumes_minus_pauses  # 1 while a pause is open (or was when the clock stopped)
    today_o = select(WorkdayOrdinal.ordinal).where(WorkdayOrdinal.day == today).scalar_subquery()
    ref_o = func.coalesce(a.stopped_o, today_o)
    ref_d = func.coalesce(a.stopped_d, literal((today - EPOCH).days))
    a_x, ref_x = case((calendar_unit, a.a_d), else_=a.a_o), case((calendar_unit, ref_d), else_=ref_o)
    budget = a.limit_count + a.extension
    gaps_o = a.gaps_o + pausing * ref_o
    gaps_x = case((calendar_unit, a.gaps_d + pausing * ref_d), else_=gaps_o)
    elapsed = ref_o - a.a_o - gaps_o
    due_x = func.coalesce(b.absorbed_x, a_x + budget + gaps_x)
    raw_day, due_day = aliased(WorkdayOrdinal, name="raw_day"), aliased(WorkdayOrdinal, name="due_day")
    # Calendar days: the last day, moved to the next working day when it is not one.
    due_o = case((calendar_unit, raw_day.ordinal + case((raw_day.workday, 0), else_=1)), else_=due_x)
    # Stopped twice, or not on the last event: compute_clock refuses anything after the stop.
    bad = case((or_(a.stops > 1, and_(a.stops == 1, a.stop_rn != a.last_rn)), 1), else_=a.bad)
    return (select(a.approval_id, a.project_id, a.department_code, a.route_id, a.green, a.unit, bad.label("bad"),
                   a.future, a.accepted_on, a.a_o, pausing.label("pausing"), a.paused_on, a.stopped_on, b.absorbed_x,
                   b.absorbed_gaps_o, b.absorbed_pause, budget.label("budget"), elapsed.label("elapsed"),
                   ref_o.label("ref_o"), case((calendar_unit, ref_x - a_x - gaps_x), else_=elapsed).label("used"),
                   due_o.label("due_o"),
                   # A working-day budget of 0 is due on the acceptance date itself, working day or not.
                   case((and_(~calendar_unit, budget == 0), a.accepted_on), else_=due_day.day).label("due_on"))
            .select_from(totals).outerjoin(absorbed, b.approval_id == a.approval_id)
            .outerjoin(raw_day, and_(calendar_unit, raw_day.day == day_of_number(due_x)))
            .outerjoin(due_day, and_(due_day.ordinal == due_o, due_day.workday))).subquery("due")


def clocks(today: date, scope: Select[Any], pick: ThresholdPicker) -> Select[Any]:
    """One row per approval in ``scope`` (a SELECT over Approval joined with Project) that has clock events:
    (approval_id, project_id, department_code, route_id, accepted_on, due_on, used, allowed, remaining, overdue,
    state, level, due_soon, consistent, exact); ``pick`` gives each row's thresholds from its route and
    green-channel flag. ``exact``: the row is what compute_clock gives; ``consistent``: but for events
    after today."""
    d = _due(today, scope).c
    calendar_unit = d.unit == "calendar_day"
    absorbed = d.absorbed_x.is_not(None)
    remaining = case((~calendar_unit, d.budget - d.used),
                     # Minus the working days counted after a due date that lies in a closed run.
                     (absorbed, d.due_o - d.a_o - d.absorbed_gaps_o - d.elapsed),
                     else_=d.due_o - d.ref_o)
    state = case((d.stopped_on.is_not(None), "stopped"), (d.pausing == 1, "paused"), else_="running")
    consistent = and_(d.bad == 0, d.due_on.is_not(None), d.a_o.is_not(None))
    # Events after today make compute_clock refuse the clock; the sweep, run for a past day, has always
    # counted them (see running_clocks), so they are told apart from the sequences no day accepts.
    exact = and_(consistent, d.future == 0, not_(and_(calendar_unit, absorbed, d.due_on > d.absorbed_pause)))
    r = select(d.approval_id, d.project_id, d.department_code, d.route_id, d.green, d.accepted_on, d.due_on,
               d.paused_on, d.used, d.budget, remaining.label("remaining"), state.label("state"),
               consistent.label("consistent"), exact.label("exact")).subquery("clock")
    c = r.c
    today_ = literal(today, Date)
    overdue = case((c.remaining < 0, -c.remaining), else_=0)
    red = case((c.state == "paused", c.paused_on), else_=today_) > c.due_on
    due_soon = and_(c.state == "running", today_ <= c.due_on,
                    c.remaining <= pick("prompt_days", c.route_id, c.green))
    yellow = c.used >= cast(c.budget, Float) * pick("yellow_ratio", c.route_id, c.green) - literal(1e-9, Float)
    long_overdue = or_(c.green, overdue >= pick("l3_after_workdays", c.route_id, c.green))
    level = case((c.state == "stopped", "none"), (and_(red, long_overdue), "l3"), (red, "red"),
                 (yellow, "yellow"), (due_soon, "prompt"), else_="none")
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

    scope = (select(Approval.id).join(Project, Project.id == Approval.project_id)
             .where(Approval.status == "accepted",
                    Approval.snapshot["promised_limit"]["unit"].as_string() == "workday"))
    if route_id is not None:
        scope = scope.where(Project.route_id == route_id)
    c = clocks(today, scope, pick).subquery("clocks").c
    return (select(c.approval_id, c.project_id, c.department_code, c.accepted_on, c.due_on, c.used, c.allowed,
                   c.remaining, c.overdue, c.level, c.due_soon)
            .where(c.state == "running", c.consistent))

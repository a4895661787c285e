"""The clocks of many approvals on one day, in SQL: the rows ``ApprovalClock`` keeps plus the day asked for.

Nothing here reduces clock events: that is the pure function's work (``clock.clock_constants``), done
when a clock changes and kept in the row. This module only adds "today", with the same rules as
``clock.compute_clock`` (its docstring), through the working-day ordinal table:

    remaining(T) = remaining_at_anchor − (ordinal(T) − ordinal(anchor_on))   running
                 = remaining_at_anchor                                         paused
    used(T)      = allowed − remaining(T)                                      working-day limit
                 = used_at_anchor + (T − anchor_on in days)                    calendar-day limit, running
                 = used_at_anchor                                              calendar-day limit, paused
    overdue(T)   = −remaining(T) when negative, else 0
    red          = (the pause day while paused, else T) is after due_on
    yellow       = used ≥ yellow_ratio × allowed;  prompt: running, T ≤ due_on, remaining ≤ prompt_days
    l3           = red, and overdue ≥ l3_after_workdays or the project is on the green channel

A row is read here only when it is ``exact`` for the day: readable, fresh (no calendar change since it
was written falls inside the dates it depends on), its last event not after the day, and its numbers
not moving with the day (a paused clock's projected due date). Any other is computed by the caller
through the pure function, from its events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Date, Float, Integer, Select, and_, case, cast, exists, literal, not_, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from agency import timeutil
from agency.approvals.clock import DEFAULT_THRESHOLDS, Thresholds
from agency.approvals.models import ApprovalClock
from agency.calendar.models import CalendarChange, CalendarRevision, WorkdayOrdinal
from agency.db.base import JSONType

EPOCH = date(2000, 1, 1)

# (threshold name, route id column, green-channel column) → the value for that row.
ThresholdPicker = Callable[[str, ColumnElement[Any], ColumnElement[Any]], ColumnElement[Any]]


class day_number(FunctionElement[int]):  # noqa: N801 — a SQL function, named like one
    """Days from 2000-01-01 to a date: calendar-day arithmetic in integers, whatever the dialect."""

    type = Integer()
    inherit_cache = True


@compiles(day_number, "postgresql")
def _pg_day_number(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - DATE '{EPOCH.isoformat()}')"


@compiles(day_number, "sqlite")
def _sqlite_day_number(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday() of a date is at noon, hence the .5; the difference is a whole number of days.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2451544.5 AS INTEGER)"


class day_after(FunctionElement[date]):  # noqa: N801
    """The calendar day after a date, whatever the dialect."""

    type = Date()
    inherit_cache = True


@compiles(day_after, "postgresql")
def _pg_day_after(element: day_after, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} + 1)"


@compiles(day_after, "sqlite")
def _sqlite_day_after(element: day_after, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"


class due_detail(FunctionElement[Any]):  # noqa: N801
    """A violation's detail as JSON, {"due_on": "YYYY-MM-DD"}, built in SQL on either dialect."""

    type = JSONType
    inherit_cache = True


@compiles(due_detail, "postgresql")
def _pg_due_detail(element: due_detail, compiler: SQLCompiler, **kw: Any) -> str:
    return f"jsonb_build_object('due_on', {compiler.process(element.clauses, **kw)})"


@compiles(due_detail, "sqlite")
def _sqlite_due_detail(element: due_detail, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object('due_on', {compiler.process(element.clauses, **kw)})"


def _current_revision() -> Any:
    return select(CalendarRevision.revision).where(CalendarRevision.id == 1).scalar_subquery()


def _touched_by_a_later_change() -> ColumnElement[bool]:
    c = ApprovalClock
    return exists().where(CalendarChange.revision > c.calendar_revision, CalendarChange.day >= c.accepted_on,
                          or_(c.horizon_on.is_(None), CalendarChange.day <= c.horizon_on))


def fresh() -> ColumnElement[bool]:
    """The row was computed with the current calendar, or no later change of it touches its dates."""
    return or_(ApprovalClock.calendar_revision >= _current_revision(), not_(_touched_by_a_later_change()))


def stale() -> ColumnElement[bool]:
    """``not fresh()``, in the form the index on ``calendar_revision`` serves: computed with an older calendar,
    whose later change touches the row's dates (none at all while no change awaits its recompute)."""
    return and_(ApprovalClock.calendar_revision < _current_revision(), _touched_by_a_later_change())


def clocks(today: date | ColumnElement[date], where: ColumnElement[bool], pick: ThresholdPicker) -> Select[Any]:
    """One row per clock row that meets ``where``: (approval_id, project_id, department_code, route_id, accepted_on,
    due_on, used, allowed, remaining, overdue, state, level, due_soon, exact) on ``today``; ``pick`` gives each
    row's thresholds from its route and green-channel flag. Columns other than approval_id and exact mean
    something only where ``exact`` holds."""
    o = ApprovalClock
    anchor = aliased(WorkdayOrdinal, name="anchor_day")
    today_ = literal(today, Date) if isinstance(today, date) else today  # a bound parameter, to build once
    today_o = select(WorkdayOrdinal.ordinal).where(WorkdayOrdinal.day == today_).scalar_subquery()
    running = o.state == "running"
    remaining = case((running, o.remaining_at_anchor - (today_o - anchor.ordinal)), else_=o.remaining_at_anchor)
    used = case((o.unit == "workday", o.allowed - remaining),
                (running, o.used_at_anchor + (day_number(today_) - day_number(o.anchor_on))),
                else_=o.used_at_anchor)
    exact = and_(o.readable, o.anchor_on <= today_, o.remaining_at_anchor.is_not(None),
                 or_(running, o.due_on.is_not(None), o.unit == "workday"), fresh())
    r = (select(o.approval_id, o.project_id, o.department_code, o.route_id, o.green, o.accepted_on, o.due_on,
                o.statutory_due_on, o.paused_on, o.allowed, used.label("used"), remaining.label("remaining"), o.state,
                exact.label("exact"))
         .select_from(o).outerjoin(anchor, anchor.day == o.anchor_on).where(where).subquery("clock"))
    c = r.c
    overdue = case((c.remaining < 0, -c.remaining), else_=0)
    red = case((c.state == "paused", c.paused_on), else_=today_) > c.due_on
    due_soon = and_(c.state == "running", today_ <= c.due_on, c.remaining <= pick("prompt_days", c.route_id, c.green))
    yellow = c.used >= cast(c.allowed, Float) * pick("yellow_ratio", c.route_id, c.green) - literal(1e-9, Float)
    long_overdue = or_(c.green, overdue >= pick("l3_after_workdays", c.route_id, c.green))
    level = case((and_(red, long_overdue), "l3"), (red, "red"), (yellow, "yellow"), (due_soon, "prompt"),
                 else_="none")
    statutory_passed = case((c.state == "paused", c.paused_on), else_=today_) > c.statutory_due_on
    return select(c.approval_id, c.project_id, c.department_code, c.route_id, c.accepted_on, c.due_on, c.used,
                  c.allowed, c.remaining, overdue.label("overdue"), c.state, level.label("level"),
                  due_soon.label("due_soon"), c.exact, c.statutory_due_on,
                  statutory_passed.label("statutory_passed"))


def running_clocks(today: date, thresholds: Thresholds = DEFAULT_THRESHOLDS, *, route_id: int | None = None,
                   green_thresholds: Thresholds | None = None) -> Select[tuple[int, ...]]:
    """(approval_id, project_id, department_code, accepted_on, due_on, used, allowed, remaining, overdue,
    level, due_soon) per running clock of an accepted approval with a working-day limit that SQL reads exactly
    (what the sweep watches; the sweep computes the others through the pure function); optionally only one
    route's, with the thresholds of its green-channel projects applied to those in the same pass."""
    green = green_thresholds or thresholds

    def pick(name: str, _route: ColumnElement[Any], green_channel: ColumnElement[Any]) -> ColumnElement[Any]:
        normal, strict = getattr(thresholds, name), getattr(green, name)
        return literal(normal) if normal == strict else case((green_channel, literal(strict)), else_=literal(normal))

    where = and_(ApprovalClock.status == "accepted", ApprovalClock.unit == "workday")
    if route_id is not None:
        where = and_(where, ApprovalClock.route_id == route_id)
    c = clocks(today, where, pick).subquery("clocks").c
    return (select(c.approval_id, c.project_id, c.department_code, c.accepted_on, c.due_on, c.used, c.allowed,
                   c.remaining, c.overdue, c.level, c.due_soon)
            .where(c.state == "running", c.exact))


def overdue_clocks(today: date) -> Select[Any]:
    """The violations the day shows (violations.COLUMNS order): every clock SQL reads exactly that is past its
    promised due date (``promised_overdue``) or its statutory one (``statutory_overdue``), dated the day after."""
    where = ApprovalClock.status.in_(("accepted", "supplement_requested", "suspended"))
    c = clocks(today, where, lambda name, _r, _g: literal(getattr(DEFAULT_THRESHOLDS, name))).subquery("clocks").c
    now = literal(timeutil.now())

    def breach(kind: str, due: Any, passed: Any) -> Select[Any]:
        return select(literal(kind), c.approval_id, c.project_id, c.department_code, literal(""), day_after(due),
                      due_detail(due), now).where(c.exact, passed)

    return union_all(breach("promised_overdue", c.due_on, c.level.in_(("red", "l3"))),
                     breach("statutory_overdue", c.statutory_due_on, c.statutory_passed))  # type: ignore[return-value]


def inexact_running(today: date, *, route_id: int | None = None) -> Select[tuple[int]]:
    """The ids the sweep must compute through the pure function: rows ``running_clocks`` leaves out because
    SQL cannot read them exactly on ``today`` (a stale calendar, an unreadable sequence)."""
    where = and_(ApprovalClock.status == "accepted", ApprovalClock.unit == "workday")
    if route_id is not None:
        where = and_(where, ApprovalClock.route_id == route_id)
    c = clocks(today, where, lambda name, _r, _g: literal(getattr(DEFAULT_THRESHOLDS, name))).subquery("clocks").c
    return select(c.approval_id).where(~c.exact)

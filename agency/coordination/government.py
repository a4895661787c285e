"""The government's time on a project (政府审批用时), in working days, against the route's target.

A working day counts when some approval of the project is with its department on it: from the day after its
submission (counting starts the day after, as for the clocks) to its decision, or to today while it runs. Out
of it are the enterprise's own days:

* a pause of the approval's clock — waiting for a supplement, a 特别程序 period — excludes the days ``(P, R]``
  exactly as the clock does (agency/approvals/clock.py);
* the days between one approval's decision and the submission of the next are covered by no approval;
* a paused agency mandate excludes its days only where no item was accepted and running on them: the
  departments' clocks do not stop for it, so a day an accepted item runs is the government's all the same.

The target is the route's (``government_target_workdays`` in its definition), else the demo defaults: 120
working days for a general industrial project, 90 for a technical upgrade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.approvals.models import Approval, ClockEventRow
from agency.audit.models import AuditEvent
from agency.calendar.service import get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import Route
from agency.projects.models import Project
from agency.timeutil import CHINA

DEFAULT_TARGETS = {"new_industrial": 120, "tech_upgrade": 90}
DEFAULT_TARGET = 120


@dataclass(frozen=True, slots=True)
class Span:
    """One approval's time with its department: submitted on, accepted on (its clock started), ended on (the
    decision, or today), and the clock's pauses as (paused on, resumed on or None while paused)."""

    submitted_on: date
    ended_on: date
    accepted_on: date | None = None
    pauses: tuple[tuple[date, date | None], ...] = field(default_factory=tuple)


# A set of days as disjoint intervals (lo, hi] of date ordinals, lo < hi, in order.
Days = list[tuple[int, int]]


def _merged(intervals: Iterable[tuple[int, int]]) -> Days:
    merged: Days = []
    for lo, hi in sorted(i for i in intervals if i[0] < i[1]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _minus(days: Days, cuts: Days) -> Days:
    left: Days = []
    for lo, hi in days:
        for cut_lo, cut_hi in cuts:
            if cut_hi <= lo or cut_lo >= hi:
                continue
            if cut_lo > lo:
                left.append((lo, cut_lo))
            lo = max(lo, cut_hi)
            if lo >= hi:
                break
        if lo < hi:
            left.append((lo, hi))
    return left


def _within(days: Days, bounds: Days) -> Days:
    return _minus(days, _minus(days, bounds))


def government_workdays(spans: Iterable[Span], mandate_pauses: Iterable[tuple[date, date | None]],
                        calendar: WorkCalendar, today: date) -> int:
    """The working days on which some approval is with its department, up to ``today``, less those of a paused
    mandate on which no accepted item runs. Computed on intervals of days (the sweep does it for every stage of
    every running project: day by day it was most of a steady sweep)."""
    end = today.toordinal()

    def own_days(since: date, until: date, pauses: Iterable[tuple[date, date | None]]) -> Days:
        # (since, until] up to today, less the approval's own pauses (P, R] — an open one runs to today.
        return _minus(_merged([(since.toordinal(), min(until.toordinal(), end))]),
                      _merged((p.toordinal(), r.toordinal() if r is not None else end) for p, r in pauses))

    spans = list(spans)
    with_department = _merged(d for s in spans for d in own_days(s.submitted_on, s.ended_on, s.pauses))
    running = _merged(d for s in spans if s.accepted_on is not None
                      for d in own_days(s.accepted_on, s.ended_on, s.pauses))
    mandate_paused = _merged((p.toordinal(), min(r.toordinal(), end) if r is not None else end)
                             for p, r in mandate_pauses)
    idle = _minus(_within(with_department, mandate_paused), running)

    def workdays(days: Days) -> int:
        return sum(calendar.workdays_between(date.fromordinal(lo), date.fromordinal(hi)) for lo, hi in days)

    return workdays(with_department) - workdays(idle)


def target_of(route: Route | None, route_code: str) -> int:
    configured = (route.definition or {}).get("government_target_workdays") if route is not None else None
    return int(configured) if configured else DEFAULT_TARGETS.get(route_code, DEFAULT_TARGET)


class Timed(Protocol):
    """An approval as the arithmetic reads it: the mapped ``Approval`` or a ``TimedApproval`` row."""

    @property
    def id(self) -> int: ...
    @property
    def stage(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def submitted_on(self) -> date | None: ...
    @property
    def decided_on(self) -> date | None: ...


class TimedClockEvent(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def on(self) -> date: ...


def spans_of(approvals: Sequence[Timed], events: Mapping[int, Sequence[TimedClockEvent]], today: date) -> list[Span]:
    """Each approval sent to its department as a span (one not yet sent has none)."""
    spans = []
    for a in approvals:
        started = [e.on for e in events.get(a.id, []) if e.kind == "started"]
        if a.submitted_on is None and not started:
            continue
        submitted = a.submitted_on or started[0]
        stopped = [e.on for e in events.get(a.id, []) if e.kind == "stopped"]
        ended = stopped[-1] if stopped else (a.decided_on or today)
        pauses: list[tuple[date, date | None]] = []
        for e in sorted(events.get(a.id, []), key=lambda e: (e.on, e.id)):
            if e.kind == "paused":
                pauses.append((e.on, None))
            elif e.kind == "resumed" and pauses and pauses[-1][1] is None:
                pauses[-1] = (pauses[-1][0], e.on)
        spans.append(Span(submitted_on=min(submitted, started[0]) if started else submitted, ended_on=ended,
                          accepted_on=started[0] if started else None, pauses=tuple(pauses)))
    return spans


async def mandate_pauses_of(session: AsyncSession, project_ids: list[int]
                            ) -> dict[int, list[tuple[date, date | None]]]:
    """Each project's mandate pauses from its audit lines (pause, then resume), the current one open: one query."""
    lines = (await session.execute(select(AuditEvent.project_id, AuditEvent.action, AuditEvent.after,
                                          AuditEvent.occurred_at).where(
        AuditEvent.project_id.in_(project_ids or [0]), AuditEvent.object_type == "project",
        AuditEvent.action.in_(("project.mandate_pause", "project.mandate_resume")))
        .order_by(AuditEvent.occurred_at, AuditEvent.id))).all()
    found: dict[int, list[tuple[date, date | None]]] = {p: [] for p in project_ids}
    for project_id, action, after, occurred_at in lines:
        pauses = found[project_id]
        if action == "project.mandate_pause":
            paused_on = (after or {}).get("paused_on")
            pauses.append((date.fromisoformat(paused_on) if paused_on else occurred_at.astimezone(CHINA).date(), None))
        elif pauses and pauses[-1][1] is None:
            pauses[-1] = (pauses[-1][0], occurred_at.astimezone(CHINA).date())
    return found


async def mandate_pauses(session: AsyncSession, project: Project) -> list[tuple[date, date | None]]:
    return (await mandate_pauses_of(session, [project.id]))[project.id]


@dataclass(frozen=True, slots=True)
class GovernmentTime:
    workdays: int
    target_workdays: int


async def approvals_and_events_of(session: AsyncSession, project_ids: list[int]
                                  ) -> tuple[dict[int, list[Approval]], dict[int, list[ClockEventRow]]]:
    """The projects' approvals and their clock events: one query (the dashboard counts its statements)."""
    approvals: dict[int, list[Approval]] = {p: [] for p in project_ids}
    events: dict[int, list[ClockEventRow]] = {}
    rows = await session.execute(select(Approval, ClockEventRow)
                                 .outerjoin(ClockEventRow, ClockEventRow.approval_id == Approval.id)
                                 .where(Approval.project_id.in_(project_ids or [0]))
                                 .order_by(Approval.id, ClockEventRow.on, ClockEventRow.id))
    for approval, event in rows.tuples():
        mine = approvals[approval.project_id]
        if not mine or mine[-1] is not approval:
            mine.append(approval)
        if event is not None:
            events.setdefault(approval.id, []).append(event)
    return approvals, events


class TimedApproval(NamedTuple):
    """What the stages' and the government time's arithmetic reads of an approval (``Timed``), as a plain row."""

    id: int
    project_id: int
    stage: str
    required: bool
    status: str
    submitted_on: date | None
    decided_on: date | None


class TimedEvent(NamedTuple):
    id: int
    kind: str
    on: date


async def timing_of(session: AsyncSession, project_ids: list[int]
                    ) -> tuple[dict[int, list[TimedApproval]], dict[int, list[TimedEvent]]]:
    """``approvals_and_events_of`` as plain rows of the columns the arithmetic reads: the sweep reads every open
    project's, and building ORM objects (with each item's snapshot, a JSON document) was most of its time."""
    approvals: dict[int, list[TimedApproval]] = {p: [] for p in project_ids}
    for row in (await session.execute(select(
            Approval.id, Approval.project_id, Approval.stage, Approval.required, Approval.status,
            Approval.submitted_on, Approval.decided_on).where(Approval.project_id.in_(project_ids or [0]))
            .order_by(Approval.id))).all():
        approvals[row[1]].append(TimedApproval(*row))
    events: dict[int, list[TimedEvent]] = {}
    for approval_id, event_id, kind, on in (await session.execute(
            select(ClockEventRow.approval_id, ClockEventRow.id, ClockEventRow.kind, ClockEventRow.on)
            .join(Approval, Approval.id == ClockEventRow.approval_id)
            .where(Approval.project_id.in_(project_ids or [0]))
            .order_by(ClockEventRow.approval_id, ClockEventRow.on, ClockEventRow.id))).all():
        events.setdefault(approval_id, []).append(TimedEvent(event_id, kind, on))
    return approvals, events


async def approvals_and_events(session: AsyncSession, project_id: int
                               ) -> tuple[list[Approval], dict[int, list[ClockEventRow]]]:
    approvals, events = await approvals_and_events_of(session, [project_id])
    return approvals[project_id], events


async def of_project(session: AsyncSession, project: Project, today: date) -> GovernmentTime:
    approvals, events = await approvals_and_events(session, project.id)
    route = await session.get(Route, project.route_id)
    workdays = government_workdays(spans_of(approvals, events, today), await mandate_pauses(session, project),
                                   await get_calendar(session), today)
    return GovernmentTime(workdays, target_of(route, project.route_code))

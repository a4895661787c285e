"""The supervision figures of DOMAIN.md ("Supervision and metrics") per department and period, and
the leader's dashboard.

Definitions, for a period [from, to] of office (China) dates, both ends included:

* ``completed`` — approvals decided (approved or rejected) with ``decided_on`` in the period.
* ``on_time`` — of those, the ones whose clock stopped on or before the promised due date
  (``ClockState.on_time``). An approval completed without any clock record (recorded as approved
  before Agency tracked it) is completed but not on time: nothing shows that it was.
* ``on_time_rate`` = on_time ÷ completed (按时办结率).
* ``speedup_rate`` (提速率) — the mean over completed approvals that have a statutory limit (and a
  clock) of (statutory − actual) ÷ statutory. ``statutory`` is the limit's own count, without
  extensions (an extension is exactly what the figure should show); ``actual`` is the time the clock
  ran, paused days excluded, **in the statutory limit's unit**: working days for a working-day limit
  (``elapsed_workdays``), calendar days counted the same way for a calendar-day limit (环评 30 days).
  A decision past the statutory limit gives a negative term.
* ``yellow`` / ``red`` — approvals of the department with an escalation fired in the period (its
  sweep date ``as_of``) at level yellow, resp. red or l3 — each approval counted once per figure,
  so a red card that grows into 督办 L3 is one red item.
* ``rated`` / ``satisfied`` — ratings received in the period (``rated_on``) / those scoring 4–5;
  ``satisfaction_rate`` = satisfied ÷ rated (满意率); ``evaluation_rate`` = rated ÷ completed (评议率).
* ``violations`` — the department's breaches recorded with ``occurred_on`` in the period, per kind
  (agency/violations: intake_overdue, repeat_supplement, promised_overdue, statutory_overdue), every kind
  named, 0 where none.
* A rate whose denominator is 0 is ``None`` (null), never 0.

Counts and ratings are aggregated in SQL; the clock is Python's (``agency.approvals.clock``) since
it needs the calendar and the event sequence of each completed approval.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals import workviews
from agency.approvals.clock import ClockError, compute_clock
from agency.approvals.clocks import events_of, limit_of
from agency.approvals.models import Approval
from agency.calendar.service import get_calendar
from agency.calendar.workdays import CalendarRangeError
from agency.catalog.models import Department
from agency.dossiers import service as projects
from agency.enterprises.models import Enterprise
from agency.errors import Invalid
from agency.escalation.models import Escalation
from agency.evaluations.models import Evaluation, Rectification
from agency.projects.models import Project
from agency.reports.schemas import DashboardCounts, DepartmentReport, GreenChannelProject, PendingGreenChannel
from agency.timeutil import today_local
from agency.violations.models import VIOLATION_KINDS, Violation

REPORT_ROLES = (Role.ADMIN, Role.LEADER, Role.CLERK)
DASHBOARD_ROLES = (Role.ADMIN, Role.LEADER)
MAX_PERIOD_DAYS = 3 * 366
_LEVEL_ORDER = ("none", "prompt", "yellow", "red", "l3")


def current_month(today: date | None = None) -> tuple[date, date]:
    today = today or today_local()
    first = today.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return first, next_first - timedelta(days=1)


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """The period asked for; the current month by default (either end alone keeps the month's other end)."""
    month_start, month_end = current_month()
    start, end = start or month_start, end or month_end
    if start > end:
        raise Invalid("统计区间的开始日期不能晚于结束日期（from is after to）", field="from")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise Invalid(f"统计区间不能超过{MAX_PERIOD_DAYS}天（period too long）", field="to")
    return start, end


def _rate(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(slots=True)
class _Tally:
    completed: int = 0
    on_time: int = 0
    speedups: list[float] = field(default_factory=list)
    # Items with a zero promised limit (即办) and those of them finished on the day.
    immediate: int = 0
    same_day: int = 0


@dataclass(slots=True)
class _Tallies:
    """A period's decided approvals tallied three ways — by department, by handler (the officer) and by clerk (the
    project's agency clerk) — from one read of them and of their clock events."""
    by_department: dict[str, _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    by_handler: dict[int, _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    by_clerk: dict[int, _Tally] = field(default_factory=lambda: defaultdict(_Tally))


async def _clock_tallies(session: AsyncSession, start: date, end: date) -> _Tallies:
    """The period's decided approvals tallied by department, by handler and by clerk (one pass, each approval's
    clock computed once for the three)."""
    decided = (await session.execute(
        select(Approval, Project.clerk_id).join(Project, Project.id == Approval.project_id)
        .where(Approval.status.in_(("approved", "rejected")), Approval.decided_on.between(start, end)))).all()
    tallies = _Tallies()
    if not decided:
        return tallies
    events = await events_of(session, [a.id for a, _ in decided])
    calendar = await get_calendar(session)
    today = max(today_local(), end)
    for approval, clerk_id in decided:
        owners = [] if approval.department_code is None else [tallies.by_department[approval.department_code]]
        if approval.handler_id is not None:
            owners.append(tallies.by_handler[approval.handler_id])
        if clerk_id is not None:
            owners.append(tallies.by_clerk[clerk_id])
        on_time = immediate = same_day = False
        speedup: float | None = None
        own = events.get(approval.id)
        promised = limit_of(approval.snapshot, "promised_limit")
        statutory = limit_of(approval.snapshot, "statutory_limit")
        if own and promised is not None:
            try:
                clock = compute_clock(promised, statutory, own, today, calendar)
                on_time = bool(clock.on_time)
                immediate = promised.count == 0
                same_day = immediate and clock.elapsed_workdays == 0
                if statutory is not None and statutory.count > 0 and clock.finished_on is not None:
                    actual = clock.elapsed_workdays if statutory.unit == "workday" else \
                        compute_clock(statutory, None, own, today, calendar).used
                    speedup = (statutory.count - actual) / statutory.count
            except (ClockError, CalendarRangeError):
                # An inconsistent record counts as completed, not on time, and no speed-up.
                on_time = immediate = same_day = False
                speedup = None
        for tally in owners:
            tally.completed += 1
            tally.on_time += on_time
            tally.immediate += immediate
            tally.same_day += same_day
            if speedup is not None:
                tally.speedups.append(speedup)
    return tallies


async def department_report(session: AsyncSession, actor: Actor, start: date | None = None,
                            end: date | None = None) -> tuple[date, date, list[DepartmentReport]]:
    actor.require(*REPORT_ROLES)
    start, end = period(start, end)
    rows, _ = await department_rows(session, start, end)
    return start, end, rows


async def department_rows(session: AsyncSession, start: date, end: date) -> tuple[list[DepartmentReport], _Tallies]:
    """Every department's figures for [start, end], with the clock tallies they were made from (the rankings read
    the officers' and clerks' from the same pass). The caller has checked the actor's role."""
    departments = (await session.execute(select(Department.code, Department.name).order_by(Department.code))).all()
    tallies = await _clock_tallies(session, start, end)
    red_group = case((Escalation.level.in_(("red", "l3")), "red"), else_="yellow")
    cards: dict[tuple[str, str], int] = {
        (row[0], row[1]): row[2] for row in (await session.execute(
            select(Escalation.department_code, red_group, func.count(distinct(Escalation.approval_id)))
            .where(Escalation.as_of.between(start, end), Escalation.level.in_(("yellow", "red", "l3")),
                   Escalation.subject_type != "obligation")  # the enterprise's deadlines, not the department's
            .group_by(Escalation.department_code, red_group))).all()}
    ratings = {row[0]: (row[1], row[2]) for row in (await session.execute(
        select(Evaluation.department_code, func.count(), func.count().filter(Evaluation.score >= 4))
        .where(Evaluation.rated_on.between(start, end), Evaluation.appeal_status.is_distinct_from("upheld"),
               Evaluation.target == "approval")
        .group_by(Evaluation.department_code))).all()}
    breaches: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(VIOLATION_KINDS, 0))
    for code, kind, count in (await session.execute(
            select(Violation.department_code, Violation.kind, func.count())
            .where(Violation.occurred_on.between(start, end)).group_by(Violation.department_code, Violation.kind))):
        breaches[code][kind] = count
    rows = []
    for code, name in departments:
        tally = tallies.by_department.get(code, _Tally())
        rated, satisfied = ratings.get(code, (0, 0))
        rows.append(DepartmentReport(
            department_code=code, department_name=name, completed=tally.completed, on_time=tally.on_time,
            on_time_rate=_rate(tally.on_time, tally.completed),
            speedup_rate=_rate(sum(tally.speedups), len(tally.speedups)),
            yellow=cards.get((code, "yellow"), 0), red=cards.get((code, "red"), 0), rated=rated, satisfied=satisfied,
            satisfaction_rate=_rate(satisfied, rated), evaluation_rate=_rate(rated, tally.completed),
            violations=breaches[code], speedup_measured=len(tally.speedups)))
    return rows, tallies


def league_table(rows: list[DepartmentReport]) -> list[DepartmentReport]:
    """Best on-time rate first; departments with nothing completed last; ties by volume, then code."""
    return sorted(rows, key=lambda r: (r.on_time_rate is None, -(r.on_time_rate or 0), -r.completed,
                                       r.department_code))


# ---- the dashboard -------------------------------------------------------------------------------


@dataclass(slots=True)
class DashboardData:
    start: date
    end: date
    green_channel: list[GreenChannelProject]
    counts: DashboardCounts
    departments: list[DepartmentReport]
    pending_green_channel: list[PendingGreenChannel]
    open_escalations: list[Escalation]
    # Rectifications of approvals whose return visit (回访) is still to be made.
    follow_ups: list[Rectification]


_OPEN_PROJECT = ("planning", "in_progress", "blocked")
_UNFINISHED = ("planned", "preparing", "submitted", "accepted", "supplement_requested", "suspended")
DASHBOARD_LIMIT = 100


async def _green_projects(session: AsyncSession, actor: Actor, today: date) -> list[GreenChannelProject]:
    rows = (await session.execute(
        select(Project, Enterprise.name).join(Enterprise, Enterprise.id == Project.enterprise_id)
        .where(Project.green_channel_status == "approved", Project.status.in_(_OPEN_PROJECT))
        .order_by(Project.id).limit(DASHBOARD_LIMIT))).all()
    # One batch for every project: a dossier whose forecast cannot be made (beyond the calendar, an
    # inconsistent clock) comes back empty and the row shows what is certain.
    details = await projects.details_of(session, actor, [p for p, _ in rows], today)
    approvals_by_project: dict[int, list[Approval]] = {}
    undetailed = [p.id for (p, _), d in zip(rows, details, strict=True) if d is None]
    if undetailed:
        for approval in (await session.execute(select(Approval).where(Approval.project_id.in_(undetailed))
                                               .order_by(Approval.id))).scalars():
            approvals_by_project.setdefault(approval.project_id, []).append(approval)
    out = []
    for (project, enterprise_name), detail in zip(rows, details, strict=True):
        approvals = detail.approvals if detail else approvals_by_project.get(project.id, [])
        first_open = next((a for a in approvals if a.required and a.status in _UNFINISHED), None)
        levels: list[str] = [c.level for c in (detail.clocks.values() if detail else [])]
        levels += [e.level for e in (detail.escalations if detail else [])]
        worst = max(levels, key=_LEVEL_ORDER.index, default="none")
        out.append(GreenChannelProject(
            id=project.id, code=project.code, name=project.name, enterprise=enterprise_name, status=project.status,
            stage=first_open.stage if first_open else None,
            forecast_completion=detail.forecast.completion_date if detail and detail.forecast else None,
            worst_level=worst))
    return out


def open_escalations(level: str | None = None) -> Select[tuple[Escalation]]:
    """The dashboard's list of open warnings and supervision (yellow, red, L3; of one level if given), most
    severe first. Its counters count this very query."""
    levels = (level,) if level else ("yellow", "red", "l3")
    return (select(Escalation).where(Escalation.status.in_(("open", "acknowledged")), Escalation.level.in_(levels))
            .order_by(case((Escalation.level == "l3", 0), (Escalation.level == "red", 1), else_=2),
                      Escalation.id.desc()))


async def overdue_by_department(session: AsyncSession, actor: Actor, today: date) -> dict[str, int]:
    """How many open approvals of each department are past their promised due date today (red or 督办 by their
    clocks), whatever became of the escalation cards: resolving a card closes the card, not the fact. Each figure
    is the total of the department's 红牌 / 督办 worklist view, counted in one pass for every department, every
    such approval counted however many there are."""
    actor.require(*DASHBOARD_ROLES)
    return await workviews.count_by_department(session, actor, workviews.RED, today=today)


async def dashboard(session: AsyncSession, actor: Actor) -> DashboardData:
    actor.require(*DASHBOARD_ROLES)
    today = today_local()
    start, end, report = await department_report(session, actor)
    # The 在办项目 counter is the total of the project list it links to (status=open).
    _, open_projects = await projects.search(session, actor, status="open", green_channel=None, enterprise_id=None,
                                             q=None, mine=False, page=1, page_size=1)
    # The three level counters in one pass over the very query their lists page through.
    cards = open_escalations().order_by(None).subquery()
    open_cards: dict[str, int] = {str(level): int(count) for level, count in (await session.execute(
        select(cards.c.level, func.count()).group_by(cards.c.level))).all()}
    pending = (await session.execute(
        select(Project, Enterprise.name).join(Enterprise, Enterprise.id == Project.enterprise_id)
        .where(Project.green_channel_status == "requested").order_by(Project.id).limit(DASHBOARD_LIMIT))).all()
    escalations = list((await session.execute(open_escalations().limit(DASHBOARD_LIMIT))).scalars())
    follow_ups = list((await session.execute(
        select(Rectification).where(Rectification.approval_id.is_not(None), Rectification.visited_at.is_(None))
        .order_by(Rectification.id).limit(DASHBOARD_LIMIT))).scalars())
    return DashboardData(
        start=start, end=end, green_channel=await _green_projects(session, actor, today),
        counts=DashboardCounts(open=open_projects, yellow=open_cards.get("yellow", 0), red=open_cards.get("red", 0),
                               l3=open_cards.get("l3", 0)),
        departments=league_table(report),
        pending_green_channel=[PendingGreenChannel(id=p.id, code=p.code, name=p.name, enterprise=name,
                                                   reason=p.green_channel_reason) for p, name in pending],
        open_escalations=escalations, follow_ups=follow_ups)

"""The problems the sweep watches (subject ``problem`` in the one ledger of firings), one set-based statement in
the ledger's column order (agency/supervision/sweep.py COLUMNS), and who hears of the new firings.

Levels, as for a clock measured from the day the problem was logged to its due date: a prompt on the last
working day before the due date and on it; yellow when 80% of those working days are used; red once the due
date has passed; 督办 (l3) after 3 working days overdue. A problem answered as solved fires nothing more; the
occasion is the due date, so a meeting that sets a new one starts its firings afresh.

Stages past their limits (subject ``stage``) are computed in Python as the project page computes them, for the
projects with a stage that may still fire something new (``stage_firings``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agency.accounts.models import User
from agency.approvals.models import Approval, ClockEventRow
from agency.approvals.rules import CLOSED_STATES
from agency.calendar.models import WorkdayOrdinal
from agency.calendar.service import get_calendar
from agency.calendar.workdays import CalendarRangeError, WorkCalendar
from agency.catalog.format_model import STAGE_NAMES
from agency.catalog.models import Route
from agency.coordination import government, stages
from agency.coordination.models import Problem
from agency.escalation.models import LEVEL_WORDS, LIVE, Escalation, level_words
from agency.notifications import service as outbox
from agency.projects.models import Project

RULE = "problem_overdue"
PROMPT_WORKDAYS = 1
YELLOW_RATIO = (4, 5)  # used ≥ 4/5 of the working days from logging to the due date
L3_AFTER_WORKDAYS = 3  # as the clocks (agency/approvals/clock.py Thresholds)
WORKED = ("open", "responded")


def _provisional(day: Any) -> Any:
    return func.coalesce(select(WorkdayOrdinal.provisional).where(WorkdayOrdinal.day == day).scalar_subquery(),
                         False)


def firings(as_of: date, now: datetime) -> Select[Any]:
    today = select(WorkdayOrdinal.ordinal).where(WorkdayOrdinal.day == literal(as_of, Date)).scalar_subquery()
    due = aliased(WorkdayOrdinal, name="problem_due")
    opened = aliased(WorkdayOrdinal, name="problem_opened")
    overdue = cast(today - due.ordinal, Integer)
    past = Problem.due_on < literal(as_of, Date)
    numerator, denominator = YELLOW_RATIO

    def fire(level: str, where: Any) -> Select[Any]:
        return (select(literal("problem"), Problem.id, cast(Problem.due_on, String), literal(None, Integer),
                       Problem.project_id, Problem.department_code, literal(RULE), literal(level), Problem.due_on,
                       overdue if level in ("red", "l3") else literal(0), literal(as_of, Date), literal(now),
                       literal("open"), literal(False),
                       or_(_provisional(literal(as_of, Date)), due.provisional))
                .join(due, due.day == Problem.due_on)
                .join(opened, opened.day == Problem.opened_on)
                .where(Problem.status.in_(WORKED), where))

    return union_all(  # type: ignore[return-value]
        fire("prompt", and_(~past, due.ordinal - today <= PROMPT_WORKDAYS)),
        fire("yellow", and_(due.ordinal > opened.ordinal,
                            (today - opened.ordinal) * denominator >= (due.ordinal - opened.ordinal) * numerator)),
        fire("red", past),
        fire("l3", and_(past, today - due.ordinal >= L3_AFTER_WORKDAYS)),
    )


async def notify_new(session: AsyncSession) -> int:
    """In-app messages for the problem and stage firings not yet notified — a problem's: the responsible department
    and the project's clerk, the leaders from red on. Marked notified here, before the approvals' notifier sees
    them."""
    rows = (await session.execute(
        select(Escalation, Problem, Project).join(Problem, Problem.id == Escalation.subject_id)
        .join(Project, Project.id == Escalation.project_id)
        .where(Escalation.subject_type == "problem", Escalation.notified.is_(False)))).all()
    stages_told = await _notify_stages(session)
    messages: list[outbox.Message] = []
    for escalation, problem, project in rows:
        audience = or_(User.department_code == problem.department_code, User.id == project.clerk_id)
        if escalation.level in ("red", "l3"):
            audience = or_(audience, User.role == "leader")
        words = LEVEL_WORDS[escalation.level]
        messages.append(outbox.Message(
            f"escalation:{escalation.id}", f"{words}：{project.name}·{problem.title}",
            f"项目“{project.name}”（{project.code}）的协调问题“{problem.title}”，解决期限{problem.due_on.isoformat()}，"
            f"{words}。请及时处理。", "escalation", escalation.id, project.id, users=audience))
        escalation.notified = True
        escalation.targets = ["department", "clerk", *(["leaders"] if escalation.level in ("red", "l3") else [])]
    await outbox.write(session, messages)
    await session.flush()
    return len(messages) + stages_told


async def _notify_stages(session: AsyncSession) -> int:
    """A stage past its limit: its lead department's active officers and the leaders (the departments' time,
    not the clerk's to chase; his mandate may be paused), one statement for every new stage firing; marked
    notified."""
    new = and_(Escalation.subject_type == "stage", Escalation.notified.is_(False))
    words = level_words()
    stage = case(*((Escalation.occasion == k, literal(v)) for k, v in STAGE_NAMES.items()), else_=Escalation.occasion)
    await outbox.write_selected(session, select(
        (literal("escalation:") + cast(Escalation.id, String)).label("key"), User.id.label("user_id"),
        User.display_name.label("user_name"),
        (words + literal("：") + Project.name + literal("·") + stage + literal("阶段超时")).label("subject"),
        (literal("项目“") + Project.name + literal("”（") + Project.code + literal("）的") + stage
         + literal("阶段已超过阶段时限") + cast(Escalation.overdue_workdays, String)
         + literal("个工作日，请牵头部门协调推进。")).label("body"),
        literal("escalation").label("object_type"), cast(Escalation.id, String).label("object_id"),
        Project.id.label("project_id"))
        .select_from(Escalation).join(Project, Project.id == Escalation.project_id)
        .join(User, and_(User.is_active.is_(True),
                         or_(User.department_code == Escalation.department_code, User.role == "leader")))
        .where(new))
    result = await session.execute(update(Escalation).where(new).values(
        notified=True, targets=literal(["lead_department", "leaders"], Escalation.targets.type)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


STAGE_RULE = "stage_overdue"


# Projects read at a time (their approvals and events in memory).
STAGE_BATCH = 1000


async def stage_firings(session: AsyncSession, as_of: date, now: datetime) -> list[tuple[Any, ...]]:
    """A stage past its limit (subject ``stage``: the project, one occasion per stage), to its lead department:
    red, and 督办 (l3) as well three working days past it. Computed as the project page shows it
    (agency/coordination/stages.py), in a fixed number of queries, for the running projects with a stage that
    may still fire something new (``_projects_that_may_fire``): on most days few of them."""
    routes = {r.id: r for r in (await session.execute(select(Route))).scalars()}
    calendar = await get_calendar(session)
    ids = await _projects_that_may_fire(session, routes, calendar, as_of)
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), STAGE_BATCH):
        found += await _stage_rows(session, ids[start:start + STAGE_BATCH], routes, calendar, as_of, now)
    return found


def _firing_levels(level: str) -> tuple[str, ...]:
    """The firings of a stage at ``level`` (stages.level_of): red past its limit, red and l3 three days past."""
    return {"red": ("red",), "l3": ("red", "l3")}.get(level, ())


async def _projects_that_may_fire(session: AsyncSession, routes: dict[int, Route], calendar: WorkCalendar,
                                  as_of: date) -> list[int]:
    """The running projects with a stage that may fire a level it has no live firing of yet.

    A stage's used working days are counted on days some item of it is with its department: from the day after
    the item's span starts to the day it ends, up to today, less pauses (government.government_workdays). They
    are therefore at most the working days from the stage's start to the end of its last span, ``(start,
    end]``. A level only rises with the days used, so a stage fires nothing new when the firings of the level
    those days would give are all live already (none when they would not pass its limit): it is not computed,
    nor a project with no other stage left. The rest go through ``_stage_rows``, the one computation of a
    stage's level."""
    limits: dict[int, dict[str, int]] = {}
    for route in routes.values():
        declared = {str(s["code"]): s for s in stages.declared_stages(route)}
        limits[route.id] = {code: int(str(s["limit_workdays"])) for code, s in declared.items()
                            if s.get("limit_workdays") is not None}
    may_fire: set[int] = set()
    for project_id, route_id, code, started_on, ended_on, red_live, l3_live in (
            await session.execute(_stages_under_way(as_of))).tuples():
        limit = limits.get(route_id, {}).get(code)
        if limit is None or project_id in may_fire:
            continue
        until = min(ended_on, as_of)
        try:
            at_most = calendar.workdays_between(started_on, until) if started_on < until else 0
        except CalendarRangeError:  # a day the calendar does not cover: computed, to fail as the page does
            may_fire.add(project_id)
            continue
        live = {level for level, fired in (("red", red_live), ("l3", l3_live)) if fired}
        if set(_firing_levels(stages.level_of(at_most, limit, True))) - live:
            may_fire.add(project_id)
    return sorted(may_fire)


def _stages_under_way(as_of: date) -> Select[tuple[int, int, str, date, date, bool, bool]]:
    """Every stage under way, as plain rows: project, route, stage, the day it started, the day its last span
    ends (``as_of`` while one runs), whether it has a live red and a live l3 firing.

    Its spans are its items' not planned, as ``stages.progress`` and ``government.spans_of`` take them: one
    starts on the item's submission or its clock's first start, whichever came first (an item with neither has
    none), and ends on the clock's last stop, else on the decision, else today. The stage is under way while
    one of its items (the required ones, an optional one once not planned) is not closed: that item is open
    (OPEN_STATES and CLOSED_STATES divide the statuses), so its project is one the sweep computes."""
    clock = (select(ClockEventRow.approval_id,
                    func.min(case((ClockEventRow.kind == "started", ClockEventRow.on))).label("started_on"),
                    func.max(case((ClockEventRow.kind == "stopped", ClockEventRow.on))).label("stopped_on"))
             .where(ClockEventRow.kind.in_(("started", "stopped"))).group_by(ClockEventRow.approval_id)
             .subquery("stage_item_clock"))
    sent = Approval.status != "planned"
    span_start = case((clock.c.started_on < Approval.submitted_on, clock.c.started_on),
                      else_=func.coalesce(Approval.submitted_on, clock.c.started_on))
    span_end = func.coalesce(clock.c.stopped_on, Approval.decided_on, literal(as_of, Date))
    started_on = func.min(case((sent, span_start)))
    unfinished = and_(or_(Approval.required.is_(True), sent), Approval.status.not_in(CLOSED_STATES))
    under_way = (select(Approval.project_id, Approval.stage, started_on.label("started_on"),
                        func.max(case((and_(sent, span_start.is_not(None)), span_end))).label("ended_on"))
                 .outerjoin(clock, clock.c.approval_id == Approval.id)
                 .group_by(Approval.project_id, Approval.stage)
                 .having(started_on.is_not(None), func.max(case((unfinished, 1), else_=0)) == 1)
                 .subquery("stage_under_way"))

    def fired(level: str) -> Any:
        return func.max(case((Escalation.level == level, 1), else_=0))

    live = (select(Escalation.subject_id, Escalation.occasion, fired("red").label("red"), fired("l3").label("l3"))
            .where(Escalation.subject_type == "stage", Escalation.rule == STAGE_RULE,
                   Escalation.level.in_(("red", "l3")), LIVE)
            .group_by(Escalation.subject_id, Escalation.occasion).subquery("stage_fired"))
    return (select(under_way.c.project_id, Project.route_id, under_way.c.stage,
                   type_coerce(under_way.c.started_on, Date), type_coerce(under_way.c.ended_on, Date),
                   func.coalesce(live.c.red, 0) == 1, func.coalesce(live.c.l3, 0) == 1)
            .join(Project, Project.id == under_way.c.project_id)
            .outerjoin(live, and_(live.c.subject_id == under_way.c.project_id, live.c.occasion == under_way.c.stage)))


async def _stage_rows(session: AsyncSession, ids: list[int], routes: dict[int, Route], calendar: WorkCalendar,
                      as_of: date, now: datetime) -> list[tuple[Any, ...]]:
    """The firing rows of one batch of projects (the ledger's columns: agency.escalation.models.literal_firings)."""
    projects = (await session.execute(select(Project).where(Project.id.in_(ids)))).scalars().all()
    approvals, events = await government.timing_of(session, ids)
    pauses = await government.mandate_pauses_of(session, ids)
    found: list[tuple[Any, ...]] = []
    for project in projects:
        declared = stages.declared_stages(routes.get(project.route_id))
        if not declared:
            continue
        for stage in stages.progress(declared, approvals[project.id], events, pauses[project.id], calendar, as_of):
            if stage.lead_department_code is None or stage.limit_workdays is None:
                continue
            for level in _firing_levels(stage.level):
                found.append(("stage", project.id, stage.code, None, project.id, stage.lead_department_code,
                              STAGE_RULE, level, None, stage.used_workdays - stage.limit_workdays, as_of, now, "open",
                              False, False))
    return found

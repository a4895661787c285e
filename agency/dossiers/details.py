"""Reading dossiers: plan, clocks, forecast and open escalations, for one or many at a fixed query count."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agency.access import Actor, Role, not_visible, visible
from agency.accounts.models import User
from agency.approvals.clock import NOT_STARTED, ClockEvent, ClockState
from agency.approvals.clocks import events_of, read_clock, route_definitions
from agency.approvals.models import Approval, ApprovalPrerequisite
from agency.calendar.service import RANGE_END, RANGE_START, get_calendar
from agency.calendar.workdays import CalendarRangeError, WorkCalendar
from agency.dossiers.forecast import Forecast
from agency.dossiers.planning import approval_key, milestone_key, plan_forecast
from agency.enterprises.models import Enterprise
from agency.errors import Conflict, Invalid
from agency.escalation.models import Escalation
from agency.escalation.service import open_for
from agency.projects.models import Project, ProjectMilestone


@dataclass(slots=True)
class ProjectDetail:
    project: Project
    enterprise: Enterprise
    clerk: User
    decided_by: User | None
    approvals: list[Approval]
    prerequisites: dict[int, list[int]]
    milestones: list[ProjectMilestone]
    clocks: dict[int, ClockState]
    forecast: Forecast | None
    # Forecast keys → item or milestone codes, for every approval (a department sees only its own).
    codes: dict[str, str]
    escalations: list[Escalation]


# Made once: an alias built per request costs SQLAlchemy a column adaptation on every use (≈ 1 ms).
_decider = aliased(User, name="green_channel_decider")


async def detail(session: AsyncSession, actor: Actor, project_id: int, today: date) -> ProjectDetail:
    """The dossier with its plan, clocks, forecast and open escalations; 404 if the actor may not see it."""
    row = (await session.execute(
        visible(Project, actor).add_columns(Enterprise, User, _decider)
        .join(Enterprise, Enterprise.id == Project.enterprise_id).join(User, User.id == Project.clerk_id)
        .outerjoin(_decider, _decider.id == Project.green_channel_decided_by)
        .where(Project.id == project_id))).one_or_none()
    if row is None:
        raise not_visible("项目")
    return _present((await _details(session, actor, [(row[0], row[1], row[2], row[3])], today, strict=True))[0])


async def detail_of(session: AsyncSession, actor: Actor, project: Project, today: date) -> ProjectDetail:
    return _present((await details_of(session, actor, [project], today, strict=True))[0])


def _present(found: ProjectDetail | None) -> ProjectDetail:
    assert found is not None, "strict details raise instead of leaving a gap"
    return found


async def details_of(session: AsyncSession, actor: Actor, projects: Sequence[Project], today: date, *,
                     strict: bool = False) -> list[ProjectDetail | None]:
    """Details of several dossiers with a fixed number of queries, whatever their number.

    With ``strict`` a dossier whose forecast cannot be made raises; otherwise its entry is None."""
    people = {u.id: u for u in (await session.execute(select(User).where(User.id.in_(
        {p.clerk_id for p in projects} | {p.green_channel_decided_by for p in projects
                                          if p.green_channel_decided_by})))).scalars()}
    enterprises = {e.id: e for e in (await session.execute(select(Enterprise).where(
        Enterprise.id.in_({p.enterprise_id for p in projects})))).scalars()}
    heads = [(p, enterprises[p.enterprise_id], people[p.clerk_id],
              people.get(p.green_channel_decided_by) if p.green_channel_decided_by else None) for p in projects]
    return await _details(session, actor, heads, today, strict=strict)


async def _details(session: AsyncSession, actor: Actor, heads: Sequence[tuple[Project, Enterprise, User, User | None]],
                   today: date, *, strict: bool) -> list[ProjectDetail | None]:
    ids = [h[0].id for h in heads]
    approvals: dict[int, list[Approval]] = defaultdict(list)
    for approval in (await session.execute(
            select(Approval).where(Approval.project_id.in_(ids)).order_by(Approval.id))).scalars():
        approvals[approval.project_id].append(approval)
    approval_ids = [a.id for project_approvals in approvals.values() for a in project_approvals]
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for link in (await session.execute(select(ApprovalPrerequisite).where(
            ApprovalPrerequisite.approval_id.in_(approval_ids)))).scalars():
        prerequisites[link.approval_id].append(link.prerequisite_id)
    milestones: dict[int, list[ProjectMilestone]] = defaultdict(list)
    for milestone in (await session.execute(select(ProjectMilestone).where(
            ProjectMilestone.project_id.in_(ids)).order_by(ProjectMilestone.id))).scalars():
        milestones[milestone.project_id].append(milestone)
    calendar = await get_calendar(session)
    events = await events_of(session, approval_ids)
    routes = await route_definitions(session, {h[0].route_id for h in heads})
    escalations: dict[int, list[Escalation]] = defaultdict(list)
    for escalation in await open_for(session, approval_ids):
        if escalation.approval_id is not None:
            escalations[escalation.approval_id].append(escalation)
    out: list[ProjectDetail | None] = []
    for project, enterprise, clerk, decided_by in heads:
        mine = approvals[project.id]
        try:
            out.append(_detail(actor, project, enterprise, clerk, decided_by, mine, prerequisites,
                               milestones[project.id], events, escalations, calendar, today,
                               routes.get(project.route_id)))
        except (Invalid, Conflict):
            if strict:
                raise
            out.append(None)
    return out


def _detail(actor: Actor, project: Project, enterprise: Enterprise, clerk: User, decided_by: User | None,
            approvals: list[Approval], all_prerequisites: dict[int, list[int]], milestones: list[ProjectMilestone],
            events: dict[int, list[ClockEvent]], all_escalations: dict[int, list[Escalation]],
            calendar: WorkCalendar, today: date, route_definition: Mapping[str, Any] | None) -> ProjectDetail:
    # Through the one reader, with the dossier's own thresholds (the route's; the green channel's).
    clocks = {a.id: read_clock(a, project, route_definition, events[a.id], calendar, today) if events.get(a.id)
              else NOT_STARTED for a in approvals}
    prerequisites = {a.id: all_prerequisites[a.id] for a in approvals if a.id in all_prerequisites}
    try:
        result = plan_forecast(approvals, prerequisites, milestones, clocks, today, calendar) if approvals else None
    except CalendarRangeError:
        raise Invalid(f"预测日期超出工作日历的范围（{RANGE_START.year}–{RANGE_END.year}）（date out of the calendar）",
                      field="as_of") from None
    codes = {approval_key(a): a.item_code for a in approvals} | {milestone_key(m): m.code for m in milestones}
    if actor.role is Role.DEPARTMENT:
        approvals = [a for a in approvals if a.department_code == actor.department_code]
    escalations = [e for a in approvals for e in all_escalations.get(a.id, [])]
    escalations.sort(key=lambda e: e.id)
    return ProjectDetail(project, enterprise, clerk, decided_by, approvals, prerequisites, milestones,
                         clocks, result, codes, escalations)

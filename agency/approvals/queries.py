"""Reading approvals: one approval with its clock and materials, and the scoped worklist."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from agency.access import Actor, Visibility, get_visible, visible
from agency.accounts.models import User
from agency.approvals import open_clocks
from agency.approvals.clock import ClockEvent, ClockState
from agency.approvals.clocks import clock_of, events_of, thresholds_of
from agency.approvals.models import OpenClock
from agency.approvals.rules import OPEN_STATES, RULES, allowed_from
from agency.approvals.urgency import LEVEL_ORDER as LEVEL_ORDER
from agency.approvals.urgency import clocked_page, day_keys
from agency.calendar.service import get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import Department, Route
from agency.enterprises.models import Enterprise
from agency.escalation.models import Escalation
from agency.escalation.sweep import open_for
from agency.files.models import StoredFile
from agency.projects.models import Approval, ApprovalPrerequisite, Project

_BATCH = 5000  # ids per IN list: PostgreSQL takes at most 32,767 bound parameters



@dataclass(slots=True)
class ApprovalView:
    approval: Approval
    project: Project
    enterprise: Enterprise
    department: Department
    handler: User | None
    prerequisites: list[int]
    clock: ClockState
    files: dict[str, list[StoredFile]]
    escalations: list[Escalation]


async def approval_view(session: AsyncSession, actor: Actor, approval_id: int, today: date) -> ApprovalView:
    approval = await get_visible(session, Approval, approval_id, actor, what="审批事项")
    project = await session.get_one(Project, approval.project_id)
    route = await session.get(Route, project.route_id)
    green = project.green_channel_status == "approved"
    events = (await events_of(session, [approval.id]))[approval.id]
    clock = clock_of(approval, events, await get_calendar(session), today, green_channel=green,
                     thresholds=thresholds_of(route.definition if route else None, green))
    prerequisites = list((await session.execute(select(ApprovalPrerequisite.prerequisite_id).where(
        ApprovalPrerequisite.approval_id == approval.id))).scalars())
    files: dict[str, list[StoredFile]] = defaultdict(list)
    for stored in (await session.execute(select(StoredFile).where(StoredFile.approval_id == approval.id)
                                         .order_by(StoredFile.material_code, StoredFile.version))).scalars():
        files[stored.material_code or ""].append(stored)
    return ApprovalView(
        approval=approval, project=project, enterprise=await session.get_one(Enterprise, project.enterprise_id),
        department=await session.get_one(Department, approval.department_code),
        handler=await session.get(User, approval.handler_id) if approval.handler_id else None,
        prerequisites=prerequisites, clock=clock, files=files,
        escalations=list((await session.execute(open_for([approval.id]))).scalars()))


def allowed_actions(view: ApprovalView, actor: Actor) -> list[str]:
    offline = view.department.mode == "offline"
    result = []
    for action in allowed_from(view.approval.status):
        side = RULES[action].side
        if (side == "clerk" and actor.role.value in ("clerk", "admin")) or (side == "department" and (
            (actor.role.value == "department" and actor.department_code == view.approval.department_code)
            or (actor.role.value == "clerk" and offline) or actor.role.value == "admin")):
            result.append(action)
    return result


@dataclass(slots=True)
class WorkRow:
    approval: Approval
    project: Project
    enterprise_name: str
    clock: ClockState


def _filters(status_column: Any, department_column: Any, project_column: Any, *, department_code: str | None,
             status: str | None, project_id: int | None) -> list[ColumnElement[bool]]:
    # A worklist is about open items unless a status is asked for.
    conditions = [status_column == status if status else status_column.in_(OPEN_STATES)]
    if department_code:
        conditions.append(department_column == department_code)
    if project_id is not None:
        conditions.append(project_column == project_id)
    return conditions


def worklist_scope(actor: Actor, *, department_code: str | None = None, status: str | None = None,
                   project_id: int | None = None) -> Select[Any]:
    """The open approvals (or those of ``status``) the actor may see, with their project and enterprise name."""
    return (visible(Approval, actor).add_columns(Project, Enterprise.name)
            .join(Project, Project.id == Approval.project_id).join(Enterprise, Enterprise.id == Project.enterprise_id)
            .where(*_filters(Approval.status, Approval.department_code, Approval.project_id,
                             department_code=department_code, status=status, project_id=project_id)))


def worklist_count(actor: Actor, *, department_code: str | None = None, status: str | None = None,
                   project_id: int | None = None) -> Select[tuple[int]]:
    """How many approvals ``worklist_scope`` holds — counted on the approvals alone, an index's work."""
    return select(func.count()).select_from(Approval).where(
        Visibility.condition(Approval, actor), *_filters(Approval.status, Approval.department_code,
                                                         Approval.project_id, department_code=department_code,
                                                         status=status, project_id=project_id))


def open_clocks_in_scope(actor: Actor, *, department_code: str | None = None, status: str | None = None,
                         project_id: int | None = None) -> ColumnElement[bool]:
    """Which open clocks belong to the approvals of ``worklist_scope``."""
    return and_(Visibility.condition(OpenClock, actor),
                *_filters(OpenClock.status, OpenClock.department_code, OpenClock.project_id,
                          department_code=department_code, status=status, project_id=project_id))


async def _routes(session: AsyncSession) -> dict[int, Any]:
    return {route_id: definition for route_id, definition in
            (await session.execute(select(Route.id, Route.definition))).all()}


def _loader(session: AsyncSession, query: Select[Any], calendar: WorkCalendar, routes: dict[int, Any],
            today: date) -> tuple[Callable[[Approval, Project, str, list[ClockEvent]], WorkRow],
                                  Callable[[Sequence[int]], Awaitable[dict[int, WorkRow]]]]:
    """How to make a row with its clock, and how to load the rows of some approval ids."""

    def row_of(approval: Approval, project: Project, enterprise_name: str, events: list[ClockEvent]) -> WorkRow:
        green = project.green_channel_status == "approved"
        return WorkRow(approval, project, enterprise_name,
                       clock_of(approval, events, calendar, today, green_channel=green,
                                thresholds=thresholds_of(routes.get(project.route_id), green)))

    async def load(ids: Sequence[int]) -> dict[int, WorkRow]:
        rows: dict[int, WorkRow] = {}
        for first in range(0, len(ids), _BATCH):
            batch = list(ids[first:first + _BATCH])
            found = (await session.execute(query.where(Approval.id.in_(batch)))).all()
            events = await events_of(session, batch)
            rows.update({a.id: row_of(a, p, name, events.get(a.id, [])) for a, p, name in found})
        return rows

    return row_of, load


@dataclass(slots=True)
class WorkCounts:
    levels: dict[str, int]  # open approvals the actor may see, per clock level (none: no level)
    statuses: dict[str, int]  # open approvals the actor may see, per status


async def work_counts(session: AsyncSession, actor: Actor, *, today: date) -> WorkCounts:
    """The workbench's counts in two statements, whatever the size of the book."""
    await open_clocks.settle(session)
    routes = await _routes(session)
    k = (await day_keys(session, today, open_clocks_in_scope(actor), routes))[0].subquery("keys")
    levels = dict.fromkeys(LEVEL_ORDER, 0)
    names = {rank: level for level, rank in LEVEL_ORDER.items()}
    inexact = 0
    for rank, exact, count in (await session.execute(
            select(k.c.rank, k.c.exact, func.count()).group_by(k.c.rank, k.c.exact))).all():
        if exact:
            levels[names[rank]] += count
        else:
            inexact += count
    if inexact:  # the rare shapes SQL cannot key exactly: their clocks from the pure function
        _, load = _loader(session, worklist_scope(actor), await get_calendar(session), routes, today)
        for row in (await load(list((await session.execute(
                select(k.c.approval_id).where(~k.c.exact))).scalars()))).values():
            levels[row.clock.level] += 1
    statuses = dict((await session.execute(worklist_count(actor).with_only_columns(
        Approval.status, func.count(), maintain_column_froms=True).group_by(Approval.status))).tuples().all())
    # Approvals without an open clock (planned, in preparation, submitted) have no level either.
    levels["none"] = sum(statuses.values()) - sum(n for level, n in levels.items() if level != "none")
    return WorkCounts(levels=levels, statuses=statuses)


async def worklist(session: AsyncSession, actor: Actor, *, department_code: str | None, status: str | None,
                   level: str | None, project_id: int | None, today: date, page: int,
                   page_size: int) -> tuple[list[WorkRow], int]:
    """Approvals the actor may see, most urgent first (by level, then remaining working days)."""
    await open_clocks.settle(session)
    query = worklist_scope(actor, department_code=department_code, status=status, project_id=project_id)
    routes = await _routes(session)
    row_of, load = _loader(session, query, await get_calendar(session), routes, today)

    # Approvals with an open clock are ordered by their clocks' urgency, keyed and paged in SQL (urgency.py).
    start, end = (page - 1) * page_size, page * page_size
    where = open_clocks_in_scope(actor, department_code=department_code, status=status, project_id=project_id)
    count = worklist_count(actor, department_code=department_code, status=status, project_id=project_id)
    clocked = await clocked_page(session, where, today=today, level=level, start=start, end=end, routes=routes,
                                 load=load, count_in_scope=count if level in (None, "none") else None,
                                 counts_key=(actor.role, actor.department_code, actor.enterprise_id, department_code,
                                             status, project_id, level, today))
    result = clocked.rows
    if clocked.clockless is None:
        return result, clocked.total
    # The rest (planned, in preparation, submitted, finished: most of a large book) have no open clock, come
    # after every one that has, by id, and are paged in SQL as well.
    if len(result) < page_size and clocked.clockless:
        has_open_clock = exists(select(OpenClock.approval_id).where(OpenClock.approval_id == Approval.id))
        rest = (await session.execute(query.where(~has_open_clock).order_by(Approval.id)
                                      .offset(max(0, start - clocked.total)).limit(page_size - len(result)))).all()
        events = await events_of(session, [approval.id for approval, _, _ in rest])
        result += [row_of(approval, project, name, events.get(approval.id, [])) for approval, project, name in rest]
    return result, clocked.total + clocked.clockless

"""Reading approvals: one approval with its clock and materials, and the scoped worklist."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, case, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from agency.access import Actor, Visibility, not_visible, visible
from agency.accounts.models import User
from agency.approvals import decisions, intake, materials, notice_list
from agency.approvals.clock import ClockEvent, ClockState
from agency.approvals.clocks import events_of, read_clock
from agency.approvals.materials import MaterialView
from agency.approvals.models import Approval, ApprovalClock, ApprovalPrerequisite, ClockEventRow
from agency.approvals.rules import OPEN_STATES, RULES, allowed_from
from agency.approvals.urgency import LEVEL_ORDER as LEVEL_ORDER
from agency.approvals.urgency import clocked_page, day_keys
from agency.calendar.service import get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import CatalogItem, Department, Route
from agency.enterprises.models import Enterprise
from agency.escalation.models import Escalation
from agency.escalation.service import open_for
from agency.fees.models import FeeLine
from agency.files.models import StoredFile
from agency.projects.handover import held_by
from agency.projects.models import Project
from agency.sites import service as sites

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
    materials: list[MaterialView]
    escalations: list[Escalation]
    # The last day the department may still decide on intake (第三十二条), while it is awaited.
    intake_answer_by: date | None = None
    decision_files: list[StoredFile] = field(default_factory=list)
    # The papers the flow issued to the enterprise about it (受理通知书 …): template, document_id, number, status.
    notices: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Head:
    approval: Approval
    project: Project
    department: Department
    enterprise: Enterprise
    handler: User | None
    route_definition: Any
    prerequisites: list[int]
    events: list[ClockEvent]  # its clock events, in the order they were recorded
    acting: User | None = None  # the actor as a user, when asked for (he may become the handler)
    decision: DecisionFacts | None = None  # what a decision needs to know, when asked for


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    """Read with the head for a decision: the obligations the item's rules attach to it, and whether any fee
    line is still only assessed (then its lines are read to tell which block the decision)."""

    obligation_rules: list[dict[str, Any]]
    fees_assessed: bool


# Made once: an alias built per call costs SQLAlchemy a column adaptation on every use.
_acting = aliased(User, name="acting")
_HEAD_ID: BindParameter[int] = bindparam("head_approval_id")


async def head(session: AsyncSession, actor: Actor, approval_id: int, *, with_actor: bool = False,
               for_decision: bool = False) -> Head:
    """The approval (if the actor may see it) with its dossier, department, enterprise, handler and route, in
    one statement; ``for_decision``: with the facts a decision needs (``DecisionFacts``), in the same one."""
    # The key: the actor without what varies per request and no visibility rule reads (address, token).
    query = _head_statement(replace(actor, client_addr=None, token_id=None, must_change_password=False),
                            with_actor, for_decision)
    row = (await session.execute(query, {"head_approval_id": approval_id})).one_or_none()
    if row is None:
        raise not_visible("审批事项")
    ids = sorted(int(i) for i in (row[6] or "").split(",") if i)
    facts = DecisionFacts(list(row[-2] or []), bool(row[-1])) if for_decision else None
    return Head(row[0], row[1], row[2], row[3], row[4], row[5], ids, _events_from_string(row[7]),
                row[8] if with_actor else None, facts)


@lru_cache(maxsize=512)
def _head_statement(actor: Actor, with_actor: bool, for_decision: bool) -> Select[Any]:
    """The head's statement for one user, the approval's id bound at execution. Built once per user and
    shape: building it, and SQLAlchemy's cache key of it (kept on the object), were a fifth of an action's
    CPU. Visibility rules are pure functions of the actor's fields, so the statement stays right for him."""
    # The prerequisites' ids as one string ("3,7"): the same statement, on either database.
    prerequisites = (select(func.aggregate_strings(cast(ApprovalPrerequisite.prerequisite_id, String), ","))
                     .where(ApprovalPrerequisite.approval_id == Approval.id).scalar_subquery())
    query = (visible(Approval, actor).add_columns(Project, Department, Enterprise, User, Route.definition,
                                                  prerequisites, _events_in_one_string())
             .join(Project, Project.id == Approval.project_id)
             .join(Department, Department.code == Approval.department_code)
             .join(Enterprise, Enterprise.id == Project.enterprise_id).join(Route, Route.id == Project.route_id)
             .outerjoin(User, User.id == Approval.handler_id).where(Approval.id == _HEAD_ID))
    if with_actor:
        query = query.add_columns(_acting).outerjoin(_acting, _acting.id == actor.user_id)
    if for_decision:
        assessed = exists().where(FeeLine.approval_id == Approval.id, FeeLine.status == "assessed")
        query = query.add_columns(CatalogItem.definition["obligations"], assessed).outerjoin(
            CatalogItem, CatalogItem.id == Approval.catalog_item_id)
    return query


def _events_in_one_string() -> ScalarSelect[str]:
    """The approval's clock events as one string ("12:started:2026-12-01:0,13:paused:…"), so the head's one
    statement carries them on either database (dates as ISO text: the engine sets DateStyle ISO)."""
    e = ClockEventRow
    text = (cast(e.id, String) + ":" + e.kind + ":" + cast(e.on, String) + ":"
            + cast(func.coalesce(e.days, 0), String))
    return select(func.aggregate_strings(text, ",")).where(e.approval_id == Approval.id).scalar_subquery()


def _events_from_string(joined: str | None) -> list[ClockEvent]:
    """Back into events, in the order they were recorded (ids: the aggregate's own order is not guaranteed)."""
    parts = sorted((p.split(":") for p in (joined or "").split(",") if p), key=lambda p: int(p[0]))
    return [ClockEvent(kind, date.fromisoformat(on), int(days)) for _, kind, on, days in parts]  # type: ignore[arg-type]


async def approval_view(session: AsyncSession, actor: Actor, approval_id: int, today: date) -> ApprovalView:
    h = await head(session, actor, approval_id)
    clock = read_clock(h.approval, h.project, h.route_definition, h.events, await get_calendar(session), today)
    return await complete_view(session, h.approval, h.project, h.department, h.enterprise, h.handler,
                               h.prerequisites, clock)


async def complete_view(session: AsyncSession, approval: Approval, project: Project, department: Department,
                        enterprise: Enterprise, handler: User | None, prerequisites: list[int],
                        clock: ClockState, material_views: list[MaterialView] | None = None,
                        scans: list[StoredFile] | None = None) -> ApprovalView:
    """The view of an approval whose head and clock are known (an action has them): what else it shows
    (its materials and decision scans too, unless the action read them already)."""
    answer_by = (intake.answer_by(await get_calendar(session), approval.submitted_on)
                 if intake.applies(approval, department) and approval.submitted_on is not None else None)
    if material_views is None:
        material_views, scans = await materials.views_and_scans(session, approval, decisions.KIND)
    return ApprovalView(approval=approval, project=project, enterprise=enterprise, department=department,
                        handler=handler, prerequisites=prerequisites, clock=clock, materials=material_views,
                        escalations=await open_for(session, [approval.id]),
                        intake_answer_by=answer_by, decision_files=await decisions.files_of(session, approval, scans),
                        notices=await notice_list.notices_of(session, approval))


def allowed_actions(view: ApprovalView, actor: Actor) -> list[str]:
    offline = view.department.mode == "offline"
    result = []
    for action in allowed_from(view.approval.status, view.approval.pending_supplement):
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


Statuses = str | tuple[str, ...] | None
Levels = str | tuple[str, ...] | None
# 待补正 (``awaiting_supplement``): True keeps only those items, False leaves them out (待报送 is what is
# ready to go, not what waits for a supplement), None does not ask.
Supplement = bool | None


def awaiting_supplement(status_column: Any, notice_column: Any | None = None) -> ColumnElement[bool]:
    """待补正: a one-time notice not yet answered — after acceptance (``supplement_requested``, clock paused), or
    before it (status ``preparing`` with the notice). Every list and counter of 待补正 uses this condition.
    ``notice_column`` absent (the clock rows): only the first can have a clock."""
    after: ColumnElement[bool] = status_column == "supplement_requested"
    if notice_column is None:
        return after
    # A notice answered is written back as JSON null on one database and SQL NULL on the other: both mean none.
    before = and_(status_column == "preparing", notice_column.is_not(None),
                  func.coalesce(cast(notice_column, String), "null") != "null")
    return or_(after, before)


def _filters(status_column: Any, department_column: Any, project_column: Any, *, department_code: str | None,
             status: Statuses, project_id: int | None, supplement: Supplement = None,
             notice_column: Any | None = None, site_code: str | None = None) -> list[ColumnElement[bool]]:
    # A worklist is about open items unless a status (or a group of them) is asked for.
    if isinstance(status, tuple):
        conditions = [status_column.in_(status)]
    else:
        conditions = [status_column == status if status else status_column.in_(OPEN_STATES)]
    if supplement is not None:
        awaiting = awaiting_supplement(status_column, notice_column)
        conditions.append(awaiting if supplement else ~awaiting)
    if department_code:
        conditions.append(department_column == department_code)
    if project_id is not None:
        conditions.append(project_column == project_id)
    if site_code:  # the dossiers that site holds
        conditions.append(project_column.in_(held_by(site_code)))
    return conditions


def worklist_scope(actor: Actor, *, department_code: str | None = None, status: Statuses = None,
                   project_id: int | None = None, supplement: Supplement = None,
                   site_code: str | None = None) -> Select[Any]:
    """The open approvals (or those of ``status``; with ``supplement``, those 待补正) the actor may see, with their
    project and enterprise name."""
    return (visible(Approval, actor).add_columns(Project, Enterprise.name)
            .join(Project, Project.id == Approval.project_id).join(Enterprise, Enterprise.id == Project.enterprise_id)
            .where(*_filters(Approval.status, Approval.department_code, Approval.project_id,
                             department_code=department_code, status=status, project_id=project_id,
                             supplement=supplement, notice_column=Approval.pending_supplement,
                             site_code=site_code)))


def worklist_count(actor: Actor, *, department_code: str | None = None, status: Statuses = None,
                   project_id: int | None = None, supplement: Supplement = None,
                   site_code: str | None = None) -> Select[tuple[int]]:
    """How many approvals ``worklist_scope`` holds — counted on the approvals alone, an index's work."""
    return select(func.count()).select_from(Approval).where(
        Visibility.condition(Approval, actor), *_filters(Approval.status, Approval.department_code,
                                                         Approval.project_id, department_code=department_code,
                                                         status=status, project_id=project_id, supplement=supplement,
                                                         notice_column=Approval.pending_supplement,
                                                         site_code=site_code))


def clocks_in_scope(actor: Actor, *, department_code: str | None = None, status: Statuses = None,
                    project_id: int | None = None, supplement: Supplement = None,
                    site_code: str | None = None) -> ColumnElement[bool]:
    """Which clock rows belong to the approvals of ``worklist_scope``."""
    return and_(Visibility.condition(ApprovalClock, actor),
                *_filters(ApprovalClock.status, ApprovalClock.department_code, ApprovalClock.project_id,
                          department_code=department_code, status=status, project_id=project_id,
                          supplement=supplement, site_code=site_code))


async def _routes(session: AsyncSession) -> dict[int, Any]:
    return {route_id: definition for route_id, definition in
            (await session.execute(select(Route.id, Route.definition))).all()}


def _loader(session: AsyncSession, query: Select[Any], calendar: WorkCalendar, routes: dict[int, Any],
            today: date) -> tuple[Callable[[Approval, Project, str, list[ClockEvent]], WorkRow],
                                  Callable[[Sequence[int]], Awaitable[dict[int, WorkRow]]]]:
    """How to make a row with its clock, and how to load the rows of some approval ids."""

    def row_of(approval: Approval, project: Project, enterprise_name: str, events: list[ClockEvent]) -> WorkRow:
        return WorkRow(approval, project, enterprise_name,
                       read_clock(approval, project, routes.get(project.route_id), events, calendar, today))

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
    routes = await _routes(session)
    k = (await day_keys(session, today, clocks_in_scope(actor), routes))[0].subquery("keys")
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


async def worklist(session: AsyncSession, actor: Actor, *, department_code: str | None, status: Statuses,
                   level: Levels, project_id: int | None, today: date, page: int,
                   page_size: int, supplement: Supplement = None,
                   site_code: str | None = None) -> tuple[list[WorkRow], int]:
    """Approvals the actor may see, most urgent first (by level, then remaining working days). ``status`` and
    ``level`` may each name a group (a tuple); ``page_size`` 0 only counts (the total, as the list has it);
    ``supplement`` True: only those 待补正 (``awaiting_supplement``), False: all but those; ``site_code``: the items
    of the dossiers that site holds."""
    query = worklist_scope(actor, department_code=department_code, status=status, project_id=project_id,
                           supplement=supplement, site_code=site_code)
    routes = await _routes(session)
    row_of, load = _loader(session, query, await get_calendar(session), routes, today)

    # Approvals with an open clock are ordered by their clocks' urgency, keyed and paged in SQL (urgency.py).
    start, end = (page - 1) * page_size, page * page_size
    where = clocks_in_scope(actor, department_code=department_code, status=status, project_id=project_id,
                            supplement=supplement, site_code=site_code)
    count = worklist_count(actor, department_code=department_code, status=status, project_id=project_id,
                           supplement=supplement, site_code=site_code)
    clocked = await clocked_page(session, where, today=today, level=level, start=start, end=end, routes=routes,
                                 load=load, count_in_scope=count if level in (None, "none") else None,
                                 counts_key=(actor.role, actor.department_code, actor.enterprise_id, actor.site_code,
                                             department_code, status, project_id, level, today, supplement,
                                             site_code))
    result = clocked.rows
    await sites.require_known(session, site_code, clocked.total + (clocked.clockless or 0))
    if clocked.clockless is None:
        return result, clocked.total
    # The rest (planned, in preparation, submitted, finished: most of a large book) have no open clock, come
    # after every one that has, by id, and are paged in SQL as well.
    if len(result) < page_size and clocked.clockless:
        has_open_clock = exists(select(ApprovalClock.approval_id).where(ApprovalClock.approval_id == Approval.id))
        rest = (await session.execute(query.where(~has_open_clock).order_by(Approval.id)
                                      .offset(max(0, start - clocked.total)).limit(page_size - len(result)))).all()
        events = await events_of(session, [approval.id for approval, _, _ in rest])
        result += [row_of(approval, project, name, events.get(approval.id, [])) for approval, project, name in rest]
    return result, clocked.total + clocked.clockless


async def count_by_department(session: AsyncSession, actor: Actor, levels: tuple[str, ...], *, today: date,
                              site_code: str | None = None) -> dict[str, int]:
    """How many open clocks the actor may see are at one of ``levels`` today, per department: the worklist's
    keys for the day (``day_keys``, as its pages read them) counted in SQL in one statement, the rare clocks SQL
    cannot key exactly read through the pure function — the totals of the worklist filtered by each department."""
    routes = await _routes(session)
    k = (await day_keys(session, today, clocks_in_scope(actor, site_code=site_code), routes))[0].subquery("keys")
    inexact_id = case((k.c.exact, None), else_=k.c.approval_id).label("inexact_id")  # NULL: counted in SQL
    counts: dict[str, int] = {}
    inexact: list[int] = []
    for department, approval_id, count in (await session.execute(
            select(ApprovalClock.department_code, inexact_id, func.count())
            .join(k, k.c.approval_id == ApprovalClock.approval_id)
            .where(or_(~k.c.exact, k.c.rank.in_([LEVEL_ORDER[level] for level in levels])))
            .group_by(ApprovalClock.department_code, inexact_id))).all():
        if approval_id is None:
            counts[department] = int(count)
        else:
            inexact.append(approval_id)
    for row in (await _read_through_pure(session, actor, inexact, routes, today, site_code)).values():
        if row.clock.level in levels:
            counts[row.approval.department_code] = counts.get(row.approval.department_code, 0) + 1
    return counts


async def _read_through_pure(session: AsyncSession, actor: Actor, ids: list[int],
                             routes: dict[int, Any], today: date,
                             site_code: str | None = None) -> dict[int, WorkRow]:
    """The worklist rows of the clocks SQL could not key exactly (few or none), read through the pure function."""
    if not ids:
        return {}
    _, load = _loader(session, worklist_scope(actor, site_code=site_code), await get_calendar(session), routes, today)
    return dict(await load(ids))


async def projects_at_level(session: AsyncSession, actor: Actor, level: str, *, today: date) -> list[int]:
    """The dossiers (the actor may see) whose worst open clock is at ``level`` today — the same clocks, read
    the same way, as the worklist's levels."""
    routes = await _routes(session)
    k = (await day_keys(session, today, clocks_in_scope(actor), routes))[0].subquery("keys")
    worst: dict[int, int] = {}
    inexact: list[int] = []
    for project_id, approval_id, rank, exact in (await session.execute(
            select(ApprovalClock.project_id, k.c.approval_id, k.c.rank, k.c.exact)
            .join(ApprovalClock, ApprovalClock.approval_id == k.c.approval_id))).all():
        if exact:
            worst[project_id] = min(worst.get(project_id, LEVEL_ORDER["none"]), rank)
        else:
            inexact.append(approval_id)
    for row in (await _read_through_pure(session, actor, inexact, routes, today)).values():
        worst[row.project.id] = min(worst.get(row.project.id, LEVEL_ORDER["none"]), LEVEL_ORDER[row.clock.level])
    return sorted(project_id for project_id, rank in worst.items() if rank == LEVEL_ORDER[level])

"""Project dossiers: opened from a route, listed, read with their plan and forecast, adjusted."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from agency import timeutil
from agency.access import Actor, Role, get_visible, visible
from agency.approvals import clock_rows, project_status
from agency.approvals import queries as approval_queries
from agency.approvals.models import Approval, ApprovalPrerequisite
from agency.audit import service as audit
from agency.audit.models import AuditEvent
from agency.catalog import service as catalog
from agency.catalog.format_model import Route as RouteFormat
from agency.catalog.format_model import RouteItem
from agency.catalog.models import CatalogItem
from agency.catalog.models import Route as RouteRow
from agency.db import changes
from agency.db.hooks import forget_when_written
from agency.db.paging import paginate
from agency.db.sequences import next_value

# Reading lives in details.py; callers keep asking the service.
from agency.dossiers import mandate_papers
from agency.dossiers.details import ProjectDetail as ProjectDetail
from agency.dossiers.details import detail as detail
from agency.dossiers.details import detail_of as detail_of
from agency.dossiers.details import details_of as details_of
from agency.dossiers.schemas import ProjectIn
from agency.enterprises.models import Enterprise
from agency.errors import Conflict, Invalid
from agency.memo import TimedMemo
from agency.projects import codes, handover
from agency.projects.models import Project, ProjectMilestone
from agency.sites import service as sites
from agency.timeutil import today_local

COUNT_SECONDS = 5.0
_totals: TimedMemo[tuple[object, ...], int] = TimedMemo(COUNT_SECONDS)


# Any dossier added, removed or changed (status, green channel, name) may move a list's total.
forget_when_written((Project, Enterprise), _totals.clear)


async def next_project_code(session: AsyncSession, year: int) -> str:
    """DB-<year>-<seq>, unique even when dossiers are opened at the same moment."""
    return f"DB-{year}-{await next_value(session, f'project:{year}'):04d}"


async def create(session: AsyncSession, actor: Actor, data: ProjectIn) -> Project:
    actor.require(Role.CLERK)
    enterprise = await session.get(Enterprise, data.enterprise_id)
    if enterprise is None:
        raise Invalid("企业不存在（unknown enterprise）", field="enterprise_id")
    investment_code = await codes.free_code(session, data.investment_code, None, today_local())
    route_row = await catalog.current_route(session, data.route_code)
    route = msgspec.convert(route_row.definition, RouteFormat)
    version = await catalog.current_version(session)
    items = {i.code: i for i in await catalog.current_items(session)}
    project = Project(
        code=await next_project_code(session, today_local().year), enterprise_id=enterprise.id,
        name=data.name.strip(), route_id=route_row.id, route_code=route.code,
        catalog_version=version.version if version else "", investment_wan=_money(data.investment_wan),
        location=data.location.strip(), description=data.description.strip(),
        land_area_mu=None if data.land_area_mu is None else _money(data.land_area_mu),
        clerk_id=actor.user_id, status="planning", green_channel_status="none", facts={},
        investment_code=investment_code, site_code=actor.site_code,
    )
    session.add(project)
    await session.flush()
    milestone_codes = {m.code for m in route.milestones}
    approvals: dict[str, Approval] = {}
    for ri in route.items:
        approvals[ri.item] = _new_approval(project, items[ri.item], ri, milestone_codes, ri.required)
    session.add_all(approvals.values())
    session.add_all(ProjectMilestone(project_id=project.id, code=m.code, name=m.name, after=list(m.after))
                    for m in route.milestones)
    await session.flush()
    session.add_all(ApprovalPrerequisite(approval_id=approvals[ri.item].id, prerequisite_id=approvals[code].id)
                    for ri in route.items for code in ri.after if code in approvals)
    await session.flush()
    await audit.record(session, actor, "project.create", "project", project.id, project_id=project.id, after={
        "code": project.code, "investment_code": project.investment_code, "name": project.name,
        "enterprise_id": enterprise.id, "route": route.code,
        "catalog_version": project.catalog_version, "approvals": [a.item_code for a in approvals.values()]})
    return project


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def statutory_limit_for(definition: dict[str, Any], scale: str | None) -> Any:
    """The item's statutory limit for a project of this scale (``large`` / ``medium_and_small``; unknown: the
    catalog's own, which is the large one)."""
    by_scale = definition.get("statutory_limit_by_scale")
    return by_scale[scale] if by_scale and scale in ("large", "medium_and_small") else definition.get("statutory_limit")


def _new_approval(project: Project, item: CatalogItem, route_item: RouteItem | None, milestones: set[str],
                  required: bool = True) -> Approval:
    definition, after = item.definition, route_item.after if route_item else []
    snapshot = {key: definition.get(key) for key in (
        "promised_limit", "statutory_limit", "statutory_limit_by_scale", "materials", "suspension_allowed",
        "extension_allowed", "extension_cap_workdays", "supplement_limit_workdays", "application_form", "kind",
        "legal_basis")}
    if route_item and route_item.participants and snapshot["materials"]:
        # A joint item's participant (消防验收 …) gives its opinion inside it: its certificate is not asked for.
        parts = {p.code for p in route_item.participants}
        snapshot["materials"] = [m for m in snapshot["materials"] if m["code"] not in parts]
    snapshot["statutory_limit"] = statutory_limit_for(definition, (project.facts or {}).get("scale"))
    return Approval(project_id=project.id, catalog_item_id=item.id, item_code=item.code, name=item.name,
                    department_code=item.department_code, stage=item.stage, status="planned", required=required,
                    snapshot=snapshot, waits_for_milestones=[c for c in after if c in milestones])


@dataclass(frozen=True, slots=True)
class ListedProject:
    """What a list row shows of a dossier: read as columns, not as a full ORM object."""

    id: int
    code: str
    name: str
    enterprise_id: int
    status: str
    green_channel_status: str
    clerk_id: int
    route_id: int
    route_code: str
    created_at: datetime
    site_code: str | None


_LISTED_COLUMNS = tuple(getattr(Project, f.name) for f in fields(ListedProject))
# What a list page is read from: a change announced for one of these may change any page.
LIST_TABLES = frozenset({"projects", "approvals", "enterprises"})


# ``status=open``: the dossiers still being worked (the leader's 在办项目).
OPEN_PROJECT_STATUSES = ("planning", "in_progress", "blocked")


async def search(session: AsyncSession, actor: Actor, *, status: str | None, green_channel: str | None,
                 enterprise_id: int | None, q: str | None, mine: bool, page: int,
                 page_size: int, level: str | None = None, today: date | None = None,
                 site_code: str | None = None) -> tuple[list[tuple[ListedProject, str, int, int]], int]:
    """The dossiers the actor may see, newest first. ``level``: those whose worst open clock is at that level
    on ``today``; ``q``: enterprise name or credit code, project name or code, item name, certificate number."""
    at_level: list[int] | None = None
    if level:
        at_level = await approval_queries.projects_at_level(session, actor, level, today=today or today_local())
    # The site is part of the key: a site's clerk sees other dossiers than the center's (site_scope).
    key = (actor.role, actor.enterprise_id, actor.department_code, actor.site_code, site_code, status, green_channel,
           enterprise_id, q.strip() if q else None, actor.user_id if mine else None,
           tuple(at_level) if at_level is not None else None)
    feed = changes.feed_of(session)
    if feed is None or not feed.live:
        return await _search(session, actor, key, status=status, green_channel=green_channel,
                             enterprise_id=enterprise_id, q=q, mine=mine, page=page, page_size=page_size,
                             at_level=at_level, site_code=site_code)
    # While the change feed listens, a page is re-used until a dossier, approval or enterprise changes.
    remembered = feed.cache("project_list", LIST_TABLES, per_project=False)
    found: tuple[list[tuple[ListedProject, str, int, int]], int] | None = remembered.get((key, page, page_size))
    if found is None:
        stamp = feed.stamp()
        found = await _search(session, actor, key, status=status, green_channel=green_channel,
                              enterprise_id=enterprise_id, q=q, mine=mine, page=page, page_size=page_size,
                              at_level=at_level, site_code=site_code)
        remembered.keep((key, page, page_size), stamp, found)
    return found


async def _search(session: AsyncSession, actor: Actor, key: tuple[object, ...], *, status: str | None,
                  green_channel: str | None, enterprise_id: int | None, q: str | None, mine: bool, page: int,
                  page_size: int, at_level: list[int] | None,
                  site_code: str | None = None) -> tuple[list[tuple[ListedProject, str, int, int]], int]:
    query = visible(Project, actor).with_only_columns(Project.id)
    if site_code:  # the dossiers that site holds (the center: also those from before sites were kept)
        query = query.where(handover.on_site(site_code))
    if status == "open":
        query = query.where(Project.status.in_(OPEN_PROJECT_STATUSES))
    elif status:
        query = query.where(Project.status == status)
    if at_level is not None:
        query = query.where(Project.id.in_(at_level or [0]))
    if green_channel:
        query = query.where(Project.green_channel_status == green_channel)
    if enterprise_id is not None:
        query = query.where(Project.enterprise_id == enterprise_id)
    if mine:
        query = query.where(Project.clerk_id == actor.user_id)
    if q and q.strip():
        query = query.where(_matches(q.strip()))
    # Counting 100,000 dossiers costs more than the page itself; a list's total may lag another
    # process's new dossier by COUNT_SECONDS, never this process's (forgotten on commit).
    total = _totals.get(key)
    if total is None:
        total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        _totals.put(key, total)
    await sites.require_known(session, site_code, total)
    page_ids = query.order_by(Project.id.desc()).offset((page - 1) * page_size).limit(page_size).subquery()
    # Counted per row of the page (the project_id index): a GROUP BY would read every approval for twenty rows.
    counted = (select(func.count()).select_from(Approval)
               .where(Approval.project_id == Project.id, Approval.status != "withdrawn"))
    rows = (await session.execute(
        select(*_LISTED_COLUMNS, Enterprise.name, counted.scalar_subquery(),
               counted.where(Approval.status == "approved").scalar_subquery())
        .join(page_ids, page_ids.c.id == Project.id)
        .join(Enterprise, Enterprise.id == Project.enterprise_id)
        .order_by(Project.id.desc()))).all()
    return [(ListedProject(*r[:-3]), r[-3], r[-2], r[-1]) for r in rows], total  # the enterprise, two counts


def _matches(term: str) -> ColumnElement[bool]:
    """What ``q`` finds: a fragment of the enterprise's or the project's name or of an item's name, or exactly
    a credit code, a dossier code or a certificate number."""
    certificate = Approval.decision["certificate_no"].as_string()
    return or_(
        Project.name.contains(term, autoescape=True), Project.code == term.upper(), Project.investment_code == term,
        Project.enterprise_id.in_(select(Enterprise.id).where(or_(
            Enterprise.name.contains(term, autoescape=True), Enterprise.credit_code == term.upper()))),
        Project.id.in_(select(Approval.project_id).where(or_(
            Approval.name.contains(term, autoescape=True), certificate == term))))


async def editable(session: AsyncSession, actor: Actor, project_id: int, version: int | None = None) -> Project:
    actor.require(Role.CLERK)
    project = await get_visible(session, Project, project_id, actor, what="项目")
    await handover.require_holder(session, actor, project)
    if version is not None and project.version != version:
        raise Conflict("项目已被他人修改，请刷新后重试（stale version）", field="version")
    if project.status in ("completed", "closed"):
        raise Conflict(f"项目已{'办结' if project.status == 'completed' else '关闭'}，不能再修改计划")
    return project


async def add_approval(session: AsyncSession, actor: Actor, project_id: int, item_code: str) -> Approval:
    project = await editable(session, actor, project_id)
    item = await catalog.current_item(session, item_code)
    approvals = list((await session.execute(select(Approval).where(Approval.project_id == project.id))).scalars())
    if any(a.item_code == item_code and a.status not in ("withdrawn", "rejected", "refused") for a in approvals):
        raise Conflict(f"项目中已有事项 {item_code}（item already planned）", field="item_code")
    route = msgspec.convert((await session.get_one(RouteRow, project.route_id)).definition, RouteFormat)
    route_item = next((ri for ri in route.items if ri.item == item_code), None)
    approval = _new_approval(project, item, route_item, {m.code for m in route.milestones})
    session.add(approval)
    await session.flush()
    # Re-applying after a rejection inherits the route's prerequisites, met by the live approvals, and
    # the route's items that wait for this one wait for the new approval instead of the dropped one.
    live = {a.item_code: a.id for a in sorted(approvals, key=lambda a: a.id)
            if a.status not in ("withdrawn", "rejected", "refused")}
    session.add_all(ApprovalPrerequisite(approval_id=approval.id, prerequisite_id=live[code])
                    for code in (route_item.after if route_item else []) if code in live)
    dropped = [a.id for a in approvals if a.item_code == item_code]
    for dependent in (ri.item for ri in route.items if item_code in ri.after):
        if dependent not in live:
            continue
        await session.execute(delete(ApprovalPrerequisite).where(
            ApprovalPrerequisite.approval_id == live[dependent],
            ApprovalPrerequisite.prerequisite_id.in_(dropped or [0])))
        session.add(ApprovalPrerequisite(approval_id=live[dependent], prerequisite_id=approval.id))
    await session.flush()
    await project_status.refresh(session, project)
    await audit.record(session, actor, "project.add_approval", "approval", approval.id, project_id=project.id,
                       after={"item_code": item_code, "department_code": approval.department_code})
    return approval


async def remove_approval(session: AsyncSession, actor: Actor, project_id: int, approval_id: int,
                          reason: str | None) -> None:
    """Take a planned item out of the plan, with the reason the dossier keeps."""
    if reason is None or len(reason.strip()) < 2:
        raise Invalid("删除计划事项须说明理由（reason is required）", field="reason")
    project = await editable(session, actor, project_id)
    approval = await session.get(Approval, approval_id)
    if approval is None or approval.project_id != project.id:
        raise Invalid("该事项不属于此项目（approval not in this project）", field="approval_id")
    if approval.status != "planned":
        raise Conflict(f"只能删除尚未启动（planned）的事项，当前状态为 {approval.status}")
    before = {"item_code": approval.item_code, "status": approval.status}
    await session.execute(delete(ApprovalPrerequisite).where(or_(
        ApprovalPrerequisite.approval_id == approval.id, ApprovalPrerequisite.prerequisite_id == approval.id)))
    await session.delete(approval)
    await session.flush()
    await project_status.refresh(session, project)
    await audit.record(session, actor, "project.remove_approval", "approval", approval_id, project_id=project.id,
                       before=before, after={"reason": reason.strip()})


async def close(session: AsyncSession, actor: Actor, project_id: int, reason: str) -> Project:
    """Close a blocked (or abandoned) dossier with a written reason; open approvals are withdrawn first."""
    project = await editable(session, actor, project_id)
    open_left = (await session.execute(select(func.count()).select_from(Approval).where(
        Approval.project_id == project.id,
        Approval.status.in_(("preparing", "submitted", "accepted", "supplement_requested", "suspended"))))
    ).scalar_one()
    if open_left:
        raise Conflict(f"仍有 {open_left} 个事项在办理中，须先撤回（withdraw the open approvals first）")
    before = {"status": project.status}
    project.status, project.closed_reason = "closed", reason.strip()
    await session.flush()
    await audit.record(session, actor, "project.close", "project", project.id, project_id=project.id,
                       before=before, after={"status": "closed", "reason": project.closed_reason})
    # Closing the dossier ends the agency mandate: its 终止单, rendered after the commit.
    await mandate_papers.request(session, actor, project, "close", timeutil.today(), reason=project.closed_reason or "")
    return project


async def set_facts(session: AsyncSession, actor: Actor, project_id: int, given: dict[str, Any],
                    version: int | None = None) -> Project:
    project = await editable(session, actor, project_id, version)
    before = dict(project.facts or {})
    if given.get("planned_start") and given.get("planned_completion") and \
            given["planned_completion"] < given["planned_start"]:
        raise Invalid("计划竣工日期不能早于计划开工日期（completion before start）", field="planned_completion")
    facts = {**before, **{k: v for k, v in given.items() if v is not None}}
    project.facts = {k: v for k, v in facts.items() if v not in ("", None)}
    if project.facts.get("scale") != before.get("scale"):
        await _rescale(session, project)
    await session.flush()
    await audit.record(session, actor, "project.facts", "project", project.id, project_id=project.id,
                       before=before, after=project.facts)
    return project


async def _rescale(session: AsyncSession, project: Project) -> None:
    """The scale decides some statutory limits: the approvals whose clock has not started take the new one (a
    started clock keeps the limit it started with, as the law counts it from acceptance)."""
    for approval in (await session.execute(select(Approval).where(
            Approval.project_id == project.id, Approval.status.in_(("planned", "preparing", "submitted"))))
    ).scalars():  # no lock: each approval's version guards it (an action in between makes this a 409)
        if approval.snapshot.get("statutory_limit_by_scale"):
            approval.snapshot = {**approval.snapshot, "statutory_limit": statutory_limit_for(
                approval.snapshot, project.facts.get("scale"))}


async def request_green_channel(session: AsyncSession, actor: Actor, project_id: int, reason: str) -> Project:
    project = await editable(session, actor, project_id)
    if project.green_channel_status in ("requested", "approved"):
        raise Conflict(f"绿色通道已{'申请' if project.green_channel_status == 'requested' else '批准'}"
                       "（green channel already requested or approved）")
    before = _green(project)
    project.green_channel_status, project.green_channel_reason = "requested", reason.strip()
    project.green_channel_note = project.green_channel_decided_by = project.green_channel_decided_at = None
    await session.flush()
    await audit.record(session, actor, "project.green_channel.request", "project", project.id,
                       project_id=project.id, before=before, after=_green(project))
    return project


async def decide_green_channel(session: AsyncSession, actor: Actor, project_id: int, approve: bool,
                               note: str) -> Project:
    actor.require(Role.LEADER)
    project = await get_visible(session, Project, project_id, actor, what="项目")
    if project.green_channel_status != "requested":
        raise Conflict("该项目没有待决定的绿色通道申请（no pending green-channel request）")
    if not approve and len(note.strip()) < 2:
        raise Invalid("不同意时须说明理由（a refusal needs a note）", field="note")
    before = _green(project)
    # The dossier's approvals first, in id order, as every writer of their clocks takes them (an action takes
    # its approval, then the dossier, then the clock row): no deadlock with an action on one of them.
    await session.execute(select(Approval.id).where(Approval.project_id == project.id).order_by(Approval.id)
                          .with_for_update())
    project.green_channel_status = "approved" if approve else "refused"
    project.green_channel_note = note.strip()
    project.green_channel_decided_by = actor.user_id
    project.green_channel_decided_at = timeutil.now()
    await session.flush()
    # The green channel's stricter thresholds (or the route's again): the clocks' rows and today's keys.
    await clock_rows.rewrite(session, Approval.project_id == project.id, timeutil.today())
    await audit.record(session, actor, "project.green_channel.decide", "project", project.id,
                       project_id=project.id, before=before, after=_green(project))
    return project


def _green(project: Project) -> dict[str, Any]:
    return {"status": project.green_channel_status, "reason": project.green_channel_reason,
            "note": project.green_channel_note}


async def events(session: AsyncSession, actor: Actor, project_id: int, *, page: int,
                 page_size: int) -> tuple[list[AuditEvent], int]:
    project = await get_visible(session, Project, project_id, actor, what="项目")
    query = select(AuditEvent).where(AuditEvent.project_id == project.id)
    if actor.role is Role.DEPARTMENT:
        own = select(func.cast(Approval.id, AuditEvent.object_id.type)).where(
            Approval.project_id == project.id, Approval.department_code == actor.department_code)
        query = query.where(AuditEvent.object_type == "approval", AuditEvent.object_id.in_(own))
    return await paginate(session, query, order_by=AuditEvent.id.desc(), page=page, page_size=page_size)

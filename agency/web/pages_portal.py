"""The enterprise portal: my projects, and each project's progress in plain words (phone-friendly)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals.clocks import load_clocks
from agency.approvals.rules import STATUS_NAMES
from agency.calendar.service import get_calendar
from agency.calendar.workdays import CalendarRangeError
from agency.catalog import service as catalog
from agency.catalog.format_model import STAGE_NAMES
from agency.documents import service as docs
from agency.errors import AgencyError
from agency.evaluations import service as evaluations
from agency.evaluations.models import SCORE_WORDS, Evaluation
from agency.files.models import StoredFile
from agency.privacy import mask_phone
from agency.projects import service as projects
from agency.projects.forecast import Forecast
from agency.projects.models import Approval, ApprovalPrerequisite, ProjectMilestone
from agency.projects.planning import plan_forecast
from agency.projects.service import ListedProject, ProjectDetail
from agency.timeutil import today_local
from agency.web.pages_project import PAPER_NAMES
from agency.web.render import page, see_other

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

HANDLING = ("submitted", "accepted", "supplement_requested", "suspended")
NEEDS_US = ("preparing", "supplement_requested")


@dataclass(slots=True)
class Missing:
    approval: Approval
    materials: list[str]
    notice: dict[str, Any] | None


@dataclass(slots=True)
class Progress:
    stages: list[tuple[str, str]]  # (name, done|current|todo)
    current: str | None
    handling: list[tuple[Approval, str, Any]] = field(default_factory=list)  # approval, department name, clock
    missing: list[Missing] = field(default_factory=list)
    decided: list[Approval] = field(default_factory=list)
    done: int = 0
    total: int = 0


def _stages(approvals: list[Approval]) -> tuple[list[tuple[str, str]], str | None]:
    live = [a for a in approvals if a.status != "withdrawn" and a.required]
    order = [s for s in STAGE_NAMES if any(a.stage == s for a in live)]
    current = next((s for s in order if any(a.stage == s and a.status != "approved" for a in live)), None)
    result = []
    for s in order:
        state = "current" if s == current else ("done" if current is None or order.index(s) < order.index(current)
                                                 else "todo")
        result.append((STAGE_NAMES[s], state))
    return result, STAGE_NAMES[current] if current else None


async def _progress(db: AsyncSession, d: ProjectDetail, names: dict[str, str]) -> Progress:
    stages, current = _stages(d.approvals)
    live = [a for a in d.approvals if a.status != "withdrawn"]
    p = Progress(stages, current, done=sum(1 for a in live if a.status == "approved"), total=len(live))
    waiting = [a.id for a in live if a.status in NEEDS_US]
    # Which materials have a scan, for all approvals waiting on the enterprise in one query (they are the
    # project's own approvals, already checked as visible).
    have = set((await db.execute(select(StoredFile.approval_id, StoredFile.material_code).distinct().where(
        StoredFile.approval_id.in_(waiting)))).tuples()) if waiting else set()
    for a in live:
        if a.status in HANDLING:
            p.handling.append((a, names.get(a.department_code, a.department_code), d.clocks[a.id]))
        if a.status == "approved":
            p.decided.append(a)
        if a.status in NEEDS_US:
            asked = set((a.pending_supplement or {}).get("missing_materials") or [])
            lacking = [m["name"] for m in a.snapshot.get("materials") or []
                       if (m.get("required", True) and (a.id, m["code"]) not in have) or m["code"] in asked]
            if lacking or a.pending_supplement:
                p.missing.append(Missing(a, lacking, a.pending_supplement))
    return p


async def _forecasts(db: AsyncSession, listed: list[ListedProject], today: date
                     ) -> tuple[dict[int, Forecast | None], dict[int, list[Approval]]]:
    """The forecast and approvals of every listed project in a fixed number of queries, not a detail per project
    (the same computation as ``projects.detail_of``)."""
    ids = [p.id for p in listed]
    if not ids:
        return {}, {}
    approvals: dict[int, list[Approval]] = defaultdict(list)
    for a in (await db.execute(select(Approval).where(Approval.project_id.in_(ids)).order_by(Approval.id))).scalars():
        approvals[a.project_id].append(a)
    every = [a for rows in approvals.values() for a in rows]
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for link in (await db.execute(select(ApprovalPrerequisite).where(
            ApprovalPrerequisite.approval_id.in_([a.id for a in every])))).scalars():
        prerequisites[link.approval_id].append(link.prerequisite_id)
    milestones: dict[int, list[ProjectMilestone]] = defaultdict(list)
    for m in (await db.execute(select(ProjectMilestone).where(ProjectMilestone.project_id.in_(ids))
                               .order_by(ProjectMilestone.id))).scalars():
        milestones[m.project_id].append(m)
    calendar = await get_calendar(db)
    green = {p.id for p in listed if p.green_channel_status == "approved"}
    clocks = {}
    for flag in (True, False):
        group = [a for a in every if (a.project_id in green) is flag]
        if group:
            clocks.update(await load_clocks(db, group, calendar, today, green_channel=flag))
    forecasts: dict[int, Forecast | None] = {}
    for p in listed:
        try:
            forecasts[p.id] = plan_forecast(approvals[p.id], prerequisites, milestones[p.id], clocks, today,
                                            calendar) if approvals[p.id] else None
        except CalendarRangeError:
            forecasts[p.id] = None
    return forecasts, approvals


@get("/app/portal")
async def portal(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                 db: NamedDependency[AsyncSession]) -> Template | Redirect:
    if actor.role is not Role.ENTERPRISE:
        return see_other("/app")
    today = today_local()
    rows, _ = await projects.search(db, actor, status=None, green_channel=None, enterprise_id=None, q=None,
                                    mine=False, page=1, page_size=50)
    forecasts, approvals = await _forecasts(db, [row[0] for row in rows], today)
    items = []
    for project, enterprise_name, total, approved in rows:
        mine = approvals.get(project.id, [])
        _, current = _stages(mine)
        waiting = sum(1 for a in mine if a.status in NEEDS_US)
        handling = sum(1 for a in mine if a.status in HANDLING)
        items.append({"project": project, "enterprise": enterprise_name, "total": total, "approved": approved,
                      "stage": current, "waiting": waiting, "handling": handling,
                      "forecast": forecasts.get(project.id)})
    return page(request, "portal.html", actor, items=items, changed=request.query_params.get("changed"))


@get("/app/portal/projects/{project_id:int}")
async def portal_project(request: Request[Any, Any, Any], project_id: FromPath[int], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Template | Redirect:
    if actor.role is not Role.ENTERPRISE:
        return see_other(f"/app/projects/{project_id}")
    today = today_local()
    d = await projects.detail(db, actor, project_id, today)
    names = {dep.code: dep.name for dep in await catalog.list_departments(db)}
    progress = await _progress(db, d, names)
    documents = await docs.list_documents(db, actor, project_id)
    rated = {e.approval_id: e.score for e in (await db.execute(select(Evaluation).where(
        Evaluation.project_id == project_id))).scalars()}
    return page(request, "portal_project.html", actor, d=d, p=progress, documents=documents, today=today,
                rated=rated, levels=sorted(SCORE_WORDS.items(), reverse=True),
                rating_result=request.query_params.get("rating"),
                DEPT_NAMES=names, STATUS_NAMES=STATUS_NAMES, PAPER_NAMES=PAPER_NAMES,
                clerk_phone=mask_phone(d.clerk.phone), contact_phone=mask_phone(d.enterprise.contact_phone))


@post("/app/portal/approvals/{approval_id:int}/rating")
async def rate_approval(approval_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> Redirect:
    """即评 from the portal: the enterprise rates a decided approval once (1–2 opens a follow-up visit)."""
    approval = await db.get(Approval, approval_id)
    back = f"/app/portal/projects/{approval.project_id}" if approval else "/app/portal"
    try:
        score = int(data.get("score", ""))
    except ValueError:
        return see_other(f"{back}?rating=missing")
    try:
        await evaluations.rate(db, actor, approval_id, score, data.get("comment", "").strip()[:1000])
    except AgencyError as error:
        await db.rollback()
        return see_other(f"{back}?rating={'done' if error.status_code == 409 else 'refused'}")
    return see_other(f"{back}?rating=thanks")


HANDLERS: list[Any] = [portal, portal_project, rate_approval]

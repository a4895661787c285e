"""The enterprise portal: my projects, and each project's progress in plain words (phone-friendly)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals import queries
from agency.approvals.rules import STATUS_NAMES
from agency.catalog import service as catalog
from agency.catalog.format_model import STAGE_NAMES
from agency.documents import service as docs
from agency.privacy import mask_phone
from agency.projects import service as projects
from agency.projects.models import Approval
from agency.projects.service import ProjectDetail
from agency.timeutil import today_local
from agency.web.pages_project import PAPER_NAMES
from agency.web.render import page, see_other

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


def _stages(d: ProjectDetail) -> tuple[list[tuple[str, str]], str | None]:
    live = [a for a in d.approvals if a.status != "withdrawn" and a.required]
    order = [s for s in STAGE_NAMES if any(a.stage == s for a in live)]
    current = next((s for s in order if any(a.stage == s and a.status != "approved" for a in live)), None)
    result = []
    for s in order:
        state = "current" if s == current else ("done" if current is None or order.index(s) < order.index(current)
                                                 else "todo")
        result.append((STAGE_NAMES[s], state))
    return result, STAGE_NAMES[current] if current else None


async def _progress(db: AsyncSession, actor: Actor, d: ProjectDetail, today: date) -> Progress:
    names = {dep.code: dep.name for dep in await catalog.list_departments(db)}
    stages, current = _stages(d)
    live = [a for a in d.approvals if a.status != "withdrawn"]
    p = Progress(stages, current, done=sum(1 for a in live if a.status == "approved"), total=len(live))
    for a in live:
        if a.status in HANDLING:
            p.handling.append((a, names.get(a.department_code, a.department_code), d.clocks[a.id]))
        if a.status == "approved":
            p.decided.append(a)
        if a.status in NEEDS_US:
            view = await queries.approval_view(db, actor, a.id, today)
            asked = set((a.pending_supplement or {}).get("missing_materials") or [])
            lacking = [m["name"] for m in a.snapshot.get("materials") or []
                       if (m.get("required", True) and not view.files.get(m["code"])) or m["code"] in asked]
            if lacking or a.pending_supplement:
                p.missing.append(Missing(a, lacking, a.pending_supplement))
    return p


@get("/app/portal")
async def portal(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                 db: NamedDependency[AsyncSession]) -> Template | Redirect:
    if actor.role is not Role.ENTERPRISE:
        return see_other("/app")
    today = today_local()
    rows, _ = await projects.search(db, actor, status=None, green_channel=None, enterprise_id=None, q=None,
                                    mine=False, page=1, page_size=50)
    items = []
    for project, enterprise_name, total, approved in rows:
        d = await projects.detail_of(db, actor, project, today)
        _, current = _stages(d)
        waiting = sum(1 for a in d.approvals if a.status in NEEDS_US)
        handling = sum(1 for a in d.approvals if a.status in HANDLING)
        items.append({"project": project, "enterprise": enterprise_name, "total": total, "approved": approved,
                      "stage": current, "waiting": waiting, "handling": handling, "forecast": d.forecast})
    return page(request, "portal.html", actor, items=items, changed=request.query_params.get("changed"))


@get("/app/portal/projects/{project_id:int}")
async def portal_project(request: Request[Any, Any, Any], project_id: FromPath[int], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Template | Redirect:
    if actor.role is not Role.ENTERPRISE:
        return see_other(f"/app/projects/{project_id}")
    today = today_local()
    d = await projects.detail(db, actor, project_id, today)
    progress = await _progress(db, actor, d, today)
    documents = await docs.list_documents(db, actor, project_id)
    names = {dep.code: dep.name for dep in await catalog.list_departments(db)}
    return page(request, "portal_project.html", actor, d=d, p=progress, documents=documents, today=today,
                DEPT_NAMES=names, STATUS_NAMES=STATUS_NAMES, PAPER_NAMES=PAPER_NAMES,
                clerk_phone=mask_phone(d.clerk.phone), contact_phone=mask_phone(d.enterprise.contact_phone))


HANDLERS: list[Any] = [portal, portal_project]

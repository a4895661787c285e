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
from litestar.response import Redirect, Response, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, Role, get_visible
from agency.approvals import material_review
from agency.approvals.clocks import load_clocks
from agency.approvals.models import Approval, ApprovalPrerequisite
from agency.approvals.rules import STATUS_NAMES
from agency.calendar.service import get_calendar
from agency.calendar.workdays import CalendarRangeError
from agency.catalog import service as catalog
from agency.catalog.format_model import STAGE_NAMES
from agency.documents import service as docs
from agency.documents.controllers import papers_of
from agency.documents.pdf_copies import pdf_copy
from agency.dossiers import service as projects
from agency.dossiers.forecast import Forecast
from agency.dossiers.planning import plan_forecast
from agency.dossiers.service import ListedProject, ProjectDetail
from agency.errors import AgencyError
from agency.evaluations import service as evaluations
from agency.evaluations.models import REASONS, SCORE_WORDS, TARGET_WORDS, Evaluation, occasion_words
from agency.obligations import service as obligations
from agency.privacy import mask_phone
from agency.projects.models import Project, ProjectMilestone
from agency.timeutil import today_local
from agency.web.pages_portal_ratings import people_to_rate
from agency.web.pages_project import PAPER_NAMES
from agency.web.render import page, see_other

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

HANDLING = ("submitted", "accepted", "supplement_requested", "suspended")


@dataclass(slots=True)
class Progress:
    stages: list[tuple[str, str]]  # (name, done|current|todo)
    current: str | None
    handling: list[tuple[Approval, str, Any]] = field(default_factory=list)  # approval, department name, clock
    missing: list[material_review.Ask] = field(default_factory=list)  # what the enterprise is asked for
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
    # What each approval waiting on the enterprise still lacks (they are the project's own approvals, already
    # checked as visible): the same function counts "待我方 N 项" on the list.
    p.missing = await material_review.asks(db, live)
    for a in live:
        if a.status in HANDLING:
            p.handling.append((a, names.get(a.department_code, a.department_code), d.clocks[a.id]))
        if a.status == "approved":
            p.decided.append(a)
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
    clocks = await load_clocks(db, every, {p.id: p for p in listed}, calendar, today)
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
    asked: dict[int, int] = defaultdict(int)
    for ask in await material_review.asks(db, [a for rows_ in approvals.values() for a in rows_
                                               if a.status != "withdrawn"]):
        asked[ask.approval.project_id] += 1
    items = []
    for project, enterprise_name, total, approved in rows:
        mine = approvals.get(project.id, [])
        _, current = _stages(mine)
        waiting = asked[project.id]
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
        Evaluation.project_id == project_id, Evaluation.target == "approval"))).scalars()}
    owed, _ = await obligations.search(db, actor, project_id=project_id, due_before=None, status=None, today=today)
    people = await people_to_rate(db, await db.get_one(Project, project_id), today)
    return page(request, "portal_project.html", actor, d=d, p=progress, documents=documents, today=today,
                obligations=owed, obligation_status=obligations.status_of,
                rated=rated, levels=sorted(SCORE_WORDS.items(), reverse=True), people=people, REASONS=REASONS,
                TARGET_WORDS=TARGET_WORDS, occasion_words=occasion_words,
                people_error=request.query_params.get("people_error"),
                rating_result=request.query_params.get("rating"),
                DEPT_NAMES=names, STATUS_NAMES=STATUS_NAMES, PAPER_NAMES=PAPER_NAMES,
                # Its own clerk's full number: the enterprise calls its agent (the paper prints it too).
                clerk_phone=d.clerk.phone, contact_phone=mask_phone(d.enterprise.contact_phone),
                ok=request.query_params.get("ok"), failed=request.query_params.get("failed"))


@post("/app/portal/approvals/{approval_id:int}/rating")
async def rate_approval(approval_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> Redirect:
    """即评 from the portal: the enterprise rates a decided approval once (1–2 opens a follow-up visit).

    An approval the user may not see is a 404 page, exactly like one that does not exist; the score is held
    to the five levels by the same service function as ``POST /api/evaluations``."""
    actor.require(Role.ENTERPRISE)
    approval = await get_visible(db, Approval, approval_id, actor, what="事项")
    back = f"/app/portal/projects/{approval.project_id}"
    score = data.get("score", "").strip()
    if score not in {str(level) for level in SCORE_WORDS}:
        return see_other(f"{back}?rating=missing")
    try:
        await evaluations.rate(db, actor, approval_id, int(score), data.get("comment", "").strip()[:1000])
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}?rating={'done' if error.status_code == 409 else 'refused'}")
    return see_other(f"{back}?rating=thanks")


@get("/app/documents/{document_id:int}/pdf")
async def paper_pdf(document_id: FromPath[int], request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> Response[bytes]:
    """A paper as PDF (opens on a phone): its sealed PDF, or its DOCX's sealed PDF (made and kept the first
    time it is asked for); the file's access rule. The same function as ``GET /api/documents/{id}/pdf``."""
    data, filename = await pdf_copy(db, actor, papers_of(request.app.state, request), document_id)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": storage.content_disposition(filename, "inline"), "Cache-Control": "private, no-store"})


HANDLERS: list[Any] = [portal, portal_project, rate_approval, paper_pdf]

"""Coordination pages: a project's problem ledger and meetings (协调), and the list of open problems (the leader's
view of every project; a department's own, as its inbox). The same service functions as the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, get_visible, visible
from agency.approvals.models import Approval
from agency.catalog.models import Department
from agency.coordination import government, joint, meetings, service
from agency.coordination.models import (
    ACTION_NAMES,
    CATEGORY_NAMES,
    MEETING_STATUS_NAMES,
    PROBLEM_STATUS_NAMES,
    Problem,
)
from agency.documents import office_issue
from agency.documents.controllers import papers_of
from agency.documents.models import Document
from agency.errors import AgencyError
from agency.files.models import StoredFile
from agency.projects import handover
from agency.projects.models import Project
from agency.schemas import MAX_ID
from agency.sites import service as sites
from agency.timeutil import today_local
from agency.web.forms import SiteCode
from agency.web.render import page, see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
STAFF = (Role.ADMIN, Role.LEADER, Role.CLERK, Role.DEPARTMENT)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@get("/app/projects/{project_id:int}/coordination")
async def coordination_page(request: Request[Any, Any, Any], project_id: FromPath[int], actor: NamedDependency[Actor],
                            db: NamedDependency[AsyncSession]) -> Template:
    """The project's problem ledger, its meetings and the government's time against the target."""
    project = await get_visible(db, Project, project_id, actor, what="项目")
    rows, _ = await service.search(db, actor, project_id=project.id, page_size=200)
    found = await meetings.of_project(db, actor, project.id) if actor.role is not Role.ENTERPRISE else []
    spent = await government.of_project(db, project, today_local())
    departments = (await db.execute(select(Department.code, Department.name).order_by(Department.code))).all()
    approvals = (await db.execute(select(Approval.id, Approval.name).where(Approval.project_id == project.id)
                                  .order_by(Approval.id))).all()
    # The minutes papers the reader may open (a department only those sent to it).
    minutes_ids = [m.minutes_document_id for m in found if m.minutes_document_id is not None]
    minutes = {doc_id: (number, file_id, fmt) for doc_id, number, file_id, fmt in (await db.execute(
        select(Document.id, Document.doc_number, Document.file_id, Document.format).where(
            Document.id.in_(minutes_ids or [0]), Document.file_id.in_(
                visible(StoredFile, actor).with_only_columns(StoredFile.id))))).all()}
    q = request.query_params
    return page(request, "coordination.html", actor, project=project, rows=rows, meetings=found, spent=spent,
                minutes=minutes, read_only=not await handover.holds(db, actor, project),
                departments=departments, department_names={c: n for c, n in departments}, approvals=approvals,
                CATEGORY_NAMES=CATEGORY_NAMES,
                MEETING_STATUS_NAMES=MEETING_STATUS_NAMES, ACTION_NAMES=ACTION_NAMES, today=today_local(),
                departments_named=meetings.departments_named, ok=q.get("ok"), err=q.get("err"),
                joint_items=await joint.of_project(db, actor, project.id))


@post("/app/projects/{project_id:int}/problems")
async def log_problem(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    back = f"/app/projects/{project_id}/coordination"
    due_on = _day(data.get("due_on"))
    if due_on is None:
        return see_other(f"{back}?err={quote('请填写解决期限（日期）')}#log-problem")
    if data.get("category") not in CATEGORY_NAMES:
        return see_other(f"{back}?err={quote('请选择问题类别')}#log-problem")
    blocked = data.get("approval_id", "")
    try:
        problem = await service.log(db, actor, project_id, title=data.get("title", "")[:200],
                                    description=data.get("description", "")[:4000], category=data["category"],
                                    department_code=data.get("department_code", "")[:32], due_on=due_on,
                                    approval_ids=[int(blocked)] if blocked.isdigit() and int(blocked) <= MAX_ID else [],
                                    today=today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}?err={quote(zh(error.detail))}#log-problem")
    return see_other(f"{back}?ok={quote('已登记问题：' + problem.title)}#problem-{problem.id}")


@post("/app/problems/{problem_id:int}/actions")
async def problem_action(problem_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(*STAFF)
    back = data.get("back", "")
    back = back if back.startswith("/app/") and "//" not in back else "/app/problems"
    sep = "&" if "?" in back else "?"
    action, version = data.get("action", ""), data.get("version", "")
    try:  # the service answers 404 for a problem the user may not see before it looks at the action
        problem = await service.act(db, actor, problem_id, action, data.get("note", "")[:4000], today_local(),
                                    int(version) if version.isdigit() and int(version) <= MAX_ID else None)
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}{sep}err={quote(zh(error.detail))}#problem-{problem_id}")
    message = f"{problem.title}：{PROBLEM_STATUS_NAMES[problem.status]}"
    return see_other(f"{back}{sep}ok={quote(message)}#problem-{problem_id}")


@post("/app/problems/{problem_id:int}/supervision-notice")
async def problem_supervision_notice(problem_id: FromPath[int], state: State, actor: NamedDependency[Actor],
                                     db: NamedDependency[AsyncSession]) -> Redirect:
    """The leader's 督办通知单 on an overdue problem: the same service as POST /api/projects/{id}/documents."""
    problem = await get_visible(db, Problem, problem_id, actor, what="问题")
    back = f"/app/projects/{problem.project_id}/coordination"
    try:
        document = await office_issue.issue_on_problem(db, actor, papers_of(state), problem.project_id,
                                                       "supervision_notice", problem.id, output="docx",
                                                       today=today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}?err={quote(zh(error.detail))}#problem-{problem_id}")
    return see_other(f"{back}?ok={quote('已出具督办通知单 ' + document.doc_number)}#problem-{problem_id}")


@get("/app/problems")
async def problem_list(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession], site: SiteCode = None) -> Template:
    """Open problems: every project's for the leader and the clerks, a department's own (its inbox); ``site``:
    those of the dossiers that site holds (the API's ``site_code=``)."""
    actor.require(*STAFF)
    rows, total = await service.search(db, actor, open_only=True, page_size=200, site_code=site or None)
    q = request.query_params
    return page(request, "problems.html", actor, rows=rows, total=total, ACTION_NAMES=ACTION_NAMES,
                today=today_local(), ok=q.get("ok"), err=q.get("err"), site=site or "",
                sites=await sites.readable_by(db, actor))


@post("/app/meetings")
async def call_meeting(data: Form, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.LEADER, Role.ADMIN)
    project = data.get("project_id", "")
    back = f"/app/projects/{project}/coordination" if project.isdigit() and int(project) <= MAX_ID else "/app/problems"
    planned_on = _day(data.get("planned_on"))
    if planned_on is None or not project.isdigit() or int(project) > MAX_ID:
        return see_other(f"{back}?err={quote('请填写会议日期')}#call-meeting")
    try:
        meeting = await meetings.call(db, actor, title=data.get("title", "")[:200], planned_on=planned_on,
                                      project_ids=[int(project)], today=today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}?err={quote(zh(error.detail))}#call-meeting")
    return see_other(f"{back}?ok={quote('已召集协调会：' + meeting.title)}#meeting-{meeting.id}")


@post("/app/meetings/{meeting_id:int}/minutes")
async def record_minutes(meeting_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Redirect:
    """One decision at a time from the page: the attendees (one a line) and a decision for one department."""
    actor.require(Role.LEADER, Role.ADMIN)
    project = data.get("project_id", "")
    back = f"/app/projects/{project}/coordination" if project.isdigit() and int(project) <= MAX_ID else "/app/problems"
    held_on, due_on = _day(data.get("held_on")), _day(data.get("due_on"))
    if held_on is None or due_on is None:
        return see_other(f"{back}?err={quote('请填写召开日期和完成期限')}#meeting-{meeting_id}")
    try:
        await meetings.record_minutes(
            db, actor, meeting_id, held_on=held_on, attendees=data.get("attendees", "")[:4000].splitlines(),
            decisions=[meetings.Decision(data.get("text", "")[:4000], data.get("department_code", "")[:32], due_on)],
            today=today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}?err={quote(zh(error.detail))}#meeting-{meeting_id}")
    return see_other(f"{back}?ok={quote('已记录会议纪要，议定事项已列入问题清单')}#meeting-{meeting_id}")


@post("/app/meetings/{meeting_id:int}/acknowledge")
async def acknowledge_meeting(meeting_id: FromPath[int], actor: NamedDependency[Actor],
                              db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.DEPARTMENT)
    try:
        await meetings.acknowledge(db, actor, meeting_id)
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"/app/problems?err={quote(zh(error.detail))}")
    return see_other(f"/app/problems?ok={quote('已签收会议纪要')}")


HANDLERS: list[Any] = [coordination_page, log_problem, problem_action, problem_list, call_meeting, record_minutes,
                       acknowledge_meeting, problem_supervision_notice]

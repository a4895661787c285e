"""The project page: plan/timeline, approvals, papers, bundles, events; and its forms (generate, send, green)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
import storage
from agency.access import Actor, Role
from agency.approvals.rules import STATUS_NAMES
from agency.bundles import service as bundles
from agency.catalog import service as catalog
from agency.coordination import meetings
from agency.documents import service as docs
from agency.documents import verify
from agency.documents.controllers import papers_of
from agency.documents.rules import rule_of
from agency.dossiers import identity, mandate
from agency.dossiers import service as projects
from agency.errors import AgencyError, NotFound, ServiceUnavailable
from agency.files import service as files
from agency.obligations import service as obligations
from agency.timeutil import today_local
from agency.web.forms import form_id, form_ids
from agency.web.pages_project_edit import edit_context
from agency.web.pages_sites import site_section
from agency.web.plan import build_plan
from agency.web.render import page, see_other, zh

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

PROJECT_PAPERS = [(s.code, s.name_zh) for s in paper.REGISTRY.values() if s.scope == "project"]


def project_papers(actor: Actor) -> list[tuple[str, str]]:
    """The dossier's papers this role issues (agency/documents/rules.py): the form offers only those."""
    return [(code, name) for code, name in PROJECT_PAPERS if actor.role in rule_of(code).roles]

APPROVAL_PAPERS = [(s.code, s.name_zh) for s in paper.REGISTRY.values()
                   if s.scope == "approval" and not s.code.startswith("application_form")
                   and rule_of(s.code).roles] + [  # not those issued only with their act (延期告知书 …)
    ("application_form", "申请表")]
PAPER_NAMES = {s.code: s.name_zh for s in paper.REGISTRY.values()}


def _back(project_id: int, key: str, message: str) -> Redirect:
    return see_other(f"/app/projects/{project_id}?{key}={quote(message)}#{'papers' if key else ''}")


@get("/app/projects")
async def project_list() -> Redirect:
    """The list of dossiers is the workbench's (the portal's for an enterprise): an address typed by hand or left
    by a form gets there, not a bare error."""
    return see_other("/app#projects")


@get("/app/projects/{project_id:int}")
async def project_page(request: Request[Any, Any, Any], project_id: FromPath[int], actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Template | Redirect:
    if actor.role is Role.ENTERPRISE:
        return see_other(f"/app/portal/projects/{project_id}")
    today = today_local()
    d = await projects.detail(db, actor, project_id, today)
    events, _ = await projects.events(db, actor, project_id, page=1, page_size=40)
    documents = await docs.list_documents(db, actor, project_id)
    sent, _ = await bundles.search(db, actor, department_code=None, status=None, project_id=project_id, page=1,
                                   page_size=50)
    # The compose form: per department and kind, the approvals that can go out now, and why the others cannot.
    compose: dict[tuple[str, str], dict[str, list[Any]]] = {}
    if actor.role is Role.CLERK:
        for c in await bundles.candidates(db, actor, project_id):
            group = compose.setdefault((c.approval.department_code, c.kind), {"ready": [], "blocked": []})
            group["blocked" if c.problems else "ready"].append(c)
    critical = set(d.forecast.critical_path) if d.forecast else set()
    names = {dep.code: dep.name for dep in await catalog.list_departments(db)}
    owed, _ = await obligations.search(db, actor, project_id=project_id, due_before=None, status=None, today=today)
    return page(request, "project.html", actor, d=d, plan=build_plan(d, today), today=today, events=events,
                site=await site_section(db, actor, d.project),
                obligations=owed, obligation_status=obligations.status_of,
                meetings=await meetings.of_project(db, actor, project_id),
                DEPT_NAMES=names, approval_names={str(a.id): a.name for a in d.approvals},
                documents=documents, bundles=sent, compose=compose, critical=critical,
                offline={dep.code for dep in await catalog.list_departments(db) if dep.mode == 'offline'},
                STATUS_NAMES=STATUS_NAMES, PROJECT_PAPERS=project_papers(actor), APPROVAL_PAPERS=APPROVAL_PAPERS,
                PAPER_NAMES=PAPER_NAMES, SEALING_NAMES=verify.SEALING_ZH, mandate=mandate.state_of(d.project),
                ok=request.query_params.get("ok"),
                err=request.query_params.get("err"), **await edit_context(db, actor, d.approvals))


@post("/app/projects/{project_id:int}/documents")
async def generate(project_id: FromPath[int], data: Form, state: State, actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> Redirect:
    """The same service function as ``POST /api/projects/{id}/documents``: who may issue which paper, on what
    and when is decided there (403 and 404 answer as pages; the rest goes back to the form)."""
    raw = str(data.get("approval_id") or "").strip()
    approval_id = form_id(raw)
    if raw and approval_id is None:
        return _back(project_id, "err", "所选事项无效，请刷新页面后重试。")
    fmt = "pdf" if data.get("format") == "pdf" else "docx"
    try:
        document, _ = await docs.issue(db, actor, papers_of(state), project_id, str(data.get("template", "")),
                                       approval_id, output=fmt, today=today_local())
    except AgencyError as error:
        if error.status_code in (404, 403):
            raise
        await db.rollback()
        return _back(project_id, "err", zh(error.detail))
    target = f"/app/approvals/{approval_id}" if data.get("back") == "approval" and approval_id else \
        f"/app/projects/{project_id}"
    return see_other(f"{target}?ok={quote('已生成文书 ' + document.doc_number)}&doc={document.file_id}")


@post("/app/projects/{project_id:int}/documents/{document_id:int}/revoke")
async def revoke_paper(project_id: FromPath[int], document_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Redirect:
    """The administrator revokes a paper: the same service function as ``POST /api/documents/{id}/revoke``
    (403 for anyone else); from then on /verify/{code} says 已撤销 (the reason stays in the office)."""
    try:
        found = await verify.revoke(db, actor, document_id, str(data.get("reason", "")))
    except AgencyError as error:
        if error.status_code in (404, 403):
            raise
        await db.rollback()
        return _back(project_id, "err", "撤销失败：" + zh(error.detail))
    return _back(project_id, "ok", f"已撤销文书 {found.number}，公开核验页面将显示“已撤销”（原因仅内部留存）。")


@post("/app/projects/{project_id:int}/bundles")
async def send_bundle(request: Request[Any, Any, Any], project_id: FromPath[int], state: State,
                      actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Redirect:
    form = await request.form()
    ids = form_ids(form.getall("approval_ids", []))
    if ids is None:
        return _back(project_id, "err", "报送失败：所选事项无效，请刷新页面后重试。")
    try:
        bundle = await bundles.create(db, actor, papers_of(state), project_id, ids, today_local())
    except AgencyError as error:
        if error.status_code == 404:
            raise
        await db.rollback()
        return _back(project_id, "err", "报送失败：" + zh(error.detail))
    return _back(project_id, "ok", f"已报送批次 {bundle.code}，材料移交清单已生成")


@post("/app/projects/{project_id:int}/green-channel")
async def green_channel(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> Redirect:
    reason = str(data.get("reason", "")).strip()
    if len(reason) < 4:
        return _back(project_id, "err", "申请绿色通道须填写理由（至少 4 个字）")
    try:
        await projects.request_green_channel(db, actor, project_id, reason)
    except AgencyError as error:
        if error.status_code == 404:
            raise
        await db.rollback()
        return _back(project_id, "err", zh(error.detail))
    return _back(project_id, "ok", "已提交绿色通道申请，等待领导审批")


@post("/app/projects/{project_id:int}/investment-code")
async def investment_code_form(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                               db: NamedDependency[AsyncSession]) -> Redirect:
    """The clerk enters the platform's project code: the same service function as PATCH /api/projects/{id}."""
    try:
        project = await identity.set_investment_code(db, actor, project_id, str(data.get("investment_code", "")))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(project_id, "err", zh(error.detail))
    return _back(project_id, "ok", f"项目代码：{project.investment_code or '已清除'}")


@post("/app/projects/{project_id:int}/mandate")
async def mandate_form(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Redirect:
    """The enterprise pauses or renews the agency service: the same service function as the API."""
    action = data.get("action", "")
    if action not in ("pause", "resume"):
        return _back(project_id, "err", "请选择中止或续办")
    try:
        project = await mandate.change(db, actor, project_id, action,
                                       str(data.get("reason", "")), today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(project_id, "err", zh(error.detail))
    return _back(project_id, "ok", f"代办状态：{mandate.state_of(project)['status_name']}")


@get("/app/files/{file_id:int}")
async def download(file_id: FromPath[int], state: State, actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> Stream:
    """The same access check and download record as the API; always streamed through the app."""
    row = await files.visible_file(db, actor, file_id)
    await files.record_download(db, actor, row)
    store: storage.BlobStore = state.blob_store
    try:
        reader = await store.open(row.storage_key)
    except storage.ObjectNotFound:
        raise NotFound("file object missing") from None
    except storage.StorageUnavailable as error:
        raise ServiceUnavailable(f"文件存储暂时不可用：{error}") from None
    inline = row.content_type in ("application/pdf", "image/jpeg", "image/png")
    disposition = storage.content_disposition(row.original_name, "inline" if inline else "attachment")
    return Stream(reader, media_type=row.content_type, headers={
        "Content-Disposition": disposition, "Content-Length": str(row.size), "Cache-Control": "private, no-store"})


HANDLERS: list[Any] = [project_list, project_page, generate, revoke_paper, send_bundle, green_channel, mandate_form,
                       investment_code_form, download]

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
from agency.documents import service as docs
from agency.documents.controllers import papers_of
from agency.errors import AgencyError, NotFound, ServiceUnavailable
from agency.files import service as files
from agency.projects import service as projects
from agency.timeutil import today_local
from agency.web.plan import build_plan
from agency.web.render import page, see_other, zh

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

PROJECT_PAPERS = [(s.code, s.name_zh) for s in paper.REGISTRY.values() if s.scope == "project"]
APPROVAL_PAPERS = [(s.code, s.name_zh) for s in paper.REGISTRY.values()
                   if s.scope == "approval" and not s.code.startswith("application_form")] + [
    ("application_form", "申请表")]
PAPER_NAMES = {s.code: s.name_zh for s in paper.REGISTRY.values()}


def _back(project_id: int, key: str, message: str) -> Redirect:
    return see_other(f"/app/projects/{project_id}?{key}={quote(message)}#{'papers' if key else ''}")


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
    ready = [a for a in d.approvals if a.status == "preparing"]
    by_department: dict[str, list[Any]] = {}
    for a in ready:
        by_department.setdefault(a.department_code, []).append(a)
    critical = set(d.forecast.critical_path) if d.forecast else set()
    names = {dep.code: dep.name for dep in await catalog.list_departments(db)}
    return page(request, "project.html", actor, d=d, plan=build_plan(d, today), today=today, events=events,
                DEPT_NAMES=names, approval_names={str(a.id): a.name for a in d.approvals},
                documents=documents, bundles=sent, by_department=by_department, critical=critical,
                STATUS_NAMES=STATUS_NAMES, PROJECT_PAPERS=PROJECT_PAPERS, APPROVAL_PAPERS=APPROVAL_PAPERS,
                PAPER_NAMES=PAPER_NAMES, ok=request.query_params.get("ok"), err=request.query_params.get("err"))


@post("/app/projects/{project_id:int}/documents")
async def generate(project_id: FromPath[int], data: Form, state: State, actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> Redirect:
    approval_id = int(data["approval_id"]) if str(data.get("approval_id") or "").isdigit() else None
    fmt = "pdf" if data.get("format") == "pdf" else "docx"
    try:
        project, approval = await docs.project_for(db, actor, project_id, approval_id)
        document = await docs.generate(db, actor, papers_of(state), project, str(data.get("template", "")),
                                       approval=approval, output=fmt, today=today_local())
    except AgencyError as error:
        if error.status_code in (404, 403):
            raise
        await db.rollback()
        return _back(project_id, "err", zh(error.detail))
    target = f"/app/approvals/{approval_id}" if data.get("back") == "approval" and approval_id else \
        f"/app/projects/{project_id}"
    return see_other(f"{target}?ok={quote('已生成文书 ' + document.doc_number)}&doc={document.file_id}")


@post("/app/projects/{project_id:int}/bundles")
async def send_bundle(request: Request[Any, Any, Any], project_id: FromPath[int], state: State,
                      actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Redirect:
    form = await request.form()
    ids = [int(v) for v in form.getall("approval_ids", []) if str(v).isdigit()]
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


HANDLERS: list[Any] = [project_page, generate, send_bundle, green_channel, download]

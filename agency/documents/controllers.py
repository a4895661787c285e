from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
import storage
from agency.access import Actor, Role, require_roles
from agency.documents import office_issue, service
from agency.documents.pdf_copies import pdf_copy
from agency.documents.service import MAX_TEMPLATE_BYTES, Papers
from agency.errors import Invalid, TooLarge
from agency.files.models import StoredFile
from agency.schemas import Id, RequestBody, ResponseBody
from agency.timeutil import today_local


class GenerateIn(RequestBody):
    template: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    approval_id: Id | None = None
    # A 督办通知单 on a coordination problem instead of an approval (leader, administrator).
    problem_id: Id | None = None
    format: Literal["docx", "pdf"] = "docx"


class DocumentOut(ResponseBody):
    id: int
    template: str
    template_version: int
    doc_number: str
    approval_id: int | None
    file_id: int
    filename: str
    format: str
    size: int
    sha256: str
    created_at: datetime
    verification_code: str | None
    status: str  # pending → ready once a PDF is sealed (failed: retried)


class TemplateOut(ResponseBody):
    code: str
    name: str
    scope: str
    version: int


def papers_of(state: State, request: Request[Any, Any, Any] | None = None) -> Papers:
    """What generating needs; ``request`` gives the address of the verification link when AGENCY_PUBLIC_URL
    is not set."""
    queue = getattr(state, "queue", None)
    base_url = str(request.base_url).rstrip("/") if request is not None else None
    services = getattr(getattr(state, "jobs", None), "services", {})
    return Papers(state.blob_store, state.settings, renderer=queue if hasattr(queue, "render") else None,
                  base_url=base_url, seal=services.get("seal"))


class DocumentController(Controller):
    tags = ["文书 documents"]

    @get("/api/document-templates")
    async def templates(self, db: NamedDependency[AsyncSession]) -> list[TemplateOut]:
        """The papers Agency fills in, and ``application_form`` (each item's 申请表, scope approval)."""
        versions = await service.template_versions(db)
        out = [TemplateOut(code=s.code, name=s.name_zh, scope=s.scope, version=versions.get(s.code, 0))
               for s in paper.REGISTRY.values() if not s.code.startswith("application_form")]
        out.append(TemplateOut(code="application_form", name="申请表（按事项）", scope="approval",
                               version=max((v for c, v in versions.items() if c.startswith("application_form")),
                                           default=0)))
        return out

    @put("/api/document-templates/{code:str}", guards=[require_roles(Role.ADMIN)], request_max_body_size=None)
    async def upload_template(self, code: FromPath[str], request: Request[Any, Any, Any], state: State,
                              actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> TemplateOut:
        """Body: the .docx. It is linted (undeclared variables, broken tags) before it is accepted."""
        return await self._upload(code, request, state, actor, db)

    @put("/api/document-templates/application_form/{item_code:str}", guards=[require_roles(Role.ADMIN)],
         request_max_body_size=None)
    async def upload_form(self, item_code: FromPath[str], request: Request[Any, Any, Any], state: State,
                          actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> TemplateOut:
        return await self._upload(paper.application_form_code(item_code), request, state, actor, db)

    async def _upload(self, code: str, request: Request[Any, Any, Any], state: State, actor: Actor,
                      db: AsyncSession) -> TemplateOut:
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_TEMPLATE_BYTES:
                raise TooLarge("模板文件超过 5 MB（template too large）", field="template")
        row = await service.upload_template(db, actor, papers_of(state), code, data)
        spec = paper.get_spec(code)
        return TemplateOut(code=code, name=spec.name_zh, scope=spec.scope, version=row.version)

    @post("/api/projects/{project_id:int}/documents", status_code=201,
          guards=[require_roles(Role.CLERK, Role.ADMIN, Role.DEPARTMENT, Role.LEADER)])
    async def generate(self, project_id: FromPath[int], data: JSONBody[GenerateIn], state: State,
                       request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> DocumentOut:
        """Fill a paper from the dossier and keep it as a file of the dossier (docx, or pdf via LibreOffice).

        Who may issue which paper, on what and when: agency/documents/rules.py (403 for a paper the role does
        not issue, 404 for an approval it may not see, 409 for a state the paper is not issued in)."""
        papers = papers_of(state, request)
        if data.problem_id is not None:
            if data.approval_id is not None:
                raise Invalid("approval_id 与 problem_id 只能指定一个（give one of them）", field="problem_id")
            document = await office_issue.issue_on_problem(db, actor, papers, project_id, data.template,
                                                           data.problem_id, output=data.format, today=today_local())
            return _out(document, await db.get_one(StoredFile, document.file_id))
        document, stored = await service.issue(db, actor, papers, project_id, data.template, data.approval_id,
                                               output=data.format, today=today_local())
        return _out(document, stored)

    @get("/api/documents/{document_id:int}/pdf", media_type="application/pdf")
    async def pdf(self, document_id: FromPath[int], state: State, request: Request[Any, Any, Any],
                  actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Response[bytes]:
        """The paper as its sealed PDF: a PDF paper's own file, or a DOCX paper's sealed copy (made, sealed and
        kept the first time it is asked for; 503 if the seal cannot be made). The file's access rule (404)."""
        data, filename = await pdf_copy(db, actor, papers_of(state, request), document_id)
        return Response(data, media_type="application/pdf", headers={
            "Content-Disposition": storage.content_disposition(filename, "attachment"),
            "Cache-Control": "private, no-store"})

    @get("/api/projects/{project_id:int}/documents")
    async def list_documents(self, project_id: FromPath[int], actor: NamedDependency[Actor],
                             db: NamedDependency[AsyncSession]) -> list[DocumentOut]:
        return [_out(d, f) for d, f in await service.list_documents(db, actor, project_id)]


def _out(document: Any, stored: Any) -> DocumentOut:
    return DocumentOut(id=document.id, template=document.template_code, template_version=document.template_version,
                       doc_number=document.doc_number, approval_id=document.approval_id, file_id=stored.id,
                       filename=stored.original_name, format=document.format, size=stored.size, sha256=stored.sha256,
                       created_at=document.created_at, verification_code=document.verification_code,
                       status=document.status)

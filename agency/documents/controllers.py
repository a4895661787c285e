from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
from agency.access import Actor, Role
from agency.accounts.auth import require_roles
from agency.documents import service
from agency.documents.service import MAX_TEMPLATE_BYTES, Papers
from agency.errors import TooLarge
from agency.schemas import RequestBody, ResponseBody
from agency.timeutil import today_local


class GenerateIn(RequestBody):
    template: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    approval_id: int | None = None
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


class TemplateOut(ResponseBody):
    code: str
    name: str
    scope: str
    version: int


def papers_of(state: State) -> Papers:
    queue = getattr(state, "queue", None)
    return Papers(state.blob_store, state.settings, renderer=queue if hasattr(queue, "render") else None)


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
                       actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> DocumentOut:
        """Fill a paper from the dossier and keep it as a file of the dossier (docx, or pdf via LibreOffice)."""
        project, approval = await service.project_for(db, actor, project_id, data.approval_id)
        document = await service.generate(db, actor, papers_of(state), project, data.template, approval=approval,
                                          output=data.format, today=today_local())
        rows = await service.list_documents(db, actor, project_id)
        stored = next(f for d, f in rows if d.id == document.id)
        return _out(document, stored)

    @get("/api/projects/{project_id:int}/documents")
    async def list_documents(self, project_id: FromPath[int], actor: NamedDependency[Actor],
                             db: NamedDependency[AsyncSession]) -> list[DocumentOut]:
        return [_out(d, f) for d, f in await service.list_documents(db, actor, project_id)]


def _out(document: Any, stored: Any) -> DocumentOut:
    return DocumentOut(id=document.id, template=document.template_code, template_version=document.template_version,
                       doc_number=document.doc_number, approval_id=document.approval_id, file_id=stored.id,
                       filename=stored.original_name, format=document.format, size=stored.size, sha256=stored.sha256,
                       created_at=document.created_at)

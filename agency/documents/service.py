"""Generating papers: fill a template from the dossier, store the result as a file of the dossier.

Rendering and PDF conversion run in worker threads (never on the event loop), PDF at most two at a
time. The stored object is removed again if the transaction that records it rolls back.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import msgspec
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
import storage
from agency import timeutil
from agency.access import ROLE_NAMES_ZH, Actor, Role, get_visible
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.approvals.rules import STATUS_NAMES
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.db.sequences import next_value_at_once
from agency.db.session import on_rollback
from agency.documents import contexts, sealing
from agency.documents.models import Document, DocumentRecipient, DocumentTemplate
from agency.documents.rules import file_name_part, issued_to_enterprise, rule_of
from agency.documents.sealing import SEAL as SEAL_JOB
from agency.documents.sealing import Issuer, SealKeeper
from agency.errors import Conflict, Forbidden, Invalid, NotFound, ServiceUnavailable
from agency.files.integrity import written_now
from agency.files.models import StoredFile
from agency.jobs import service as jobs
from agency.projects.handover import require_holder
from agency.projects.models import Project
from agency.settings import Settings
from documents import verification

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
APPLICATION_MATERIAL = "sqb"  # the catalog's code for an item's 申请表
_pdf_slots = asyncio.Semaphore(2)  # LibreOffice: two conversions at once are as fast as four


class Renderer(Protocol):
    """Where rendering runs: in the arq worker when there is one (agency.queue), else in a thread here."""

    async def render(self, code: str, template: bytes, context: msgspec.Struct, output: str) -> bytes: ...


async def render_here(template: bytes, context: msgspec.Struct, output: str) -> bytes:
    """Fill the template (and convert to PDF) in worker threads: never on the event loop."""
    try:
        data = await asyncio.to_thread(paper.render, template, context)
    except paper.RenderError as error:
        raise Invalid(f"文书模板渲染失败：{error}（render failed）", field="template") from None
    return await _pdf(data) if output == "pdf" else data


@dataclass(slots=True)
class Papers:
    """What generating a paper needs from the running app."""

    store: storage.BlobStore
    settings: Settings
    renderer: Renderer | None = None
    # Where the request came in, for the verification link when AGENCY_PUBLIC_URL is not set.
    base_url: str | None = None
    # The seal's key: a PDF is not made when it cannot be loaded (the job seals it after the commit).
    seal: SealKeeper | None = None

    @property
    def public_url(self) -> str:
        return self.settings.public_url or self.base_url or "http://127.0.0.1:8000"


def template_code_for(template: str, approval: Approval | None) -> str:
    if template == "application_form":
        if approval is None:
            raise Invalid("生成申请表须指定事项（approval_id is required）", field="approval_id")
        code = paper.application_form_code(approval.item_code)
        if code not in paper.REGISTRY:
            raise Invalid(f"事项“{approval.name}”没有申请表模板（no application form for this item）",
                          field="approval_id")
        return code
    if template not in paper.REGISTRY or template.startswith("application_form"):
        raise Invalid(f"未知的文书模板 {template}（unknown template）", field="template")
    return template


async def template_bytes(session: AsyncSession, papers: Papers, code: str) -> tuple[bytes, int]:
    """The newest version an admin uploaded, else the built-in template (version 0)."""
    row = (await session.execute(select(DocumentTemplate).where(DocumentTemplate.code == code)
                                 .order_by(DocumentTemplate.version.desc()).limit(1))).scalar_one_or_none()
    if row is None:
        return paper.builtin_template_bytes(code), 0
    name = paper.get_spec(code).name_zh
    try:
        chunks = [chunk async for chunk in await papers.store.open(row.storage_key)]
    except storage.ObjectNotFound:
        # Not the caller's fault, and nothing he can fix: the administrator must upload the template again.
        raise ServiceUnavailable(
            f"文书模板“{name}”（{code}）第 {row.version} 版的文件在存储中缺失，暂时无法生成该文书；"
            f"请管理员重新上传该模板并运行 agency storage check（template object {row.storage_key} missing）",
            extra={"template": code, "version": row.version}) from None
    except storage.StorageUnavailable as error:
        raise ServiceUnavailable(f"文件存储暂时不可用，文书“{name}”未生成（storage unavailable: {error}）") from None
    return b"".join(chunks), row.version


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def store_bytes(session: AsyncSession, papers: Papers, data: bytes) -> storage.StoredBlob:
    try:
        blob = await papers.store.put(_one(data), max_size=max(len(data), 1), metadata=written_now())
    except storage.StorageUnavailable as error:
        raise ServiceUnavailable(f"文件存储暂时不可用，文书未生成（storage unavailable: {error}）") from None
    on_rollback(session, lambda: papers.store.delete(blob.key))
    return blob


async def issue(session: AsyncSession, actor: Actor, papers: Papers, project_id: int, template: str,
                approval_id: int | None, *, output: str, today: date) -> tuple[Document, StoredFile]:
    """A paper asked for by a person (the API and the project page both come here): who may issue it
    (agency/documents/rules.py), on a dossier and an approval he may see, in a state it may be issued in.
    Its content is what he may see of the dossier. A PDF is sealed before it is stored (a 503 if it cannot
    be)."""
    if template != "application_form" and (template not in paper.REGISTRY or template.startswith("application_form")):
        raise Invalid(f"未知的文书模板 {template}（unknown template）", field="template")
    rule = rule_of(template)
    name = "申请表" if template == "application_form" else paper.get_spec(template).name_zh
    if actor.role not in rule.roles:
        raise Forbidden(f"{ROLE_NAMES_ZH[actor.role]}不能生成“{name}”（role {actor.role} may not issue {template}）")
    project = await get_visible(session, Project, project_id, actor, what="项目")
    await require_holder(session, actor, project)  # a site that handed the dossier away only reads it
    approval = None
    if approval_id is not None:
        if rule.approval == "none":
            raise Invalid(f"“{name}”针对整个项目，不指定事项（{template} takes no approval_id）", field="approval_id")
        approval = await get_visible(session, Approval, approval_id, actor, what="事项")
        if approval.project_id != project.id:
            raise Invalid("该事项不属于此项目（approval not in this project）", field="approval_id")
    elif rule.approval == "required":
        raise Invalid(f"生成“{name}”须指定事项（approval_id is required）", field="approval_id")
    if approval is not None and rule.states is not None and approval.status not in rule.states:
        raise Conflict(f"事项当前状态为“{STATUS_NAMES[approval.status]}”，不能出具“{name}”"
                       f"（{template} not issued in state {approval.status}）", field="approval_id")
    document = await generate(session, actor, papers, project, template, approval=approval, output=output,
                              today=today, by_department=actor.role is Role.DEPARTMENT, seal_now=True)
    return document, await session.get_one(StoredFile, document.file_id)


async def generate(session: AsyncSession, actor: Actor, papers: Papers, project: Project, template: str, *,
                   approval: Approval | None, output: str, today: date, by_department: bool = False,
                   facts: dict[str, Any] | None = None, seal_now: bool = False) -> Document:
    """Fill and keep a paper; the caller has decided that ``actor`` may issue it (``issue`` for a person's
    request, the flow's jobs for the papers an act calls for). ``by_department``: the approval's department
    issues it (its act, or its officer's request), so it carries that department's number series and its
    name as issuer (and its seal where it has one). ``seal_now``: a PDF is sealed before it is stored,
    else by a job after the commit."""
    code = template_code_for(template, approval)
    dossier = await contexts.load_dossier(session, project, today, actor)
    issuer = await session.get_one(Department, approval.department_code) if by_department and approval else None
    doc_number = await next_doc_number(session, today, issuer)
    context = await contexts.build(session, code, dossier, approval, papers.settings, doc_number, facts)
    if isinstance(context, paper.ApplicationFormContext):
        missing = paper.missing_fields(context)
        if missing:
            raise Invalid(f"申请表所需信息尚未填写：{'、'.join(missing)}（missing project facts）",
                          extra=[{"field": "facts", "missing": missing, "message": "missing project facts"}])
    return await render_and_store(session, actor, papers, project, approval, code, context, doc_number, output,
                                  issuer=Issuer(issuer.name, issuer.code) if issuer else None, seal_now=seal_now)


async def render_and_store(session: AsyncSession, actor: Actor, papers: Papers, project: Project | None,
                           approval: Approval | None, code: str, context: msgspec.Struct, doc_number: str,
                           output: str = "docx", *, name_suffix: str = "", issuer: Issuer | None = None,
                           seal_now: bool = False) -> Document:
    issuer = issuer or Issuer(papers.settings.center_name)
    keeper = papers.seal
    if output == "pdf" and keeper is not None:
        await sealing.seal_available(keeper, issuer)
    code_to_verify = verification.new_code()
    docx, version = await render_paper(session, papers, code, context, "docx")
    docx = await asyncio.to_thread(verification.add_mark, docx, code_to_verify,
                                   verification.verify_url(papers.public_url, code_to_verify), pdf=output == "pdf",
                                   issuer=issuer.name, sealed_by=keeper.seal_owner(issuer) if keeper else "")
    data = await _pdf(docx) if output == "pdf" else docx
    certificate = None
    if output == "pdf" and seal_now and keeper is not None:
        data, certificate = await sealing.sealed_now(keeper, data, issuer, doc_number)
    blob = await store_bytes(session, papers, data)
    spec = paper.get_spec(code)
    # Named as users name things: the item's name (建设项目用地预审与选址意见书), not its code (xmba).
    suffix = name_suffix or (f"-{file_name_part(approval.name)}" if approval else "")
    filename = f"{spec.name_zh}{f'-{project.code}' if project else ''}{suffix}.{output}"  # none: the center's
    file_row = await _file_row(session, actor, project, approval, code, blob, filename, output)
    document = Document(project_id=project.id if project else None, approval_id=approval.id if approval else None,
                        template_code=code,
                        template_version=version, doc_number=doc_number, format=output,
                        context=msgspec.to_builtins(context), file_id=file_row.id, created_by=actor.user_id,
                        created_at=timeutil.now(), verification_code=code_to_verify, issuer=issuer.name,
                        sha256_docx=blob.sha256 if output == "docx" else None,
                        sha256_pdf=blob.sha256 if certificate else None, seal_certificate=certificate,
                        status="pending" if output == "pdf" and certificate is None else "ready")
    session.add(document)
    await session.flush()
    if output == "pdf" and certificate is None:  # sealed after the commit, by a job: pending until then
        await jobs.enqueue(session, SEAL_JOB, {"document_id": document.id, "issuer_code": issuer.department_code},
                           actor=actor)
    await audit.record(session, actor, "document.generate", "document", document.id,
                       project_id=project.id if project else None,
                       after={"template": code, "version": version, "doc_number": doc_number, "file_id": file_row.id,
                              "approval_id": document.approval_id, "format": output})
    return document


async def render_paper(session: AsyncSession, papers: Papers, code: str, context: msgspec.Struct,
                       output: str = "docx") -> tuple[bytes, int]:
    """The paper's bytes from the current template, and that template's version; nothing is kept."""
    source, version = await template_bytes(session, papers, code)
    if papers.renderer is not None:
        return await papers.renderer.render(code, source, context, output), version
    return await render_here(source, context, output), version


async def next_doc_number(session: AsyncSession, today: date, issuer: Department | None = None) -> str:
    """A paper's number in its issuer's series: the agency office's 代办〔2026〕7号, or a department's own,
    e.g. 嵩发改告〔2026〕3号 (``departments.doc_prefix``; without one, its name and 告), each counted per year."""
    if issuer is None:
        return f"代办〔{today.year}〕{await next_value_at_once(session, f'document:{today.year}')}号"
    prefix = issuer.doc_prefix or f"{issuer.name}告"
    return f"{prefix}〔{today.year}〕{await next_value_at_once(session, f'document:{issuer.code}:{today.year}')}号"


async def pdf_of(docx: bytes) -> bytes:
    """A DOCX as PDF through the papers' LibreOffice path (two conversions at once); 503 when it cannot."""
    return await _pdf(docx)


async def _pdf(docx: bytes) -> bytes:
    async with _pdf_slots:
        try:
            return await asyncio.to_thread(paper.to_pdf, docx)
        except paper.PdfUnavailable as error:
            raise ServiceUnavailable(f"无法生成 PDF：{error}") from None
        except paper.PdfError as error:
            raise ServiceUnavailable(f"PDF 转换失败：{error}") from None


async def _file_row(session: AsyncSession, actor: Actor, project: Project | None, approval: Approval | None, code: str,
                    blob: storage.StoredBlob, filename: str, output: str) -> StoredFile:
    # A generated application form is a scan-equivalent of that approval's 申请表 material.
    material = APPLICATION_MATERIAL if code.startswith("application_form") and approval else None
    version = 1
    if material and approval:
        version += (await session.execute(select(func.coalesce(func.max(StoredFile.version), 0)).where(
            StoredFile.approval_id == approval.id, StoredFile.material_code == material))).scalar_one()
    row = StoredFile(storage_key=blob.key, project_id=project.id if project else None,
                     approval_id=approval.id if approval else None,
                     material_code=material, version=version, kind="document", original_name=filename,
                     size=blob.size, sha256=blob.sha256, content_type=PDF if output == "pdf" else DOCX,
                     uploaded_by=actor.user_id, uploaded_at=timeutil.now())
    session.add(row)
    await session.flush()
    return row


async def generate_for_action(session: AsyncSession, actor: Actor, papers: Papers, project: Project,
                              approval: Approval, template: str, today: date,
                              facts: dict[str, Any] | None = None) -> Document:
    """A paper the flow itself calls for (agency/approvals/notices.py says which): the department's act, or
    recorded for it, so the paper is the department's, in its number series, issued to the enterprise. It is
    rendered by a job after the act committed; as a PDF (``AGENCY_ACT_PAPERS=pdf``) it is sealed by another
    job, and a seal that fails leaves a ``failed`` paper that is retried, never the act undone."""
    return await generate(session, actor, papers, project, template, approval=approval,
                          output=papers.settings.act_papers, today=today, by_department=True, facts=facts)


async def list_documents(session: AsyncSession, actor: Actor, project_id: int) -> list[tuple[Document, StoredFile]]:
    """The papers of a dossier the actor may read: a department those of its own approvals and those sent to it
    (minutes naming it, a supervised problem of its own), an enterprise
    those issued to it (not the internal 督办通知单 and 材料移交清单: agency/documents/rules.py)."""
    project = await get_visible(session, Project, project_id, actor, what="项目")
    query = (select(Document, StoredFile).join(StoredFile, StoredFile.id == Document.file_id)
             .where(Document.project_id == project.id).order_by(Document.id.desc()))
    if actor.role is Role.DEPARTMENT:
        own = select(Approval.id).where(Approval.department_code == actor.department_code)
        sent = select(DocumentRecipient.document_id).where(DocumentRecipient.department_code == actor.department_code)
        query = query.where(or_(Document.approval_id.in_(own), Document.id.in_(sent)))
    elif actor.role is Role.ENTERPRISE:
        query = query.where(issued_to_enterprise(Document.template_code))
    return [(d, f) for d, f in (await session.execute(query)).all()]


async def upload_template(session: AsyncSession, actor: Actor, papers: Papers, code: str,
                          data: bytes) -> DocumentTemplate:
    """A new version of a template, accepted only if lint finds nothing; older papers keep theirs."""
    actor.require(Role.ADMIN)
    try:
        spec = paper.get_spec(code)
    except KeyError:
        raise NotFound(f"没有模板 {code}（unknown template）") from None
    problems = await asyncio.to_thread(paper.lint, data, spec.context_type)
    if problems:
        raise Invalid(f"模板有 {len(problems)} 处问题，未采用；第一处：{problems[0].message}",
                      extra=[{"field": "template", "kind": p.kind, "message": p.message, "where": p.where,
                              "variable": p.variable} for p in problems])
    blob = await store_bytes(session, papers, data)
    version = 1 + (await session.execute(select(func.coalesce(func.max(DocumentTemplate.version), 0)).where(
        DocumentTemplate.code == code))).scalar_one()
    row = DocumentTemplate(code=code, version=version, storage_key=blob.key, sha256=blob.sha256, size=blob.size,
                           uploaded_by=actor.user_id, uploaded_at=timeutil.now())
    session.add(row)
    await session.flush()
    await audit.record(session, actor, "template.upload", "document_template", row.id,
                       after={"code": code, "version": version, "sha256": hashlib.sha256(data).hexdigest()})
    return row


async def template_versions(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(DocumentTemplate.code, func.max(DocumentTemplate.version))
                                 .group_by(DocumentTemplate.code))
    return {code: version for code, version in rows.all()}


class TemplateVersion(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a template as the administrator sees it; version 0 is the built-in one."""

    code: str
    version: int
    size: int
    sha256: str
    uploaded_by: str = ""
    uploaded_at: datetime | None = None
    current: bool = False


async def template_history(session: AsyncSession, actor: Actor) -> dict[str, list[TemplateVersion]]:
    """Every version of every template, newest first (one query); each upload passed lint to be accepted."""
    actor.require(Role.ADMIN)
    rows = (await session.execute(
        select(DocumentTemplate, User.display_name).outerjoin(User, User.id == DocumentTemplate.uploaded_by)
        .order_by(DocumentTemplate.code, DocumentTemplate.version.desc()))).all()
    history: dict[str, list[TemplateVersion]] = {}
    for row, name in rows:
        versions = history.setdefault(row.code, [])
        versions.append(TemplateVersion(code=row.code, version=row.version, size=row.size, sha256=row.sha256,
                                        uploaded_by=name or "", uploaded_at=row.uploaded_at, current=not versions))
    for code in paper.REGISTRY:
        data = paper.builtin_template_bytes(code)
        versions = history.setdefault(code, [])
        versions.append(TemplateVersion(code=code, version=0, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                        current=not versions))
    return history


async def template_version_file(session: AsyncSession, actor: Actor, papers: Papers, code: str,
                                version: int) -> tuple[AsyncIterator[bytes], int, str]:
    """The .docx of one version (0: the built-in one) for the administrator: chunks, size, file name."""
    actor.require(Role.ADMIN)
    try:
        spec = paper.get_spec(code)
    except KeyError:
        raise NotFound(f"没有模板 {code}（unknown template）") from None
    filename = f"{spec.name_zh}-第{version}版.docx" if version else f"{spec.name_zh}-内置版本.docx"
    if version == 0:
        data = paper.builtin_template_bytes(code)
        return _one(data), len(data), filename
    row = (await session.execute(select(DocumentTemplate).where(
        DocumentTemplate.code == code, DocumentTemplate.version == version))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"模板 {code} 没有第 {version} 版（no such version）")
    try:
        return await papers.store.open(row.storage_key), row.size, filename
    except storage.ObjectNotFound:
        raise NotFound("模板文件已不在存储中（template object missing）") from None
    except storage.StorageUnavailable as error:
        raise ServiceUnavailable(f"文件存储暂时不可用：{error}") from None

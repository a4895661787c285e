"""A paper as PDF for whoever may read it (the enterprise reads its papers on a phone, where a DOCX does not
open; a bank wants the sealed copy). A paper issued as PDF is its sealed file. One issued as DOCX (an act's
paper, by default) gets its PDF the first time someone asks for it: converted through the same LibreOffice path
and sealed by the same signer as a PDF paper asked for, before anything is served or stored; then kept
(``documents.pdf_file_id``) with its digest as the paper's ``sha256_pdf``, so that /verify checks it and every
later request serves the same file. A seal that cannot be made is a 503 and nothing is kept."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency import timeutil
from agency.access import Actor, not_visible
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.documents import sealing
from agency.documents.models import Document
from agency.documents.sealing import Issuer
from agency.documents.service import PDF, Papers, pdf_of, store_bytes
from agency.errors import Conflict, NotFound, ServiceUnavailable
from agency.files import service as files
from agency.files.models import StoredFile
from documents import verification


async def pdf_copy(session: AsyncSession, actor: Actor, papers: Papers, document_id: int) -> tuple[bytes, str]:
    """The PDF bytes and file name of a paper; 404 for one the actor may not read (the file's own rule: an
    enterprise reads the papers issued to it, not the internal ones)."""
    found = (await session.execute(select(Document.file_id, Document.status).where(Document.id == document_id))).first()
    if found is None:
        raise not_visible("文书")
    row = await files.visible_file(session, actor, found.file_id)
    await files.record_download(session, actor, row)
    stem = row.original_name.rsplit(".", 1)[0] if "." in row.original_name else row.original_name
    if row.content_type == PDF:
        if found.status != "ready":  # an act's PDF paper the seal job has not sealed yet: never served unsealed here
            raise ServiceUnavailable("该文书的 PDF 正在加盖电子印章，请稍后再试（paper not sealed yet）",
                                     headers={"Retry-After": "30"})
        return await stored_bytes(papers.store, row), f"{stem}.pdf"
    # One sealed copy however many ask at once: the second waits for the first's commit, then reads its copy.
    document = (await session.execute(select(Document).where(Document.id == document_id).with_for_update()
                                      .execution_options(populate_existing=True))).scalar_one()
    if document.pdf_file_id is not None:
        return await stored_bytes(papers.store, await session.get_one(StoredFile, document.pdf_file_id)), f"{stem}.pdf"
    if document.revoked_at is not None:  # a revoked paper is not sealed anew: /verify would vouch for the copy
        raise Conflict("该文书已撤销，不再出具加盖电子印章的 PDF 版本（paper revoked）")
    return await _sealed_copy(session, actor, papers, document, row, f"{stem}.pdf"), f"{stem}.pdf"


async def issuer_of(session: AsyncSession, papers: Papers, document: Document) -> Issuer:
    """Who issued the paper, with his department's code where a department did (its own seal, if it has one)."""
    name = document.issuer or papers.settings.center_name
    code = (await session.execute(select(Department.code).where(Department.name == name).limit(1))
            ).scalar_one_or_none()
    return Issuer(name, code)


async def _sealed_copy(session: AsyncSession, actor: Actor, papers: Papers, document: Document, docx_row: StoredFile,
                       filename: str) -> bytes:
    keeper = papers.seal
    if keeper is None:
        raise ServiceUnavailable("电子印章暂不可用，PDF 版本未生成，请稍后重试或下载 Word 版本（no seal keeper）")
    issuer = await issuer_of(session, papers, document)
    await sealing.seal_available(keeper, issuer)
    docx = await stored_bytes(papers.store, docx_row)
    source = await asyncio.to_thread(verification.as_pdf_source, docx, issuer=issuer.name,
                                     sealed_by=keeper.seal_owner(issuer))
    sealed, certificate = await sealing.sealed_now(keeper, await pdf_of(source), issuer, document.doc_number)
    blob = await store_bytes(session, papers, sealed)  # removed again if this transaction rolls back
    copy = StoredFile(storage_key=blob.key, project_id=docx_row.project_id, approval_id=docx_row.approval_id,
                      kind="document", original_name=filename, size=blob.size, sha256=blob.sha256, content_type=PDF,
                      uploaded_by=actor.user_id, uploaded_at=timeutil.now())
    session.add(copy)
    await session.flush()
    document.pdf_file_id, document.sha256_pdf, document.seal_certificate = copy.id, blob.sha256, certificate
    await session.flush()
    await audit.record(session, actor, "document.seal_copy", "document", document.id, project_id=document.project_id,
                       after={"file_id": copy.id, "sha256_pdf": blob.sha256, "issuer": issuer.name})
    return sealed


async def stored_bytes(store: storage.BlobStore, row: StoredFile) -> bytes:
    """A stored paper's bytes; 404 if the object went missing, 503 if storage is down."""
    try:
        reader = await store.open(row.storage_key)
        async with reader:
            return b"".join([chunk async for chunk in reader])
    except storage.ObjectNotFound:
        raise NotFound("文书记录存在但存储中找不到文件，请联系管理员") from None
    except storage.StorageUnavailable as error:
        raise ServiceUnavailable(f"文件存储暂时不可用：{error}") from None

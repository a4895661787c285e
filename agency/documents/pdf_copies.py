"""A paper as PDF for whoever may read it (the enterprise reads its papers on a phone, where a DOCX does not
open): a paper issued as PDF is its sealed file; one issued as DOCX is converted on the way out, through the
same LibreOffice path that makes the PDF papers (not stored, and not sealed: the DOCX stays the paper of
record)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, not_visible
from agency.documents.models import Document
from agency.documents.service import PDF, pdf_of
from agency.errors import NotFound, ServiceUnavailable
from agency.files import service as files


async def pdf_copy(session: AsyncSession, actor: Actor, store: storage.BlobStore, document_id: int
                   ) -> tuple[bytes, str]:
    """The PDF bytes and file name of a paper; 404 for one the actor may not read (the file's own rule: an
    enterprise reads the papers issued to it, not the internal ones)."""
    file_id = (await session.execute(select(Document.file_id).where(Document.id == document_id))).scalar_one_or_none()
    if file_id is None:
        raise not_visible("文书")
    row = await files.visible_file(session, actor, file_id)
    await files.record_download(session, actor, row)
    try:
        reader = await store.open(row.storage_key)
        async with reader:
            data = b"".join([chunk async for chunk in reader])
    except storage.ObjectNotFound:
        raise NotFound("文书记录存在但存储中找不到文件，请联系管理员") from None
    except storage.StorageUnavailable as error:
        raise ServiceUnavailable(f"文件存储暂时不可用：{error}") from None
    stem = row.original_name.rsplit(".", 1)[0] if "." in row.original_name else row.original_name
    return (data if row.content_type == PDF else await pdf_of(data)), f"{stem}.pdf"

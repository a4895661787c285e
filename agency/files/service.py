"""Files in object storage: streamed in (sha256 and type sniffed on the way, refused over the limit or of a
type not accepted), named safely, read after an access check. The object and its row stay consistent:
a row is written only for a stored object, and the object is removed again when the row cannot be
committed (the caller's job, at commit). Which approval a scan belongs to is agency/approvals/materials.py's.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, get_visible
from agency.audit import service as audit
from agency.errors import Invalid, ServiceUnavailable, TooLarge, UnsupportedMediaType
from agency.files.integrity import written_now
from agency.files.models import StoredFile

MIME_OF = {"pdf": storage.PDF, "jpeg": storage.JPEG, "png": storage.PNG, "tiff": storage.TIFF,
           "ofd": storage.OFD, "docx": storage.DOCX}
NAME_OF = {mime: name.upper() for name, mime in MIME_OF.items()}
log = logging.getLogger(__name__)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')




def display_name(raw: str | None, fallback: str) -> str:
    """The client's file name as metadata only: no path, no control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    # Invisible format characters (bidi overrides: "invoice\u202efdp.exe" shows as "invoiceexe.pdf",
    # zero-width spaces) are dropped; line and paragraph separators count as control characters.
    name = "".join("\n" if unicodedata.category(ch) in ("Zl", "Zp") else ch for ch in name
                   if unicodedata.category(ch) not in ("Cf", "Cs"))
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name:
        return fallback
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def fallback_name(material_code: str, content_type: str | None) -> str:
    """The name shown when the client sent none that survives sanitising: the material, the real type."""
    extension = next((name for name, mime in MIME_OF.items() if mime == content_type), "bin")
    return f"{material_code}.{extension}"


async def store_upload(store: storage.BlobStore, chunks: AsyncIterator[bytes], *, limit: int,
                       accepted: set[str]) -> storage.StoredBlob:
    """Streams to storage (sha256 and type sniffed on the way) and maps refusals to HTTP errors."""
    try:
        return await store.put(chunks, max_size=limit, accept=lambda mime: mime in accepted,
                               metadata=written_now())
    except storage.TooLarge:
        raise TooLarge(f"文件超过 {limit // (1024 * 1024)} MB 上限（file too large）", field="file") from None
    except storage.UnsupportedType as error:
        allowed = "、".join(sorted(NAME_OF[m] for m in accepted))
        found = NAME_OF.get(error.content_type or "", "无法识别的格式")
        raise UnsupportedMediaType(f"文件内容为{found}，该材料只接受 {allowed}（type not accepted）",
                                   field="file") from None
    except storage.EmptyBlob:
        raise Invalid("文件为空（empty file）", field="file") from None
    except storage.StorageUnavailable as error:
        raise ServiceUnavailable(f"文件存储暂时不可用，未保存任何内容，请稍后重试（storage unavailable: {error}）"
                                 ) from None


async def discard_upload(store: storage.BlobStore, key: str) -> None:
    """Removes the object of an upload whose row was not written; the row's error is what the client hears."""
    try:
        await store.discard(key)
    except Exception:
        # `agency storage check --repair-orphans` finds it later.
        log.exception("could not remove object %s of a failed upload", key)


async def visible_file(session: AsyncSession, actor: Actor, file_id: int) -> StoredFile:
    return await get_visible(session, StoredFile, file_id, actor, what="文件")


async def record_download(session: AsyncSession, actor: Actor, row: StoredFile) -> None:
    # Scans hold ID cards and licences: who read which file is kept.
    await audit.record(session, actor, "file.download", "file", row.id, project_id=row.project_id,
                       after={"filename": row.original_name})

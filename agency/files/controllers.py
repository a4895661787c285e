from __future__ import annotations

from datetime import datetime, timedelta

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Stream
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor
from agency.errors import NotFound, ServiceUnavailable
from agency.files import service
from agency.files.models import StoredFile
from agency.schemas import ResponseBody


class FileMeta(ResponseBody):
    id: int
    filename: str
    size: int
    sha256: str
    content_type: str
    version: int
    kind: str
    material_code: str | None
    approval_id: int | None
    project_id: int | None
    uploaded_at: datetime


def meta_out(row: StoredFile) -> FileMeta:
    return FileMeta(id=row.id, filename=row.original_name, size=row.size, sha256=row.sha256,
                    content_type=row.content_type, version=row.version, kind=row.kind,
                    material_code=row.material_code, approval_id=row.approval_id, project_id=row.project_id,
                    uploaded_at=row.uploaded_at)


class FileController(Controller):
    tags = ["材料文件 files"]

    @get("/api/files/{file_id:int}/meta")
    async def meta(self, file_id: FromPath[int], actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> FileMeta:
        return meta_out(await service.visible_file(db, actor, file_id))

    @get("/api/files/{file_id:int}", response_description="the file's bytes, or 307 to a presigned URL")
    async def download(self, file_id: FromPath[int], actor: NamedDependency[Actor], state: State,
                       db: NamedDependency[AsyncSession]) -> Stream | Redirect:
        """The bytes after the access check: streamed, or a redirect to a URL that lives 10 minutes."""
        row = await service.visible_file(db, actor, file_id)
        store: storage.BlobStore = state.blob_store
        await service.record_download(db, actor, row)
        if state.settings.download_mode == "redirect":
            url = await store.presign_get(row.storage_key, timedelta(minutes=10), row.original_name,
                                          row.content_type)
            if url is not None:
                return Redirect(url, status_code=307)
        try:
            reader = await store.open(row.storage_key)
        except storage.ObjectNotFound:
            raise NotFound("文件记录存在但存储中找不到对象，请联系管理员运行 agency storage check") from None
        except storage.StorageUnavailable as error:
            raise ServiceUnavailable(f"文件存储暂时不可用（storage unavailable: {error}）") from None
        return Stream(reader, media_type=row.content_type, headers={
            "Content-Disposition": storage.content_disposition(row.original_name),
            "Content-Length": str(row.size), "X-Content-SHA256": row.sha256, "Cache-Control": "private, no-store"})

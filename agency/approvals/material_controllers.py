from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, Role, require_roles
from agency.approvals import decisions, material_review, materials
from agency.approvals.controllers import file_out, material_out
from agency.approvals.schemas import FileOut, MaterialOut, MaterialStateIn, ReviewIn, WithdrawIn
from agency.files import service as files
from agency.files.upload_stream import MultipartUpload
from agency.schemas import ResponseBody
from agency.timeutil import today_local


class UploadOut(ResponseBody):
    id: int
    filename: str
    size: int
    sha256: str
    content_type: str
    version: int
    material_code: str
    approval_id: int
    uploaded_at: datetime
    state: str = "current"  # "pending" for the enterprise's upload, until the clerk reviews it


class MaterialController(Controller):
    tags = ["材料文件 files"]

    @post("/api/files/{file_id:int}/withdraw", status_code=200)
    async def withdraw(self, file_id: FromPath[int], data: JSONBody[WithdrawIn], actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> FileOut:
        """A wrong file leaves its material's current set (it no longer goes out with a bundle) and stays in the
        material's history, with who withdrew it, when and why. Nothing is deleted."""
        return file_out(await materials.withdraw(db, actor, file_id, data.reason))

    @post("/api/files/{file_id:int}/review", status_code=200)
    async def review(self, file_id: FromPath[int], data: JSONBody[ReviewIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> FileOut:
        """The clerk reviews an enterprise's upload (a file in its material's ``pending``): ``accept`` puts it in
        the current set; otherwise it is sent back (state ``returned``, in the history) with ``reason``, which
        the enterprise reads on the portal. Not a pending file → 409."""
        return file_out(await material_review.review(db, actor, file_id, data.accept, data.reason))

    @post("/api/approvals/{approval_id:int}/materials/{material_code:str}/state", status_code=200,
          guards=[require_roles(Role.CLERK, Role.DEPARTMENT, Role.ADMIN)])
    async def set_state(self, approval_id: FromPath[int], material_code: FromPath[str],
                        data: JSONBody[MaterialStateIn], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> MaterialOut:
        """What stands in for a material: deferred (容缺, with promised_on) or shared (共享获取, with source) by the
        department — the clerk for an offline one; committed (告知承诺), reused (沿用, with reused_from_approval_id)
        or exempt (免于提交, with reason) by the clerk; missing takes a decision back. A state the catalog does
        not allow for the material → 422 naming ``state``."""
        change = materials.StateChange(data.state, data.promised_on, data.reused_from_approval_id, data.source,
                                       data.reference, data.reason)
        return material_out(await materials.set_state(db, actor, approval_id, material_code, change, today_local()))

    @post("/api/approvals/{approval_id:int}/decision-files", status_code=201, request_max_body_size=None)
    async def upload_decision(self, request: Request[Any, Any, Any], approval_id: FromPath[int],
                              actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                              state: State) -> FileOut:
        """Upload the decision's scan (批文, 证照) as multipart field ``file`` (PDF, JPEG, PNG, TIFF or OFD, judged
        by content; the same limits as scans), before ``approve`` names it in ``decision_file_ids``. The
        department's officer; the clerk for an offline department."""
        approval = await decisions.approval_for_decision_file(db, actor, approval_id)
        await db.commit()  # no transaction held while the file arrives
        limit = int(state.settings.upload_limit_bytes)
        upload = MultipartUpload(request, limit)
        store: storage.BlobStore = state.blob_store
        blob = await files.store_upload(store, upload.chunks(), limit=limit, accepted=decisions.ACCEPTED)
        try:
            row = await decisions.record(db, actor, approval, blob, files.display_name(
                upload.filename, files.fallback_name("decision", blob.content_type)))
            await db.commit()
        except BaseException:
            await db.rollback()
            await files.discard_upload(store, blob.key)
            raise
        return file_out(row)

    @post("/api/approvals/{approval_id:int}/materials/{material_code:str}/files", status_code=201,
          request_max_body_size=None)
    async def upload(self, request: Request[Any, Any, Any], approval_id: FromPath[int], material_code: FromPath[str],
                     actor: NamedDependency[Actor], db: NamedDependency[AsyncSession], state: State) -> UploadOut:
        """Upload one scan as multipart field ``file``: PDF, JPEG, PNG, TIFF, OFD or DOCX, judged by content.
        The clerk's joins the material's current set; the enterprise's (its own approvals, while they wait on it)
        waits in ``pending`` for the clerk's review.

        Streamed to storage as it arrives; over the limit → 413, a type the material does not accept → 415,
        empty → 422, storage down → 503. Each upload is a new version; nothing is overwritten.
        """
        approval, material = await materials.approval_for_upload(db, actor, approval_id, material_code)
        # A scan may take minutes to arrive: hold no transaction meanwhile (a pooled connection, and on
        # SQLite the write lock every other request would wait for). record_upload checks again.
        await db.commit()
        limit = int(state.settings.upload_limit_bytes)
        upload = MultipartUpload(request, limit)
        store: storage.BlobStore = state.blob_store
        blob = await files.store_upload(store, upload.chunks(), limit=limit,
                                          accepted=materials.accepted_types(material))
        try:
            row = await materials.record_upload(db, actor, approval, material_code, blob, files.display_name(
                upload.filename, files.fallback_name(material_code, blob.content_type)))
            await db.commit()  # here, so that a failed commit still removes the object below
        except BaseException:
            await db.rollback()
            await files.discard_upload(store, blob.key)
            raise
        return UploadOut(id=row.id, filename=row.original_name, size=row.size, sha256=row.sha256,
                         content_type=row.content_type, version=row.version, material_code=material_code,
                         approval_id=approval_id, uploaded_at=row.uploaded_at, state=row.state)

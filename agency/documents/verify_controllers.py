"""The verification API: anyone (a bank, a department's system) checks a paper by its code, no login; the
administrator revokes a paper."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.documents import verify
from agency.errors import Invalid, TooLarge
from agency.schemas import RequestBody, ResponseBody

MAX_CHECKED_BYTES = 20 * 1024 * 1024  # a paper is a few hundred kB


class VerifyOut(ResponseBody):
    genuine: bool
    template: str
    template_name: str
    number: str
    issuer: str
    issued_at: datetime
    sha256_pdf: str | None
    sha256_docx: str | None
    status: str
    status_name: str
    sealing: str
    revoked_at: datetime | None


class FileCheckOut(ResponseBody):
    identical: bool
    signature_valid: bool | None
    signer: str | None
    paper: VerifyOut


class RevokeIn(RequestBody):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


def verdict_out(found: verify.Verdict) -> VerifyOut:
    return VerifyOut(genuine=True, template=found.template, template_name=found.template_name, number=found.number,
                     issuer=found.issuer, issued_at=found.issued_at, sha256_pdf=found.sha256_pdf,
                     sha256_docx=found.sha256_docx, status=found.status, status_name=verify.STATUS_ZH[found.status],
                     sealing=found.sealing, revoked_at=found.revoked_at)


def limiter_of(state: State) -> verify.AddressLimiter:
    """One limiter per server process, shared by the page and the API."""
    limiter: verify.AddressLimiter | None = state.get("verify_limiter")
    if limiter is None:
        limiter = verify.AddressLimiter(state.settings.verify_requests_per_minute)
        state["verify_limiter"] = limiter
    return limiter


def limit(request: Request[Any, Any, Any], state: State) -> None:
    limiter_of(state).check(request.client.host if request.client else None)


async def uploaded(request: Request[Any, Any, Any]) -> bytes:
    """The multipart ``file`` part's bytes; a clear 4xx when it is missing or too large."""
    if request.content_type[0] != "multipart/form-data":
        raise Invalid("请以 multipart/form-data 上传，文件放在 file 字段（multipart field file required）",
                      field="file")
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Invalid("请选择要核验的文件（field file is required）", field="file")
    data = await upload.read()
    await upload.close()
    if len(data) > MAX_CHECKED_BYTES:
        raise TooLarge("文件超过 20 MB，不是本系统出具的文书（file too large）", field="file")
    return data


class VerifyController(Controller):
    """No login, no session: the verification code is all one needs."""

    path = "/api/verify"
    tags = ["文书核验 verification"]
    security = []

    @get("/{code:str}")
    async def show(self, code: FromPath[str], request: Request[Any, Any, Any], state: State,
                   db: NamedDependency[AsyncSession]) -> VerifyOut:
        """Whether the code is genuine, the paper's name, number, issuer, issue time, the sha256 of the genuine
        files and whether it still stands (``valid``, ``superseded`` or ``revoked``); unknown code → 404."""
        limit(request, state)
        return verdict_out(await verify.verdict(db, code))

    @post("/{code:str}", status_code=200, request_max_body_size=MAX_CHECKED_BYTES + 64 * 1024)
    async def check(self, code: FromPath[str], request: Request[Any, Any, Any], state: State,
                    db: NamedDependency[AsyncSession]) -> FileCheckOut:
        """Multipart ``file``: whether it is byte for byte the genuine paper and, for a sealed PDF, whether the
        seal validates and who sealed it."""
        limit(request, state)
        data = await uploaded(request)
        found, result = await verify.check_file(db, code, data)
        return FileCheckOut(identical=result.identical, signature_valid=result.signature_valid, signer=result.signer,
                            paper=verdict_out(found))


class RevokeController(Controller):
    tags = ["文书核验 verification"]

    @post("/api/documents/{document_id:int}/revoke", status_code=200, guards=[require_roles(Role.ADMIN)])
    async def revoke(self, document_id: FromPath[int], data: JSONBody[RevokeIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> VerifyOut:
        """The paper no longer stands: its verification says 已撤销 from now on (the reason stays internal)."""
        return verdict_out(await verify.revoke(db, actor, document_id, data.reason))

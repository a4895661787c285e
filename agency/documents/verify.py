"""Checking a paper by its verification code, with no login: the public page and the API both come here.

What is shown is the paper's name, number, issuer, issue time, the digests of the genuine files and whether
it still stands — nothing of the dossier (no names of persons, no enterprise, no content). An unknown code is
a 404 like any other, and requests are limited per address so that codes cannot be enumerated.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
from agency import timeutil
from agency.access import Actor, Role
from agency.audit import service as audit
from agency.documents.models import Document
from agency.errors import Conflict, Invalid, NotFound, TooManyRequests
from documents import seal as seals
from documents import verification

STATUS_ZH = {"valid": "有效", "superseded": "已被新版本替代", "revoked": "已撤销"}
SEALING_ZH = {"ready": "PDF 已加盖电子印章", "pending": "PDF 签章中", "failed": "PDF 签章未完成，系统将自动重试"}
WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What anyone may learn of a paper from its code."""

    code: str
    template: str
    template_name: str
    number: str
    issuer: str
    issued_at: datetime
    sha256_pdf: str | None
    sha256_docx: str | None
    status: str  # valid | superseded | revoked
    sealing: str  # pending | ready | failed
    revoked_at: datetime | None
    # Shown on the public page (the administrator is told so on the form); not part of the JSON contract.
    revoked_reason: str | None = None


@dataclass(frozen=True, slots=True)
class FileCheck:
    identical: bool
    signature_valid: bool | None  # None: not a PDF, or a PDF with no signature to check
    signer: str | None


@dataclass(slots=True)
class AddressLimiter:
    """At most ``per_minute`` checks per address in any minute (per server process)."""

    per_minute: int
    _seen: dict[str, deque[datetime]] = field(default_factory=dict)

    def check(self, address: str | None) -> None:
        now = timeutil.now()
        recent = self._seen.setdefault(address or "?", deque())
        while recent and recent[0] <= now - WINDOW:
            recent.popleft()
        if len(recent) >= self.per_minute:
            wait = max(1, math.ceil((recent[0] + WINDOW - now).total_seconds()))
            raise TooManyRequests(f"核验请求过于频繁，请 {wait} 秒后再试（too many verification requests）",
                                  extra={"retry_after_seconds": wait}, headers={"Retry-After": str(wait)})
        recent.append(now)
        if len(self._seen) > 10_000:  # forget the quiet addresses rather than grow without end
            self._seen = {a: q for a, q in self._seen.items() if q and q[-1] > now - WINDOW}


async def _document(session: AsyncSession, code: str) -> Document:
    if not verification.is_code(code):
        raise NotFound("没有这个验证码对应的文书，请核对验证码（unknown verification code）")
    document = (await session.execute(select(Document).where(Document.verification_code == code))).scalar_one_or_none()
    if document is None:
        raise NotFound("没有这个验证码对应的文书，请核对验证码（unknown verification code）")
    return document


async def verdict(session: AsyncSession, code: str) -> Verdict:
    document = await _document(session, code.strip().upper())
    return await _verdict(session, document)


async def _verdict(session: AsyncSession, document: Document) -> Verdict:
    status = "valid"
    if document.revoked_at is not None:
        status = "revoked"
    else:
        same_subject = (Document.approval_id.is_(None) if document.approval_id is None
                        else Document.approval_id == document.approval_id)
        # A paper of no dossier (the center's monthly 通报) is superseded by a later one on the same subject.
        same_dossier = (Document.project_id == document.project_id if document.project_id is not None else and_(
            Document.project_id.is_(None), Document.subject_type == document.subject_type,
            Document.subject_id == document.subject_id))
        later = (await session.execute(select(Document.id).where(and_(
            same_dossier, same_subject, Document.template_code == document.template_code,
            Document.id > document.id, Document.verification_code.is_not(None),
            Document.revoked_at.is_(None))).limit(1))).scalar_one_or_none()
        if later is not None:
            status = "superseded"
    try:
        name = paper.get_spec(document.template_code).name_zh
    except KeyError:
        name = document.template_code
    return Verdict(code=document.verification_code or "", template=document.template_code, template_name=name,
                   number=document.doc_number, issuer=document.issuer or "", issued_at=document.created_at,
                   sha256_pdf=document.sha256_pdf, sha256_docx=document.sha256_docx, status=status,
                   sealing=document.status, revoked_at=document.revoked_at,
                   revoked_reason=document.revoked_reason)


async def check_file(session: AsyncSession, code: str, data: bytes) -> tuple[Verdict, FileCheck]:
    """Is ``data`` byte for byte the genuine paper; and if it is a signed PDF, does its seal validate (against
    the certificate the paper was sealed with) and who sealed it."""
    document = await _document(session, code.strip().upper())
    found = await _verdict(session, document)
    digest = hashlib.sha256(data).hexdigest()
    identical = digest in {d for d in (document.sha256_pdf, document.sha256_docx) if d}
    if not data.startswith(b"%PDF") or document.seal_certificate is None:
        return found, FileCheck(identical=identical, signature_valid=None, signer=None)
    result = await asyncio.to_thread(seals.check_signature, data, [document.seal_certificate])
    if not result.signed:
        return found, FileCheck(identical=identical, signature_valid=None, signer=None)
    return found, FileCheck(identical=identical, signature_valid=result.valid, signer=result.signer)


async def revoke(session: AsyncSession, actor: Actor, document_id: int, reason: str) -> Verdict:
    """An administrator withdraws a paper's standing: from now on the verification says 已撤销."""
    actor.require(Role.ADMIN)
    reason = reason.strip()
    if not reason:
        raise Invalid("请填写撤销原因（reason is required）", field="reason")
    document = await session.get(Document, document_id)
    if document is None:
        raise NotFound("没有这份文书（document not found）")
    if document.revoked_at is not None:
        raise Conflict("该文书已撤销（already revoked）")
    if document.verification_code is None:
        raise Conflict("该文书生成于核验功能之前，没有验证码，无需撤销（paper has no verification code）")
    document.revoked_at, document.revoked_by, document.revoked_reason = timeutil.now(), actor.user_id, reason
    await audit.record(session, actor, "document.revoke", "document", document.id, project_id=document.project_id,
                       after={"reason": reason, "verification_code": document.verification_code})
    return await _verdict(session, document)

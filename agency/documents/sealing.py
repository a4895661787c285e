"""The seals: which key seals a paper (settings), sealing a PDF at once (a paper asked for), and the job that
seals a PDF after it was stored (a paper an act calls for).

The key and the seal belong to the same issuer: a department's paper is sealed with the department's own key
and seal where one is configured (``AGENCY_SEAL_P12_<CODE>``), else with the center's, the paper naming the
department as its issuer; a department's seal is never drawn over the center's key.

The job never holds a transaction while it signs: it reads what it needs and commits, signs in a thread,
then records the sealed file in a second short transaction. A failure marks the paper ``failed`` and the
job runner retries it (agency/jobs/runner.py); the act that asked for the paper is never rolled back.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import storage
from agency import timeutil
from agency.db.session import on_rollback
from agency.documents.models import Document
from agency.errors import ServiceUnavailable
from agency.files.integrity import written_now
from agency.files.models import StoredFile
from agency.jobs.runner import JobContext
from agency.jobs.sessions import transaction
from agency.settings import Settings
from documents import seal as seals

SEAL = "papers.seal"
DEMO_P12 = "seal-demo.p12"
# The demo key's password: the demo key protects nothing (its certificate says 演示用印章，无法律效力).
DEMO_PASSWORD = "agency-demo-seal"
log = logging.getLogger("agency.documents")


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who issues a paper: the center (no department code) or a department, by its name."""

    name: str
    department_code: str | None = None


@dataclass(slots=True)
class SealKeeper:
    """The signers of this process, loaded at first use: a department's configured PKCS#12 file, the
    center's, else the demo key in the data folder (generated the first time)."""

    settings: Settings
    _signers: dict[str, seals.Signer] = field(default_factory=dict, init=False)

    @property
    def demo(self) -> bool:
        return self.settings.seal_p12 is None

    def _own_key(self, issuer: Issuer) -> tuple[Path, str | None] | None:
        code = (issuer.department_code or "").lower()
        return next(((path, password) for owner, path, password in self.settings.department_seals
                     if code and owner == code), None)

    def has_own_key(self, issuer: Issuer) -> bool:
        return self._own_key(issuer) is not None

    def seal_owner(self, issuer: Issuer) -> str:
        """Whose seal goes on the issuer's papers: its own, or the center's."""
        return issuer.name if self.has_own_key(issuer) else self.settings.center_name

    def signer(self, issuer: Issuer | None = None) -> seals.Signer:
        """The issuer's own signer where it has a key configured, else the center's. A vendor's signing
        service (docs/verification.md) would be returned here in place of ``PadesSigner``."""
        own = self._own_key(issuer) if issuer is not None else None
        slot = (issuer.department_code or "").lower() if own and issuer else ""
        if slot not in self._signers:
            if own is not None and issuer is not None:
                p12 = own[0].read_bytes()
                demo = seals.DEMO_NOTE in seals.signer_name(seals.certificate_of(p12, own[1]))
                self._signers[slot] = seals.PadesSigner(p12, own[1], seal_text=issuer.name, demo=demo)
            else:
                self._signers[slot] = seals.PadesSigner(*self._key(), seal_text=self.settings.center_name,
                                                        demo=self.demo)
        return self._signers[slot]

    def _key(self) -> tuple[bytes, str | None]:
        if self.settings.seal_p12 is not None:
            return self.settings.seal_p12.read_bytes(), self.settings.seal_password
        path = self.settings.data_dir / DEMO_P12
        if not path.exists():
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(seals.demo_pkcs12(self.settings.center_name, DEMO_PASSWORD, now=timeutil.now()))
            path.chmod(0o600)
            log.warning("generated the demo seal %s (演示用印章，无法律效力): set AGENCY_SEAL_P12 in production", path)
        return path.read_bytes(), DEMO_PASSWORD


async def seal_available(keeper: SealKeeper, issuer: Issuer) -> None:
    """A key that cannot be loaded is a configuration fault no retry mends: 503, and nothing is stored."""
    try:
        await asyncio.to_thread(keeper.signer, issuer)
    except (seals.SealError, OSError) as error:
        own = f"_{(issuer.department_code or '').upper()}" if keeper.has_own_key(issuer) else ""
        raise ServiceUnavailable(f"{keeper.seal_owner(issuer)}的电子印章暂不可用，PDF 文书未生成；请管理员检查 "
                                 f"AGENCY_SEAL_P12{own} 和 AGENCY_SEAL_PASSWORD{own}（seal unavailable: {error}）"
                                 ) from None


async def signed(keeper: SealKeeper, pdf: bytes, issuer: Issuer, number: str) -> tuple[bytes, bytes]:
    """The PDF sealed by the issuer's signer, and that signer's certificate (DER); ``SealError`` if not."""
    signer = await asyncio.to_thread(keeper.signer, issuer)
    sealed = await asyncio.to_thread(signer.sign, pdf, reason=f"{issuer.name}出具文书 {number}",
                                     location=issuer.name)
    return sealed, signer.certificate


async def sealed_now(keeper: SealKeeper, pdf: bytes, issuer: Issuer, number: str) -> tuple[bytes, bytes]:
    """A paper asked for is sealed before anything is stored: a seal that cannot be made is a 503."""
    try:
        return await signed(keeper, pdf, issuer, number)
    except (seals.SealError, OSError) as error:
        raise ServiceUnavailable(f"电子签章失败，PDF 文书未生成，请稍后重试或改为生成 Word 版本（seal failed: {error}）"
                                 ) from None


async def seal(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Seal the PDF of one paper; a paper already sealed is left alone (a job may run twice)."""
    keeper: SealKeeper = ctx.services["seal"]
    store: storage.BlobStore = ctx.services["store"]
    async with transaction(ctx) as session:
        document = await session.get_one(Document, payload["document_id"])
        if document.status == "ready":
            return {"document_id": document.id, "sealed": False}
        stored = await session.get_one(StoredFile, document.file_id)
        old_key, number = stored.storage_key, document.doc_number
        issuer = Issuer(document.issuer or keeper.settings.center_name, payload.get("issuer_code"))
    try:
        pdf = b"".join([chunk async for chunk in await store.open(old_key)])
        sealed, certificate = await signed(keeper, pdf, issuer, number)
        blob = await store.put(_one(sealed), max_size=len(sealed), metadata=written_now())
    except (seals.SealError, storage.StorageUnavailable, storage.ObjectNotFound, OSError) as error:
        async with transaction(ctx) as session:
            (await session.get_one(Document, payload["document_id"])).status = "failed"
        raise RuntimeError(f"sealing paper {payload['document_id']} failed: {error}") from error
    async with transaction(ctx) as session:
        on_rollback(session, lambda: store.delete(blob.key))
        document = await session.get_one(Document, payload["document_id"])
        stored = await session.get_one(StoredFile, document.file_id)
        stored.storage_key, stored.size, stored.sha256 = blob.key, blob.size, blob.sha256
        document.sha256_pdf, document.status, document.seal_certificate = blob.sha256, "ready", certificate
    await store.delete(old_key)  # the unsealed PDF, no longer any row's
    return {"document_id": payload["document_id"], "sealed": True}


async def _one(data: bytes) -> Any:
    yield data

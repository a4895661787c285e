"""The center's seal: which key signs (settings), and the job that seals a PDF paper after it was stored.

The job never holds a transaction while it signs: it reads what it needs and commits, signs in a thread,
then records the sealed file in a second short transaction. A failure marks the paper ``failed`` and the
job runner retries it (agency/jobs/runner.py); the act that asked for the paper is never rolled back.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import storage
from agency import timeutil
from agency.db.session import on_rollback
from agency.documents.models import Document
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


@dataclass(slots=True)
class SealKeeper:
    """The signer of this process, loaded at first use: the configured PKCS#12 file, else the demo key in
    the data folder (generated the first time)."""

    settings: Settings
    _signer: seals.PadesSigner | None = field(default=None, init=False)

    @property
    def demo(self) -> bool:
        return self.settings.seal_p12 is None

    def signer(self) -> seals.PadesSigner:
        if self._signer is None:
            self._signer = seals.PadesSigner(*self._key(), seal_text=self.settings.center_name, demo=self.demo)
        return self._signer

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


async def seal(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Seal the PDF of one paper; a paper already sealed is left alone (a job may run twice)."""
    keeper: SealKeeper = ctx.services["seal"]
    store: storage.BlobStore = ctx.services["store"]
    async with transaction(ctx) as session:
        document = await session.get_one(Document, payload["document_id"])
        if document.status == "ready":
            return {"document_id": document.id, "sealed": False}
        stored = await session.get_one(StoredFile, document.file_id)
        old_key, issuer, number = stored.storage_key, document.issuer or "", document.doc_number
    try:
        pdf = b"".join([chunk async for chunk in await store.open(old_key)])
        signer = await asyncio.to_thread(keeper.signer)
        sealed = await asyncio.to_thread(signer.sign, pdf, reason=f"{issuer}出具文书 {number}", location=issuer)
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
        document.sha256_pdf, document.status, document.seal_certificate = blob.sha256, "ready", signer.certificate
    await store.delete(old_key)  # the unsealed PDF, no longer any row's
    return {"document_id": payload["document_id"], "sealed": True}


async def _one(data: bytes) -> Any:
    yield data

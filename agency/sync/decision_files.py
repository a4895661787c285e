"""A record's decision document (``decision_file``): stored when the record arrives, as the same kind of file a
department uploads for its decision (agency.approvals.decisions), and named by the act when the record applies.

A record can wait in the queue for days (its predecessor has not arrived): its document is stored at once, in
a file row that belongs to no approval yet, and is given to the approval in the act's savepoint, so a refused
act leaves it unattached for the next attempt. A document that is not base64, is over 10 MB or is not a scan's
type (PDF, JPEG, PNG, TIFF, OFD, judged by content) refuses its record with the reason and stores nothing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency import timeutil
from agency.approvals import decisions
from agency.approvals.models import Approval
from agency.errors import AgencyError, Invalid, ServiceUnavailable
from agency.files import service as files
from agency.files.models import StoredFile

LIMIT = 10 * 1024 * 1024
# The acts that issue a decision document (批文, 不予许可决定书, 不予受理通知书).
DECIDING = ("approved", "rejected", "refused_intake")
# Kept in the record's payload instead of the document when it was refused: every later attempt says why.
REFUSED = "decision_file_refused"


@dataclass(slots=True)
class Stored:
    """The objects a batch put into storage: removed again if the batch is not committed (a dry run)."""

    store: storage.BlobStore
    keys: list[str] = field(default_factory=list)

    async def discard(self) -> None:
        for key in self.keys:
            await files.discard_upload(self.store, key)
        self.keys.clear()


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


def decode(encoded: str) -> bytes:
    """The document's bytes; AgencyError (422 naming decision_file) if not base64 or over 10 MB."""
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("决定文书须为 base64 编码（decision_file is not base64）", field="decision_file") from None
    if len(content) > LIMIT:
        raise Invalid("决定文书不能超过 10 MB（decision_file over 10 MB）", field="decision_file")
    return content


async def receive(session: AsyncSession, stored: Stored, act: str, encoded: str,
                  record_id: str) -> dict[str, object]:
    """What the record's payload keeps of its document: the file row's id, size and sha256 — or, if refused,
    the reason (in ``REFUSED``). Storage being down fails the batch (503): nothing of it is kept."""
    try:
        if act not in DECIDING:
            raise Invalid("只有办结、不予许可和不予受理记录可以附决定文书（decision_file with another act）",
                                field="decision_file")
        blob = await files.store_upload(stored.store, _once(decode(encoded)), limit=LIMIT,
                                        accepted=decisions.ACCEPTED)
    except ServiceUnavailable:
        raise
    except AgencyError as error:
        return {REFUSED: f"决定文书有误：{error.detail}"}
    stored.keys.append(blob.key)
    row = StoredFile(storage_key=blob.key, project_id=None, approval_id=None, material_code=None, version=1,
                     kind=decisions.KIND, original_name=files.fallback_name(f"决定文书-{record_id}"[:60],
                                                                           blob.content_type),
                     size=blob.size, sha256=blob.sha256, content_type=blob.content_type or "application/octet-stream",
                     uploaded_by=None, uploaded_at=timeutil.now(), state="current")
    session.add(row)
    await session.flush()
    return {"file_id": row.id, "size": blob.size, "sha256": blob.sha256}


async def attach(session: AsyncSession, approval_id: int, given: dict[str, object]) -> list[int] | None:
    """Gives the stored document to the approval (its next decision-file version), in the act's savepoint;
    the ids the act names as its ``decision_file_ids``. None: the record has no document."""
    file_id = given.get("file_id")
    if not isinstance(file_id, int):
        return None
    approval = await session.get_one(Approval, approval_id)
    row = await session.get_one(StoredFile, file_id)
    version = (await session.execute(select(func.coalesce(func.max(StoredFile.version), 0)).where(
        StoredFile.approval_id == approval_id, StoredFile.kind == decisions.KIND))).scalar_one() + 1
    row.approval_id, row.project_id, row.version = approval_id, approval.project_id, version
    await session.flush()
    return [file_id]

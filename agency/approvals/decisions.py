"""The decision document (批文, 证照): the department's scan of what it issued, uploaded before it approves and
named by the ``approve`` action (``decision_file_ids``). It is the approval's result: the enterprise and the clerk
download it, and the dossier's archive keeps it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency import timeutil
from agency.access import Actor, Role, get_visible
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.errors import Conflict, Forbidden, Invalid
from agency.files.models import StoredFile
from agency.files.service import MIME_OF

KIND = "decision"
# A scan of a paper: the types of the scans, not an editable document.
ACCEPTED = {MIME_OF[t] for t in ("pdf", "jpeg", "png", "tiff", "ofd")}
# While the department is deciding: it uploads the scan, then approves naming it.
OPEN_FOR_DECISION = ("accepted",)


async def approval_for_decision_file(session: AsyncSession, actor: Actor, approval_id: int) -> Approval:
    """Who uploads the decision: the department's officer, or the clerk recording an offline department's act."""
    approval = await get_visible(session, Approval, approval_id, actor, what="审批事项")
    department = await session.get_one(Department, approval.department_code)
    allowed = (actor.role is Role.DEPARTMENT and actor.department_code == approval.department_code) or \
        actor.role is Role.ADMIN or (actor.role is Role.CLERK and department.mode == "offline")
    if not allowed:
        raise Forbidden("决定文书由办理部门上传（线下办理的部门由代办员录入）（only the deciding department）")
    _check_open(approval.status)
    return approval


def _check_open(status: str) -> None:
    if status not in OPEN_FOR_DECISION:
        raise Conflict("只有已受理、办理中的事项可以上传决定文书（the approval is not being decided）",
                       extra={"status": status})


async def record(session: AsyncSession, actor: Actor, approval: Approval, blob: storage.StoredBlob,
                 filename: str) -> StoredFile:
    """The scan's row, once its bytes are stored (no transaction was held while they arrived)."""
    status = (await session.execute(select(Approval.status).where(Approval.id == approval.id)
                                    .with_for_update())).scalar_one()
    _check_open(status)
    version = (await session.execute(select(func.coalesce(func.max(StoredFile.version), 0)).where(
        StoredFile.approval_id == approval.id, StoredFile.kind == KIND))).scalar_one() + 1
    row = StoredFile(storage_key=blob.key, project_id=approval.project_id, approval_id=approval.id,
                     material_code=None, version=version, kind=KIND, original_name=filename, size=blob.size,
                     sha256=blob.sha256, content_type=blob.content_type or "application/octet-stream",
                     uploaded_by=actor.user_id, uploaded_at=timeutil.now(), state="current")
    session.add(row)
    await session.flush()
    await audit.record(session, actor, "file.upload_decision", "file", row.id, project_id=approval.project_id,
                       after={"approval_id": approval.id, "filename": filename, "size": blob.size,
                              "sha256": blob.sha256, "content_type": row.content_type})
    return row


async def check_named(session: AsyncSession, approval: Approval, ids: Sequence[int]) -> list[int]:
    """The files ``approve`` names: decision scans uploaded for this approval (422 naming the field if not)."""
    wanted = list(dict.fromkeys(ids))
    found = set((await session.execute(select(StoredFile.id).where(
        StoredFile.id.in_(wanted or [0]), StoredFile.approval_id == approval.id, StoredFile.kind == KIND,
        StoredFile.state == "current"))).scalars())
    unknown = [i for i in wanted if i not in found]
    if unknown:
        raise Invalid(f"决定文书 {', '.join(map(str, unknown))} 不是本事项上传的决定文书扫描件"
                      "（decision_file_ids must be decision files of this approval）", field="decision_file_ids")
    return wanted


async def files_of(session: AsyncSession, approval: Approval,
                   scans: Sequence[StoredFile] | None = None) -> list[StoredFile]:
    """The approval's result once approved (the files its decision names); before, the scans uploaded for it.
    ``scans``: every decision scan of the approval, already read with its materials (no statement then)."""
    named = (approval.decision or {}).get("file_ids")
    if (approval.decision is None and approval.status not in OPEN_FOR_DECISION) or \
            (approval.decision is not None and not named):
        return []  # nothing to read: no statement
    if scans is not None:
        return [f for f in scans if approval.decision is None or f.id in (named or [])]
    query = select(StoredFile).where(StoredFile.approval_id == approval.id, StoredFile.kind == KIND)
    if approval.decision is not None:
        query = query.where(StoredFile.id.in_(list(named or [])))
    return list((await session.execute(query.order_by(StoredFile.id))).scalars())

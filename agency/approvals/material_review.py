"""The enterprise's part online (网上办事): what it is asked for, and the clerk's review of what it uploads.

An enterprise's upload waits in its material's ``pending`` list; the clerk accepts it into the current set
(it then goes out with a bundle) or sends it back with a reason the enterprise reads on the portal
(state ``returned``, kept in the history). What the enterprise is asked for is counted by ``asks`` — the
one function behind both the portal's list ("待我方 N 项") and the project page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, get_visible
from agency.approvals.materials import MaterialView, views_of
from agency.approvals.models import Approval
from agency.approvals.rules import CLOSED_STATES
from agency.audit import service as audit
from agency.errors import Conflict, Forbidden, Invalid
from agency.files.models import StoredFile

# The approvals that wait on the enterprise: being prepared, or answering a 一次性告知.
NEEDS_ENTERPRISE = ("preparing", "supplement_requested")


@dataclass(slots=True)
class Ask:
    """One approval waiting on the enterprise: the materials it still has to provide, and the notice."""

    approval: Approval
    materials: list[MaterialView] = field(default_factory=list)
    notice: dict[str, Any] | None = None


def asks_of(approvals: Sequence[Approval], materials: dict[int, list[MaterialView]]) -> list[Ask]:
    """A required material without current files or a decision, or one a pending supplement names."""
    found = []
    for a in approvals:
        if a.status not in NEEDS_ENTERPRISE:
            continue
        named = set((a.pending_supplement or {}).get("missing_materials") or [])
        lacking = [m for m in materials.get(a.id, []) if (m.required and m.state == "missing") or m.code in named]
        if lacking or a.pending_supplement:
            found.append(Ask(a, lacking, a.pending_supplement))
    return found


async def asks(session: AsyncSession, approvals: Sequence[Approval]) -> list[Ask]:
    """``asks_of`` with the materials loaded (two statements for any number of approvals)."""
    waiting = [a for a in approvals if a.status in NEEDS_ENTERPRISE]
    return asks_of(waiting, await views_of(session, waiting))


async def review(session: AsyncSession, actor: Actor, file_id: int, accept: bool, reason: str) -> StoredFile:
    """The clerk accepts an enterprise's pending upload into its material's current set, or sends it back with
    the reason the enterprise will read."""
    row = await get_visible(session, StoredFile, file_id, actor, what="文件")
    if actor.role not in (Role.CLERK, Role.ADMIN):
        raise Forbidden("企业上传的材料由代办员审核（only the agency clerk reviews an upload）")
    if row.state != "pending" or row.approval_id is None:
        raise Conflict("该文件不是待审核的企业上传（not a pending upload）")
    reason = reason.strip()
    if not accept and len(reason) < 2:
        raise Invalid("退回须写明原因，企业会看到（a reason is required）", field="reason")
    status = (await session.execute(select(Approval.status).where(Approval.id == row.approval_id)
                                    .with_for_update())).scalar_one()
    if status in CLOSED_STATES:
        raise Conflict("事项已办结或撤回，材料不能再变动（approval is closed）")
    row.state = "current" if accept else "returned"
    row.changed_by, row.changed_at, row.change_reason = actor.user_id, timeutil.now(), reason or None
    await session.flush()
    await audit.record(session, actor, "file.accept" if accept else "file.return", "file", row.id,
                       project_id=row.project_id, after={"approval_id": row.approval_id,
                                                         "material_code": row.material_code, "reason": reason})
    return row

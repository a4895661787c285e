"""首问负责: the officer who accepted a case handles it; his department may hand it to another of its officers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, get_visible
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.errors import Conflict, Forbidden, Invalid


async def reassign_handler(session: AsyncSession, actor: Actor, approval_id: int, user_id: int,
                           version: int) -> Approval:
    approval = await get_visible(session, Approval, approval_id, actor, what="审批事项")
    if actor.role is not Role.DEPARTMENT or actor.department_code != approval.department_code:
        raise Forbidden("只有本部门窗口人员可以调整经办人（only the department's officers）")
    if approval.version != version:
        raise Conflict("事项已被他人更新，请刷新后重试（stale version）", field="version")
    target = await session.get(User, user_id)
    if target is None or target.role != "department" or target.department_code != approval.department_code \
            or not target.is_active:
        raise Invalid("经办人须为本部门在岗人员（the handler must be an officer of this department）", field="user_id")
    before = {"handler_id": approval.handler_id}
    approval.handler_id = target.id
    await session.flush()
    await audit.record(session, actor, "approval.reassign", "approval", approval.id, project_id=approval.project_id,
                       before=before, after={"handler_id": target.id})
    return approval

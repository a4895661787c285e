"""Who hears of an approval's action, and in what words (outbox rows; the worker delivers them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.accounts.models import User
from agency.approvals.rules import ACTION_NAMES
from agency.enterprises.models import Enterprise
from agency.evaluations import service as evaluations
from agency.notifications import service as outbox
from agency.projects.models import Approval, Project
from agency.timeutil import chinese_date

# Actions the enterprise must hear of (DESIGN: acceptance, a supplement it owes, a decision).
_ENTERPRISE_TEXT = {
    "accept": "已受理",
    "request_supplement": "需要补正材料",
    "refuse_intake": "不予受理",
    "suspend": "已中止办理",
    "resume": "已恢复办理",
    "extend": "办理期限已延长",
    "approve": "已办结（准予）",
    "reject": "不予许可",
}


def _materials(approval: Approval) -> str:
    asked = (approval.pending_supplement or {}).get("missing_materials") or []
    names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
    return "、".join(names.get(code, code) for code in asked)


async def after_action(session: AsyncSession, actor: Actor, approval: Approval, project: Project, action: str,
                       effective: date, *, public_url: str | None = None) -> None:
    key = f"approval:{approval.id}:v{approval.version}:{action}"
    common: dict[str, Any] = {"object_type": "approval", "object_id": approval.id, "project_id": project.id}
    title = f"{project.name}·{approval.name}"
    if action in ("submit", "resubmit", "withdraw") and approval.submitted_on is not None:
        verb = {"submit": "报送了", "resubmit": "提交了补正材料：", "withdraw": "撤回了"}[action]
        await outbox.to_department(session, approval.department_code, key=key, subject=f"{title}：{verb.rstrip('：')}",
                                   body=f"代办员{verb}{title}（项目编号 {project.code}），请及时办理。", **common)
    if action in _ENTERPRISE_TEXT:
        what = _ENTERPRISE_TEXT[action]
        detail = f"。需补正：{_materials(approval)}" if action == "request_supplement" else ""
        enterprise = await session.get_one(Enterprise, project.enterprise_id)
        await outbox.to_enterprise(
            session, enterprise, key=key, subject=f"{approval.name}{what}",
            body=f"贵单位“{title}”于{chinese_date(effective)}{what}{detail}。详情请登录代办服务系统查看。",
            sms=f"【代办服务】{approval.name}{what}{'，请补正材料' if detail else ''}，详见系统。", **common)
    if action in ("approve", "reject"):
        # 即评: the enterprise rates the decided item through a single-use link sent by SMS.
        await evaluations.issue_rating_link(session, approval, public_url)
    if actor.user_id != project.clerk_id:
        # The clerk who owns the dossier hears of everything done to it by others.
        clerk = await session.get(User, project.clerk_id)
        if clerk is not None:
            what = _ENTERPRISE_TEXT.get(action, ACTION_NAMES[action])
            await outbox.to_users(session, [clerk], key=key, subject=f"{title}：{what}",
                                  body=f"{title}（{project.code}）于{chinese_date(effective)}{what}。", **common)

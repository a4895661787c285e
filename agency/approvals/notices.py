"""What follows an approval's action: who hears of it, in what words (outbox rows; the worker delivers them),
and the work asked for after the commit (its paper, the rating link of a decision)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.accounts.models import User
from agency.approvals.models import Approval, MaterialState
from agency.approvals.rules import ACTION_NAMES
from agency.catalog.models import Department
from agency.enterprises.models import Enterprise
from agency.jobs import service as jobs
from agency.notifications import service as outbox
from agency.projects.models import Project
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


# Work after the commit, asked for by name (agency/job_handlers.py knows who does it).
PAPERS_JOB = "papers.for_action"
RATING_LINK_JOB = "ratings.link"
# The paper the law calls for on an action (行政许可法 第三十二条、第四十二条、第四十五条; 一次性告知; 不予受理).
PAPERS_FOR_ACTION = {"request_supplement": "one_time_notice", "refuse_intake": "refusal_notice",
                     "reject": "refusal_notice", "accept": "acceptance_notice", "extend": "extension_notice",
                     "suspend": "special_procedure_notice", "terminate": "termination_notice"}
# Papers of the Administrative Licensing Law: a public-service enterprise (供电, 供水 …) is not bound by it, and a
# department working in the provincial system (mode external) issues them there.
STATUTORY_PAPERS = frozenset({"acceptance_notice", "extension_notice", "special_procedure_notice",
                              "termination_notice"})
# The papers the flow issues to the enterprise about one approval, listed on it (``notices``).
NOTICE_PAPERS = ("one_time_notice", "refusal_notice", "acceptance_notice", "extension_notice",
                 "special_procedure_notice", "deferral_notice", "commitment_letter", "termination_notice")


def _materials(approval: Approval) -> str:
    asked = (approval.pending_supplement or {}).get("missing_materials") or []
    names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
    return "、".join(names.get(code, code) for code in asked)


async def after_action(session: AsyncSession, actor: Actor, approval: Approval, project: Project,
                       enterprise: Enterprise, action: str, effective: date, today: date, *,
                       deemed: bool = False, facts: dict[str, Any] | None = None,
                       material_decisions: Sequence[MaterialState | None] | None = None) -> None:
    """The messages of the action, written in one statement, and the jobs it asks for after its commit.
    ``material_decisions``: the approval's material decisions when the action has read them already."""
    key = f"approval:{approval.id}:v{approval.version}:{action}"
    common: dict[str, Any] = {"object_type": "approval", "object_id": approval.id, "project_id": project.id}
    title = f"{project.name}·{approval.name}"
    messages: list[outbox.Message] = []
    if deemed:
        # 第三十二条: the department and the center's leaders hear that the law accepted the case.
        messages.append(outbox.Message(
            f"{key}:deemed", f"{title}：逾期未作受理决定，依法视为受理",
            f"{title}（项目编号 {project.code}）于{chinese_date(effective)}报送，五个工作日内未作受理、"
            f"不予受理或补正决定，依《行政许可法》第三十二条自收到之日起视为受理，办理时限自该日起计算，"
            f"已记违规一次。",
            users=or_(User.department_code == approval.department_code, User.role == "leader"), **common))
    if action in ("submit", "resubmit", "withdraw") and approval.submitted_on is not None:
        verb = {"submit": "报送了", "resubmit": "提交了补正材料：", "withdraw": "撤回了"}[action]
        messages.append(outbox.Message(key, f"{title}：{verb.rstrip('：')}",
                                       f"代办员{verb}{title}（项目编号 {project.code}），请及时办理。",
                                       users=User.department_code == approval.department_code, **common))
    if action in _ENTERPRISE_TEXT:
        what = _ENTERPRISE_TEXT[action]
        detail = f"。需补正：{_materials(approval)}" if action == "request_supplement" else ""
        subject = f"{approval.name}{what}"
        messages.append(outbox.Message(
            key, subject, f"【代办服务】{approval.name}{what}{'，请补正材料' if detail else ''}，详见系统。",
            address=enterprise.contact_phone, name=enterprise.contact_name, **common))
        messages.append(outbox.Message(
            key, subject, f"贵单位“{title}”于{chinese_date(effective)}{what}{detail}。详情请登录代办服务系统查看。",
            users=User.enterprise_id == enterprise.id, **common))
    if actor.user_id != project.clerk_id:
        # The clerk who owns the dossier hears of everything done to it by others.
        what = _ENTERPRISE_TEXT.get(action, ACTION_NAMES[action])
        messages.append(outbox.Message(key, f"{title}：{what}",
                                       f"{title}（{project.code}）于{chinese_date(effective)}{what}。",
                                       users=User.id == project.clerk_id, **common))
    await outbox.write(session, messages)
    if action in ("approve", "reject"):
        # 即评: the enterprise rates the decided item through a single-use link sent by SMS (after the commit).
        await jobs.enqueue(session, RATING_LINK_JOB, {"approval_id": approval.id}, actor=actor)
    papers = [PAPERS_FOR_ACTION[action]] if action in PAPERS_FOR_ACTION else []
    if action == "accept" and await _has_state(session, approval, "deferred", material_decisions):
        papers.append("deferral_notice")  # 容缺受理: accepted without these, against a promised date
    department = await session.get_one(Department, approval.department_code)
    for paper in papers:
        if paper in STATUTORY_PAPERS and (department.kind == "utility" or department.mode == "external"):
            continue
        await request_paper(session, actor, approval, paper, today, action=action, facts=facts)


async def request_paper(session: AsyncSession, actor: Actor, approval: Approval, paper: str, today: date, *,
                        action: str, facts: dict[str, Any] | None = None) -> None:
    """Asks for the paper to be rendered after the commit: a printer never rolls back a lawful act
    (agency/documents/jobs.py). ``facts``: what the act said (reason, days, kind), for the paper's text."""
    await jobs.enqueue(session, PAPERS_JOB, {"approval_id": approval.id, "action": action, "paper": paper,
                                             "today": today.isoformat(), "actor": jobs.actor_payload(actor),
                                             "facts": facts or {}}, actor=actor)


async def _has_state(session: AsyncSession, approval: Approval, state: str,
                     known: Sequence[MaterialState | None] | None) -> bool:
    if known is not None:
        return any(decision is not None and decision.state == state for decision in known)
    found = await session.execute(select(MaterialState.material_code).where(
        MaterialState.approval_id == approval.id, MaterialState.state == state).limit(1))
    return found.first() is not None

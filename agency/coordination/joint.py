"""Joint acceptance (联合验收): the participants' opinions on a joint item.

The route names the participants of a joint item (``participants`` of its entry: 规划核实, 消防验收, 人防,
档案, 土地核验 …); the item's department leads. While the item is accepted, each participant's department
records its opinion: pass, or fail with the findings the enterprise must fix. A failure is re-inspected by
that participant alone (its next round); the others' passes stand. The item is approved only once every
participant's latest opinion is a pass (agency/approvals/joint.py asks :func:`passed_parts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import SYSTEM, Actor, Role, Visibility, not_visible
from agency.approvals import joint as approval_joint
from agency.approvals.models import Approval
from agency.approvals.queries import Head, head
from agency.audit import service as audit
from agency.catalog.models import Department, Route
from agency.coordination.models import JointOpinion
from agency.errors import Conflict, Forbidden, Invalid, NotFound
from agency.notifications import service as outbox
from agency.projects.models import Project

PART_STATUS_NAMES = {"pending": "待出具意见", "passed": "通过", "failed": "不通过（待整改复验）"}


@dataclass(frozen=True, slots=True)
class Part:
    """One participant's part as it stands: its latest opinion, if any."""

    code: str
    name: str
    department_code: str
    department_name: str
    status: str
    round: int
    findings: list[str]
    recorded_on: date | None

    @property
    def status_name(self) -> str:
        return PART_STATUS_NAMES[self.status]


@dataclass(frozen=True, slots=True)
class JointState:
    approval_id: int
    lead_department_code: str
    parts: list[Part]

    @property
    def all_passed(self) -> bool:
        return all(p.status == "passed" for p in self.parts)

    @property
    def waiting(self) -> list[str]:
        return [p.name for p in self.parts if p.status != "passed"]


async def passed_parts(session: AsyncSession, approval_id: int) -> set[str]:
    """The participants whose latest opinion is a pass."""
    return {code for code, opinion in (await _latest(session, approval_id)).items() if opinion.passed}


approval_joint.register(passed_parts)


async def _latest(session: AsyncSession, approval_id: int) -> dict[str, JointOpinion]:
    rows = (await session.execute(select(JointOpinion).where(JointOpinion.approval_id == approval_id)
                                  .order_by(JointOpinion.participant_code, JointOpinion.round))).scalars()
    return {row.participant_code: row for row in rows}  # the last round of each wins


def _is_participant(actor: Actor, participants: list[dict[str, Any]]) -> bool:
    return actor.role is Role.DEPARTMENT and any(p["department"] == actor.department_code for p in participants)


async def _joint_head(session: AsyncSession, actor: Actor, approval_id: int) -> tuple[Head, list[dict[str, Any]]]:
    """The approval and its participants, if the actor may see it: who may see the approval, and the
    participants' departments (a participant sees the joint item it takes part in)."""
    try:
        h = await head(session, SYSTEM, approval_id)
    except NotFound:
        raise not_visible("事项") from None
    participants = approval_joint.participants_of(h.route_definition, h.approval.item_code)
    if not _is_participant(actor, participants):
        seen = (await session.execute(select(Approval.id).where(
            Approval.id == approval_id, Visibility.condition(Approval, actor)))).scalar_one_or_none()
        if seen is None:
            raise not_visible("事项")
    if not participants:
        raise NotFound("该事项不是联合验收事项（not a joint item）")
    return h, participants


async def state_of(session: AsyncSession, h: Head, participants: list[dict[str, Any]]) -> JointState:
    latest = await _latest(session, h.approval.id)
    codes = {p["department"] for p in participants}
    names = dict((await session.execute(select(Department.code, Department.name)
                                        .where(Department.code.in_(codes)))).tuples().all())
    parts = []
    for p in participants:
        opinion = latest.get(p["code"])
        status = "pending" if opinion is None else ("passed" if opinion.passed else "failed")
        parts.append(Part(p["code"], p["name"], p["department"], names.get(p["department"], p["department"]),
                          status, opinion.round if opinion else 0, list(opinion.findings) if opinion else [],
                          opinion.recorded_on if opinion else None))
    return JointState(h.approval.id, h.approval.department_code, parts)


async def show(session: AsyncSession, actor: Actor, approval_id: int) -> JointState:
    h, participants = await _joint_head(session, actor, approval_id)
    return await state_of(session, h, participants)


def _choose(actor: Actor, participants: list[dict[str, Any]], code: str | None) -> dict[str, Any]:
    own = [p for p in participants if p["department"] == actor.department_code]
    if code is not None:
        chosen = [p for p in own if p["code"] == code]
        if not chosen:
            raise Forbidden("只有该参与部门可出具其验收意见（not this department's part）")
        return chosen[0]
    if len(own) > 1:
        raise Invalid("贵部门承担多项验收，须选择出具意见的验收项：" + "、".join(p["name"] for p in own)
                      + "（participant is required）", field="participant")
    return own[0]


async def record(session: AsyncSession, actor: Actor, approval_id: int, *, passed: bool, findings: list[str],
                 participant: str | None, today: date) -> JointState:
    """A participant department records its opinion; a failure names the findings the enterprise must fix."""
    h, participants = await _joint_head(session, actor, approval_id)
    if not _is_participant(actor, participants):
        raise Forbidden("联合验收意见由各参与部门出具（only a participant department records its opinion）")
    part = _choose(actor, participants, participant)
    approval = h.approval
    if approval.status != "accepted":
        raise Conflict("事项受理后、办结前方可出具联合验收意见（the joint item is not under way）",
                       extra={"status": approval.status})
    findings = [f.strip() for f in findings if f.strip()]
    if not passed and not findings:
        raise Invalid("不通过时须列明需整改的问题（findings are required for a failure）", field="findings")
    latest = (await _latest(session, approval.id)).get(part["code"])
    if latest is not None and latest.passed:
        raise Conflict(f"{part['name']}已出具通过意见（this participant has passed）", field="participant")
    opinion = JointOpinion(approval_id=approval.id, participant_code=part["code"], department_code=part["department"],
                           round=(latest.round + 1) if latest else 1, passed=passed,
                           findings=[] if passed else findings, recorded_on=today, recorded_by=actor.user_id,
                           created_at=timeutil.now())
    session.add(opinion)
    await session.flush()  # a concurrent opinion of the same round fails here (unique round)
    await audit.record(session, actor, "approval.joint_opinion", "approval", approval.id,
                       project_id=approval.project_id,
                       after={"participant": part["code"], "round": opinion.round, "passed": passed,
                              "findings": opinion.findings})
    state = await state_of(session, h, participants)
    await _tell(session, h, part["name"], opinion, state)
    return state


async def _tell(session: AsyncSession, h: Head, name: str, opinion: JointOpinion, state: JointState) -> None:
    project, key = h.project, f"joint:{opinion.approval_id}:{opinion.participant_code}:{opinion.round}"
    if not opinion.passed:
        found = "；".join(opinion.findings)
        await outbox.to_enterprise(
            session, h.enterprise, key=f"{key}:enterprise", subject=f"联合验收{name}未通过，请整改",
            body=f"项目“{project.name}”联合验收中{name}未通过，须整改：{found}。整改后由该部门复验，其他部门的意见不变。",
            sms=f"【行政服务中心】项目{project.name}联合验收{name}未通过，请登录查看整改事项。",
            object_type="approval", object_id=opinion.approval_id, project_id=project.id)
    verdict = "通过" if opinion.passed else "不通过"
    lead = "全部参与部门已通过，可办结。" if state.all_passed else "尚待：" + "、".join(state.waiting) + "。"
    await outbox.to_department(
        session, h.approval.department_code, key=f"{key}:lead", subject=f"联合验收意见：{name}{verdict}",
        body=f"项目“{project.name}”联合验收：{name}{verdict}。{lead}",
        object_type="approval", object_id=opinion.approval_id, project_id=project.id)


async def of_project(session: AsyncSession, actor: Actor, project_id: int
                     ) -> list[tuple[Approval, JointState, list[dict[str, Any]]]]:
    """The project's joint items sent to their department, each with its parts and the parts this actor records
    (the project page's coordination section; the caller has checked the project is visible)."""
    definition = (await session.execute(select(Route.definition).join(Project, Project.route_id == Route.id)
                                        .where(Project.id == project_id))).scalar_one_or_none()
    joint_codes = [entry["item"] for entry in (definition or {}).get("items", []) if entry.get("participants")]
    approvals = (await session.execute(select(Approval).where(
        Approval.project_id == project_id, Approval.submitted_on.is_not(None),
        Approval.item_code.in_(joint_codes or [""])).order_by(Approval.id))).scalars().all()
    found = []
    for approval in approvals:
        try:
            h, participants = await _joint_head(session, actor, approval.id)
        except NotFound:  # not a joint item, or one this actor may not see
            continue
        mine = [p for p in participants if actor.role is Role.DEPARTMENT and p["department"] == actor.department_code]
        found.append((approval, await state_of(session, h, participants), mine))
    return found

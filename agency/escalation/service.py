"""What follows a firing: who is told (by level), the 督办通知单 for red, the audit trail; and the
escalations API (list, acknowledge, resolve)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import SYSTEM, Actor, Role, Visibility, get_visible, visible
from agency.accounts.models import User
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.documents import service as papers_service
from agency.documents.service import Papers
from agency.enterprises.models import Enterprise
from agency.errors import Conflict, Forbidden, Invalid
from agency.escalation.models import Escalation
from agency.escalation.sweep import SweepResult, sweep
from agency.notifications import service as outbox
from agency.projects.models import Approval, Project
from agency.settings import Settings

LEVEL_WORDS = {"prompt": "即将到期提示", "yellow": "黄牌预警", "red": "红牌督办", "l3": "县级督办"}
RULE_WORDS = {"clock": "", "stall_submitted": "报送后未及时受理", "stall_preparing": "材料准备停滞",
              "stall_supplement": "补正材料逾期未交"}
# Supervision notices are rendered a batch at a time so a first sweep over a large backlog stays short;
# the rest are made by the following runs.
NOTICES_PER_RUN = 200


def _visibility(actor: Actor) -> ColumnElement[bool]:
    if actor.role in (Role.ADMIN, Role.LEADER):
        return true()
    if actor.role is Role.DEPARTMENT:
        return Escalation.department_code == actor.department_code
    if actor.role is Role.CLERK:
        return Escalation.project_id.in_(select(Project.id).where(Project.clerk_id == actor.user_id))
    return false()


Visibility.register(Escalation, _visibility)


async def run(session: AsyncSession, as_of: date, settings: Settings, papers: Papers | None = None) -> SweepResult:
    """The sweep and everything that follows the new firings, in the caller's transaction."""
    result = await sweep(session, as_of)
    if result.new_ids:
        await _follow_up(session, result.new_ids, (settings.center_leaders, settings.county_leaders))
    if papers is not None:
        await _supervision_notices(session, papers, as_of)
    return result


async def _users(session: AsyncSession, usernames: Sequence[str]) -> list[User]:
    if not usernames:
        return []
    return list((await session.execute(select(User).where(User.username.in_(usernames)))).scalars())


async def _follow_up(session: AsyncSession, ids: list[int], leaders: tuple[tuple[str, ...], tuple[str, ...]]
                     ) -> None:
    center_leaders, county_leaders = await _users(session, leaders[0]), await _users(session, leaders[1])
    rows = (await session.execute(
        select(Escalation, Approval, Project, Department)
        .join(Approval, Approval.id == Escalation.approval_id).join(Project, Project.id == Escalation.project_id)
        .join(Department, Department.code == Escalation.department_code).where(Escalation.id.in_(ids)))).all()
    for escalation, approval, project, department in rows:
        targets = await _notify(session, escalation, approval, project, department, center_leaders, county_leaders)
        escalation.targets, escalation.notified = targets, True
        await audit.record(session, SYSTEM, f"escalation.{escalation.level}", "escalation", escalation.id,
                           project_id=project.id, after={
                               "approval_id": approval.id, "rule": escalation.rule, "level": escalation.level,
                               "as_of": escalation.as_of.isoformat(), "targets": targets,
                               "accountability": escalation.level == "l3"})
    await session.flush()


async def _notify(session: AsyncSession, e: Escalation, approval: Approval, project: Project,
                  department: Department, center_leaders: list[User], county_leaders: list[User]) -> list[str]:
    what = LEVEL_WORDS[e.level] + (f"（{RULE_WORDS[e.rule]}）" if RULE_WORDS[e.rule] else "")
    due = f"，承诺期限 {e.due_on.isoformat()}" if e.due_on else ""
    subject = f"{what}：{project.name}·{approval.name}"
    body = f"{department.name}办理的“{approval.name}”（项目 {project.code}）{what}{due}。请及时处理。"
    sms = f"【电子监察】{department.name}{approval.name}{LEVEL_WORDS[e.level]}，请及时办理。"
    key = f"escalation:{e.id}"
    common: dict[str, Any] = {"object_type": "escalation", "object_id": e.id, "project_id": project.id}
    users: list[User] = []
    clerk = await session.get(User, project.clerk_id)
    if clerk is not None:
        users.append(clerk)
    if e.level == "prompt" and approval.handler_id:
        handler = await session.get(User, approval.handler_id)
        users += [handler] if handler else []
    if e.level in ("yellow", "red", "l3") and e.rule != "stall_preparing":
        users += (await session.execute(select(User).where(User.department_code == department.code,
                                                           User.is_active.is_(True)))).scalars().all()
    contact_levels = {"yellow": ["chief_representative"], "red": ["leader_in_charge"],
                      "l3": ["main_leader"]}.get(e.level, [])
    if e.level in ("red", "l3"):
        users += center_leaders
    if e.level == "l3":
        users += county_leaders
    unique = {u.id: u for u in users}
    await outbox.to_users(session, unique.values(), key=key, subject=subject, body=body, **common)
    targets = [u.username for u in unique.values()]
    for contact_level in contact_levels if e.rule == "clock" or e.level != "prompt" else []:
        contact = (department.contacts or {}).get(contact_level)
        if contact and contact.get("phone"):
            await outbox.enqueue(session, key=key, channel="sms", address=contact["phone"], name=contact["name"],
                                 subject=subject, body=sms, **common)
            targets.append(f"{contact_level}:{contact['name']}")
    if e.rule == "stall_supplement":
        enterprise = await session.get_one(Enterprise, project.enterprise_id)
        await outbox.to_enterprise(session, enterprise, key=key, subject=f"请尽快提交补正材料：{approval.name}",
                                   body=f"贵单位“{approval.name}”的补正材料已逾期未交，请尽快提交，以免影响办理。",
                                   sms=f"【代办服务】{approval.name}补正材料逾期未交，请尽快提交。", **common)
        targets.append(f"enterprise:{enterprise.contact_name}")
    return targets


async def _supervision_notices(session: AsyncSession, papers: Papers, as_of: date) -> None:
    pending = (await session.execute(
        select(Escalation, Approval, Project).join(Approval, Approval.id == Escalation.approval_id)
        .join(Project, Project.id == Escalation.project_id)
        .where(Escalation.level == "red", Escalation.rule == "clock", Escalation.document_id.is_(None),
               Approval.status == "accepted").order_by(Escalation.id).limit(NOTICES_PER_RUN))).all()
    for escalation, approval, project in pending:
        document = await papers_service.generate(session, SYSTEM, papers, project, "supervision_notice",
                                                 approval=approval, output="docx", today=as_of)
        escalation.document_id = document.id
    await session.flush()


async def search(session: AsyncSession, actor: Actor, *, status: str | None, level: str | None,
                 department_code: str | None, project_id: int | None, approval_id: int | None, page: int,
                 page_size: int) -> tuple[list[Escalation], int]:
    query = visible(Escalation, actor)
    for column, value in ((Escalation.status, status), (Escalation.level, level),
                          (Escalation.department_code, department_code), (Escalation.project_id, project_id),
                          (Escalation.approval_id, approval_id)):
        if value is not None:
            query = query.where(column == value)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = (await session.execute(query.order_by(Escalation.id.desc()).offset((page - 1) * page_size)
                                  .limit(page_size))).scalars().all()
    return list(rows), total


async def acknowledge(session: AsyncSession, actor: Actor, escalation_id: int, note: str) -> Escalation:
    escalation = await get_visible(session, Escalation, escalation_id, actor, what="督办")
    if actor.role not in (Role.DEPARTMENT, Role.LEADER, Role.ADMIN):
        raise Forbidden("督办由责任部门签收（the department acknowledges）")
    if escalation.status != "open":
        raise Conflict("该督办已签收或已办结（already acknowledged or resolved）")
    escalation.status, escalation.acknowledged_by = "acknowledged", actor.user_id
    escalation.acknowledged_at, escalation.acknowledge_note = datetime.now(UTC), note.strip()
    await session.flush()
    await audit.record(session, actor, "escalation.acknowledge", "escalation", escalation.id,
                       project_id=escalation.project_id, after={"note": note.strip()})
    return escalation


async def resolve(session: AsyncSession, actor: Actor, escalation_id: int, note: str) -> Escalation:
    escalation = await get_visible(session, Escalation, escalation_id, actor, what="督办")
    if actor.role not in (Role.LEADER, Role.ADMIN, Role.CLERK):
        raise Forbidden("督办由领导或代办员办结（leaders and clerks resolve）")
    if escalation.status == "resolved":
        raise Conflict("该督办已办结（already resolved）")
    if len(note.strip()) < 2:
        raise Invalid("须填写处理结果（a note is required）", field="note")
    escalation.status, escalation.resolved_by = "resolved", actor.user_id
    escalation.resolved_at, escalation.resolve_note = datetime.now(UTC), note.strip()
    await session.flush()
    await audit.record(session, actor, "escalation.resolve", "escalation", escalation.id,
                       project_id=escalation.project_id, after={"note": note.strip()})
    return escalation

"""Every action on an approval: one function that checks role, department, version, state and the
action's pre-conditions, then writes the new state, the clock event, the audit event and the outbox
rows in the caller's transaction — all of it commits, or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, get_visible
from agency.accounts.models import User
from agency.approvals import notices
from agency.approvals.clocks import clock_of, events_of
from agency.approvals.models import ClockEventRow
from agency.approvals.rules import ACTION_NAMES, RULES, STATUS_NAMES, clock_event_of, target_of
from agency.approvals.schemas import ActionIn
from agency.audit import service as audit
from agency.calendar.service import get_calendar
from agency.catalog.models import Department
from agency.documents.service import Papers, generate_for_action
from agency.errors import Conflict, Forbidden, Invalid
from agency.files.models import StoredFile
from agency.projects.models import Approval, ApprovalPrerequisite, Project, ProjectMilestone
from agency.projects.service import refresh_status


@dataclass(slots=True)
class Act:
    """One action being taken, with everything its checks and effects need."""

    actor: Actor
    data: ActionIn
    approval: Approval
    project: Project
    department: Department
    today: date
    effective: date = date.min
    source: str = ""


async def act(session: AsyncSession, actor: Actor, approval_id: int, data: ActionIn, today: date,
              papers: Papers | None = None) -> Approval:
    approval = await get_visible(session, Approval, approval_id, actor, what="审批事项")
    project = await session.get_one(Project, approval.project_id)
    department = await session.get_one(Department, approval.department_code)
    step = Act(actor, data, approval, project, department, today, source=approval.status)
    _check_side(step)
    if data.version != approval.version:
        raise Conflict(f"事项已被他人更新（当前版本 {approval.version}），请刷新后重试（stale version）",
                       extra={"field": "version", "current_version": approval.version})
    rule = RULES[data.action]
    if approval.status not in rule.sources:
        raise Conflict(f"事项当前状态为“{STATUS_NAMES[approval.status]}”，不能{ACTION_NAMES[data.action]}"
                       f"（{data.action} not allowed in state {approval.status}）",
                       extra={"status": approval.status, "action": data.action})
    step.effective = await _effective_date(session, step)
    await _check_fields(session, step)
    before = _state(approval)
    await _apply(session, step)
    await session.flush()  # bumps the version; a concurrent writer of the same version fails here (409)
    events = (await events_of(session, [approval.id]))[approval.id]
    clock_of(approval, events, await get_calendar(session), today,
             green_channel=project.green_channel_status == "approved")  # refuses an impossible sequence
    await refresh_status(session, project)
    after = _state(approval) | _details(step)
    await audit.record(session, actor, f"approval.{data.action}", "approval", approval.id, project_id=project.id,
                       before=before, after=after)
    await notices.after_action(session, step.actor, approval, project, data.action, step.effective,
                               public_url=papers.settings.public_url if papers else None)
    if papers is not None:
        await generate_for_action(session, actor, papers, project, approval, data.action, today)
    return approval


def _check_side(step: Act) -> None:
    """Who may take the action: the clerk's side, or the department (recorded by the clerk if offline)."""
    actor, approval, rule = step.actor, step.approval, RULES[step.data.action]
    if rule.side == "clerk":
        if actor.role not in (Role.CLERK, Role.ADMIN):
            raise Forbidden(f"“{ACTION_NAMES[step.data.action]}”由代办员办理（only the agency clerk may do this）")
        return
    if actor.role is Role.DEPARTMENT:
        if actor.department_code != approval.department_code:
            raise Forbidden("只能办理本部门的事项（not your department's approval）")
        if step.data.effective_on is not None:
            raise Invalid("部门人员在线办理时不填写生效日期（effective_on is for recorded offline acts）",
                          field="effective_on")
        return
    offline = step.department.mode == "offline"
    if actor.role is Role.ADMIN or (actor.role is Role.CLERK and offline):
        if step.data.effective_on is None:
            raise Invalid("代为录入部门的办理结果时，须填写生效日期（effective_on is required）", field="effective_on")
        return
    if actor.role is Role.CLERK:
        raise Forbidden(f"{step.department.name}在线办理，须由部门窗口人员操作（the department acts online itself）")
    raise Forbidden("无权办理该事项（your role may not act on approvals）")


async def _effective_date(session: AsyncSession, step: Act) -> date:
    """The date the act took effect: today, or a recorded past date never before the previous event."""
    chosen = step.data.effective_on
    if chosen is None:
        return step.today
    if chosen > step.today:
        raise Invalid("生效日期不能晚于今天（effective_on cannot be in the future）", field="effective_on")
    last_event = (await session.execute(select(func.max(ClockEventRow.on)).where(
        ClockEventRow.approval_id == step.approval.id))).scalar_one_or_none()
    floor = max(d for d in (last_event, step.approval.status_since, date.min) if d is not None)
    if chosen < floor:
        raise Invalid(f"生效日期不能早于上一次办理记录（{floor.isoformat()}）"
                      "（effective_on before the previous event）", field="effective_on")
    return chosen


def _require(value: str | None, field: str, what: str) -> str:
    if value is None or len(value.strip()) < 2:
        raise Invalid(f"须填写{what}（{field} is required）", field=field)
    return value.strip()


async def _check_fields(session: AsyncSession, step: Act) -> None:
    data, snapshot, action = step.data, step.approval.snapshot, step.data.action
    if action in ("refuse_intake", "reject"):
        _require(data.reason, "reason", "理由")
        _require(data.legal_basis, "legal_basis", "法律依据")
    elif action == "withdraw":
        _require(data.reason, "reason", "撤回原因")
    elif action == "request_supplement":
        codes = {m["code"] for m in snapshot.get("materials") or []}
        if not data.missing_materials:
            raise Invalid("须一次性列明全部需补正的材料（missing_materials is required）", field="missing_materials")
        unknown = [c for c in data.missing_materials if c not in codes]
        if unknown:
            raise Invalid(f"材料 {', '.join(unknown)} 不属于该事项（unknown material）", field="missing_materials")
    elif action == "suspend":
        if not snapshot.get("suspension_allowed"):
            raise Conflict("该事项不允许中止（suspension is not allowed for this item）")
        _require(data.reason, "reason", "中止理由")
        if data.days is None:
            raise Invalid("须填写预计中止的天数（days is required）", field="days")
    elif action == "extend":
        await _check_extension(session, step)
    elif action == "approve" and data.valid_until is not None and data.valid_until < step.effective:
        raise Invalid("有效期不能早于办结日期（valid_until before the decision）", field="valid_until")
    elif action == "submit":
        await _check_ready(session, step.approval)
    elif action == "resubmit":
        await _check_supplied(session, step.approval)


async def _check_extension(session: AsyncSession, step: Act) -> None:
    snapshot = step.approval.snapshot
    if not snapshot.get("extension_allowed"):
        raise Conflict("该事项不允许延长办理期限（extension is not allowed for this item）")
    _require(step.data.reason, "reason", "延期理由")
    if step.data.days is None:
        raise Invalid("须填写延长的工作日数（days is required）", field="days")
    used = (await session.execute(select(func.coalesce(func.sum(ClockEventRow.days), 0)).where(
        ClockEventRow.approval_id == step.approval.id, ClockEventRow.kind == "extended"))).scalar_one()
    cap = snapshot.get("extension_cap_workdays") or 0
    if used + step.data.days > cap:
        raise Invalid(f"延长后合计 {used + step.data.days} 日，超过上限 {cap} 日（extension over the cap）",
                      field="days")


async def missing_for_submission(session: AsyncSession, approval: Approval) -> dict[str, list[str]]:
    """What stands between this approval and its submission; empty lists mean ready."""
    prerequisites = (await session.execute(
        select(Approval.item_code, Approval.name, Approval.status)
        .join(ApprovalPrerequisite, ApprovalPrerequisite.prerequisite_id == Approval.id)
        .where(ApprovalPrerequisite.approval_id == approval.id))).all()
    milestones = (await session.execute(select(ProjectMilestone).where(
        ProjectMilestone.project_id == approval.project_id,
        ProjectMilestone.code.in_(approval.waits_for_milestones or [""])))).scalars().all()
    with_files = set((await session.execute(select(StoredFile.material_code).where(
        StoredFile.approval_id == approval.id).distinct())).scalars())
    return {
        "prerequisites": [f"{p.name}（{STATUS_NAMES[p.status]}）" for p in prerequisites if p.status != "approved"],
        "milestones": [m.name for m in milestones if m.done_on is None],
        "materials": [m["name"] for m in approval.snapshot.get("materials") or []
                      if m.get("required") and m["code"] not in with_files],
    }


async def _check_ready(session: AsyncSession, approval: Approval) -> None:
    missing = await missing_for_submission(session, approval)
    if any(missing.values()):
        parts = [f"{label}：{'、'.join(missing[key])}" for key, label in
                 (("prerequisites", "前置事项未办结"), ("milestones", "节点未完成"), ("materials", "缺少材料"))
                 if missing[key]]
        raise Conflict("尚不具备报送条件 — " + "；".join(parts) + "（not ready to submit）", extra=missing)


async def _check_supplied(session: AsyncSession, approval: Approval) -> None:
    asked = (approval.pending_supplement or {}).get("missing_materials") or []
    requested_at = (approval.pending_supplement or {}).get("requested_at")
    query = select(StoredFile.material_code).where(StoredFile.approval_id == approval.id,
                                                   StoredFile.material_code.in_(asked or [""]))
    if requested_at:
        query = query.where(StoredFile.uploaded_at >= datetime.fromisoformat(requested_at))
    supplied = set((await session.execute(query)).scalars())
    names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
    lacking = [names.get(code, code) for code in asked if code not in supplied]
    if lacking:
        raise Conflict(f"补正材料尚未上传：{'、'.join(lacking)}（supplement not yet uploaded）",
                       extra={"materials": lacking})


async def _apply(session: AsyncSession, step: Act) -> None:
    approval, data, action = step.approval, step.data, step.data.action
    approval.status = target_of(action, step.source)
    approval.status_since = step.effective
    kind = clock_event_of(action, step.source)
    if kind is not None:
        session.add(ClockEventRow(approval_id=approval.id, kind=kind, on=step.effective,
                                  days=data.days if kind == "extended" else 0,
                                  reason=(data.reason or data.note or "").strip(), action=action,
                                  recorded_by=step.actor.user_id, recorded_at=datetime.now(UTC)))
    if action == "submit":
        approval.submitted_on = step.effective
        approval.pending_supplement = None
    elif action == "accept" and step.actor.role is Role.DEPARTMENT:
        approval.handler_id = step.actor.user_id  # 首问负责: the officer who accepts owns the case
    elif action == "request_supplement":
        approval.pending_supplement = {
            "missing_materials": data.missing_materials, "reason": (data.reason or data.note or "").strip(),
            "requested_on": step.effective.isoformat(), "requested_at": datetime.now(UTC).isoformat(),
            "before_acceptance": step.source == "submitted"}
    elif action in ("resubmit", "resume"):
        approval.pending_supplement = None
    elif action in ("approve", "reject", "refuse_intake"):
        approval.decided_on = step.effective
        approval.decision = {
            "outcome": {"approve": "approved", "reject": "rejected", "refuse_intake": "refused"}[action],
            "certificate_no": data.certificate_no, "valid_until": _iso(data.valid_until),
            "reason": data.reason, "legal_basis": data.legal_basis, "decided_on": step.effective.isoformat(),
            "note": data.note}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _state(approval: Approval) -> dict[str, Any]:
    return {"status": approval.status, "version": approval.version}


def _details(step: Act) -> dict[str, Any]:
    data = step.data
    details = {k: v for k, v in {
        "reason": data.reason, "legal_basis": data.legal_basis, "note": data.note,
        "missing_materials": data.missing_materials, "days": data.days, "certificate_no": data.certificate_no,
        "valid_until": _iso(data.valid_until)}.items() if v is not None}
    details["effective_on"] = step.effective.isoformat()
    if data.effective_on is not None:
        # An act recorded for the department: the log says who entered it, and that it was backdated.
        details["recorded_for_department"] = step.department.code
    return details


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

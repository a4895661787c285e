"""Every action on an approval: one function that checks role, department, version, state and the
action's pre-conditions, then writes the new state, the clock event, the clock row, the dossier's
derived status, the audit event and the outbox rows (and the jobs for its papers) in the caller's
transaction — all of it commits, or none of it.

The write path reads the approval with its dossier, department, route and clock events in one statement
(``queries.head``), and answers from what it holds: the clock is computed once, in Python, from
the events as the action leaves them, and written to the clock row there and then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import SYSTEM, Actor, Role
from agency.accounts.models import User
from agency.approvals import (
    clock_rows,
    commitments,
    decisions,
    intake,
    joint,
    materials,
    notices,
    project_status,
    readiness,
    supplements,
)
from agency.approvals.clock import ClockEvent, ClockState
from agency.approvals.clocks import read_clock
from agency.approvals.materials import MaterialView
from agency.approvals.models import Approval, ClockEventRow
from agency.approvals.queries import Head, head
from agency.approvals.rules import ACTION_NAMES, RULES, STATUS_NAMES, clock_event_of, target_of
from agency.approvals.schemas import ActionIn
from agency.audit import service as audit
from agency.calendar.service import calendar_and_revision, get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import Department
from agency.enterprises.models import Enterprise
from agency.errors import Conflict, Forbidden, Invalid
from agency.fees import service as fees
from agency.files.models import StoredFile
from agency.obligations import service as obligations
from agency.projects.handover import require_holder
from agency.projects.models import Project
from agency.violations import service as violations


@dataclass(slots=True)
class Act:
    """One action being taken, with everything its checks and effects need."""

    actor: Actor
    data: ActionIn
    approval: Approval
    project: Project
    department: Department
    route_definition: dict[str, Any] | None
    events: list[ClockEvent]
    today: date
    effective: date = date.min
    source: str = ""
    # request_supplement: materials asked for again although provided and unchanged since the last notice.
    repeated: list[str] = field(default_factory=list)
    # An act taken from an outside system's record: its source and record id, for the audit line.
    origin: dict[str, str] | None = None
    # The material views a check read (no action changes them): the answer shows them without a second read;
    # and the decision scans read with them, where they were.
    materials: list[MaterialView] | None = None
    scans: list[StoredFile] | None = None
    # A decision: whether any fee line is only assessed (read with the head); if none, no unpaid line can block.
    fees_assessed: bool = True


@dataclass(slots=True)
class Acted:
    """What an action leaves: the approval as it now is, with what its answer is made of."""

    approval: Approval
    project: Project
    department: Department
    enterprise: Enterprise
    handler: User | None
    prerequisites: list[int]
    events: list[ClockEvent]
    clock: ClockState
    materials: list[MaterialView] | None = None
    scans: list[StoredFile] | None = None


async def act(session: AsyncSession, actor: Actor, approval_id: int, data: ActionIn, today: date, *,
              bundled: bool = False, origin: dict[str, str] | None = None,
              checked_materials: list[MaterialView] | None = None, known: Head | None = None,
              known_events: list[ClockEvent] | None = None) -> Acted:
    """``bundled``: the action is taken by a bundle (报送批次) that carries the materials. An answer to a one-time
    notice is only ever taken so: it goes out with its 移交清单, and its date is the bundle's (agency/bundles) —
    unless the provincial system took it for an external department. ``origin``: the outside system's record
    the act comes from (agency.sync), named in the audit line. ``checked_materials``: the bundle taking a submit
    or resubmit read and checked the materials in this transaction (agency/bundles): not checked twice.
    ``known``, ``known_events``: the approval's head (``head(…, with_actor=True)`` for an actor of the same role
    and department; without its decision facts, the decision reads them) and clock events as a caller acting on
    it again in this transaction has them (agency.sync: the ``Acted.events`` of its previous act): not read
    again."""
    h = known if known is not None else await head(session, actor, approval_id, with_actor=True,
                                                   for_decision=data.action == "approve")
    await require_holder(session, actor, h.project)  # a site's clerk acts on his site's dossiers only
    approval = h.approval
    events = known_events if known_events is not None else h.events
    step = Act(actor, data, approval, h.project, h.department, h.route_definition, events, today,
               source=approval.status, origin=origin, fees_assessed=h.decision is None or h.decision.fees_assessed)
    if bundled and data.action in ("submit", "resubmit"):
        step.materials = checked_materials
    _check_side(step)
    if data.version != approval.version:
        raise Conflict(f"事项已被他人更新（当前版本 {approval.version}），请刷新后重试（stale version）",
                       extra={"field": "version", "current_version": approval.version})
    rule = RULES[data.action]
    if approval.status not in rule.sources:
        raise Conflict(f"事项当前状态为“{STATUS_NAMES[approval.status]}”，不能{ACTION_NAMES[data.action]}"
                       f"（{data.action} not allowed in state {approval.status}）",
                       extra={"status": approval.status, "action": data.action})
    if not bundled and not _by_the_province(step) and (
            data.action == "resubmit" or (data.action == "submit" and approval.pending_supplement)):
        raise Conflict("补正材料须组批报送（随材料移交清单）：请在项目页“组批报送”中报送，或办理“补正后重新提交”"
                       "（a supplement goes out only through a bundle）", extra={"status": approval.status})
    step.effective = _effective_date(step)
    await _check_fields(session, step)
    return await _write(session, step, h, f"approval.{data.action}")


async def deem_accepted(session: AsyncSession, approval_id: int, today: date) -> Acted:
    """行政许可法 第三十二条: an application the department neither accepted, refused nor asked to supplement within
    5 working days of receiving it is accepted by law as of the day it was received. The sweep calls this; the
    clock starts on that day, the department's violation is recorded, and it may still act afterwards."""
    h = await head(session, SYSTEM, approval_id)
    approval = h.approval
    if approval.status != "submitted" or approval.submitted_on is None:
        raise Conflict("只有已报送待受理的事项才能视为受理（not awaiting intake）")
    events = h.events
    step = Act(SYSTEM, ActionIn(action="accept", version=approval.version), approval, h.project, h.department,
               h.route_definition, events, today, effective=approval.submitted_on, source=approval.status)
    approval.deemed = True
    acted = await _write(session, step, h, "approval.deemed_accept")
    calendar = await get_calendar(session)
    answer_by = intake.answer_by(calendar, approval.submitted_on)
    await violations.record(session, kind="intake_overdue", approval_id=approval.id, project_id=approval.project_id,
                            department_code=approval.department_code, occurred_on=answer_by + timedelta(days=1),
                            detail={"received_on": approval.submitted_on.isoformat(),
                                    "answer_by": answer_by.isoformat()})
    return acted


async def _write(session: AsyncSession, step: Act, h: Head, audit_action: str) -> Acted:
    """Everything an action writes once its checks have passed, in the order every writer keeps."""
    approval, project = step.approval, step.project
    calendar, revision = await calendar_and_revision(session)
    before = _state(approval)
    event = _apply(session, step, calendar)
    if step.data.action == "approve":
        step.materials, step.scans = await materials.views_and_scans(session, approval, decisions.KIND)
        commitments.open_for(session, approval, step.effective, step.materials)  # 告知承诺: checked later
        await obligations.create_for_decision(  # what the enterprise owes after it (开工, 备案 …)
            session, approval_id=approval.id, project_id=approval.project_id,
            department_code=approval.department_code, catalog_item_id=approval.catalog_item_id,
            decided_on=step.effective, valid_until=step.data.valid_until,
            item_rules=h.decision.obligation_rules if h.decision else None)
    await session.flush()  # bumps the version; a concurrent writer of the same version fails here (409)
    events = [*step.events, event] if event is not None else step.events
    clock = read_clock(approval, project, step.route_definition, events, calendar, step.today)  # refuses the impossible
    await _record_violations(session, step, clock)
    # In this order, as every writer of these rows: the approval, its dossier, its clock (no deadlock between
    # two actions of one dossier, nor with the dossier's green-channel decision).
    if project_status.may_change(step.source, approval.status):
        await project_status.refresh(session, project)
    if events:
        await clock_rows.write(session, clock_rows.Owner.of(approval, project, step.route_definition), events,
                               calendar, revision, step.today)
    after = _state(approval) | _details(step)
    await audit.record(session, step.actor, audit_action, "approval", approval.id, project_id=project.id,
                       before=before, after=after)
    await notices.after_action(session, step.actor, approval, project, h.enterprise, step.data.action,
                               step.effective, step.today, deemed=audit_action == "approval.deemed_accept",
                               facts=_details(step),
                               material_decisions=None if step.materials is None
                               else [m.decision for m in step.materials])
    handler = h.handler
    if approval.handler_id is not None and (handler is None or handler.id != approval.handler_id):
        handler = h.acting  # 首问负责: the officer who accepted it
    return Acted(approval, project, step.department, h.enterprise, handler, h.prerequisites, events, clock,
                 step.materials, step.scans)


def _check_side(step: Act) -> None:
    """Who may take the action: the clerk's side, or the department (recorded by the clerk if offline)."""
    actor, approval, rule = step.actor, step.approval, RULES[step.data.action]
    if actor.role is Role.INTEGRATION:
        # The provincial system's record of either side's act (the enterprise submits there too), dated.
        if step.data.effective_on is None:
            raise Invalid("外部系统的办理记录须有生效日期（effective_on is required）", field="effective_on")
        return
    if rule.side == "clerk":
        if actor.role not in (Role.CLERK, Role.ADMIN):
            raise Forbidden(f"“{ACTION_NAMES[step.data.action]}”由代办员办理（only the agency clerk may do this）")
        return
    external = step.department.mode == "external"
    if actor.role is Role.DEPARTMENT:
        if actor.department_code != approval.department_code:
            raise Forbidden("只能办理本部门的事项（not your department's approval）")
        if external:
            raise Forbidden(f"{step.department.name}在省工程建设项目审批管理系统办理，办理结果由同步导入"
                            "（the department acts in the provincial system）")
        if step.data.effective_on is not None:
            raise Invalid("部门人员在线办理时不填写生效日期（effective_on is for recorded offline acts）",
                          field="effective_on")
        return
    offline = step.department.mode == "offline"
    if actor.role is Role.ADMIN or (actor.role is Role.CLERK and offline):
        if step.data.effective_on is None:
            raise Invalid("代为录入部门的办理结果时，须填写生效日期（effective_on is required）", field="effective_on")
        return
    if actor.role is Role.CLERK and external:
        raise Forbidden(f"{step.department.name}在省工程建设项目审批管理系统办理，办理结果由同步导入，"
                        "代办员不能手工录入"
                        "（the department's acts arrive by sync）")
    if actor.role is Role.CLERK:
        raise Forbidden(f"{step.department.name}在线办理，须由部门窗口人员操作（the department acts online itself）")
    raise Forbidden("无权办理该事项（your role may not act on approvals）")


def _effective_date(step: Act) -> date:
    """The date the act took effect: today, or a recorded past date never before the previous event."""
    chosen = step.data.effective_on
    if chosen is None:
        return step.today
    if chosen > step.today:
        raise Invalid("生效日期不能晚于今天（effective_on cannot be in the future）", field="effective_on")
    last_event = max((e.on for e in step.events), default=None)
    floor = max(d for d in (last_event, step.approval.status_since, date.min) if d is not None)
    if chosen < floor and not (step.origin or {}).get("correction"):  # an admin's, of a late sync record
        raise Invalid(f"生效日期不能早于上一次办理记录（{floor.isoformat()}）"
                      "（effective_on before the previous event）", field="effective_on")
    return chosen


def _require(value: str | None, field: str, what: str) -> str:
    if value is None or len(value.strip()) < 2:
        raise Invalid(f"须填写{what}（{field} is required）", field=field)
    return value.strip()


async def _check_fields(session: AsyncSession, step: Act) -> None:
    data, snapshot, action = step.data, step.approval.snapshot, step.data.action
    # For an external department the provincial system checked the materials and bundles: its records skip
    # Agency's own pre-conditions (the state rules above still hold).
    by_the_province = _by_the_province(step)
    if action in ("refuse_intake", "reject"):
        _require(data.reason, "reason", "理由")
        _require(data.legal_basis, "legal_basis", "法律依据")
    elif action == "withdraw":
        _require(data.reason, "reason", "撤回原因")
    elif action == "request_supplement":
        step.repeated = await supplements.check_request(session, step.approval, data)
    elif action == "terminate":
        supplements.check_terminate(step.approval, data, step.today)
    elif action == "suspend":
        if not snapshot.get("suspension_allowed"):
            raise Conflict("该事项不允许中止（suspension is not allowed for this item）")
        _require(data.reason, "reason", "中止理由")
        if data.days is None:
            raise Invalid("须填写预计中止的天数（days is required）", field="days")
    elif action == "extend":
        await _check_extension(session, step)
    elif action == "approve":
        if not by_the_province:  # 联合验收: every participant has passed (the province's record holds its own)
            await joint.require_all_passed(session, step.approval.id, step.approval.item_code, step.route_definition)
        # 统一收费: paid before the decision
        if step.fees_assessed and (unpaid := await fees.unpaid_blocking(session, step.approval.id)):
            raise Conflict("尚有应缴未缴的费用：" + "、".join(f.name for f in unpaid) + "，缴款登记后方可办结"
                           "（a mandatory fee is unpaid）", extra={"fee_ids": [f.id for f in unpaid]})
        if data.valid_until is not None and data.valid_until < step.effective:
            raise Invalid("有效期不能早于办结日期（valid_until before the decision）", field="valid_until")
        if data.decision_file_ids:
            await decisions.check_named(session, step.approval, data.decision_file_ids)
    elif by_the_province:
        return
    elif action in ("submit", "resubmit") and step.materials is not None:
        return  # the bundle that carries them checked them in this transaction, from the same views
    elif action == "submit":
        step.materials = await readiness.check_ready(session, step.approval)
        readiness.require_supplied(step.approval, step.materials)  # a notice given before acceptance, answered
    elif action == "resubmit":
        step.materials = await readiness.check_supplied(session, step.approval)
    elif action == "accept":
        step.materials, step.scans = await readiness.check_intake(session, step.approval, decisions.KIND)


def _by_the_province(step: Act) -> bool:
    """An act the provincial system recorded for an external department: it checked materials and bundles."""
    return step.actor.role is Role.INTEGRATION and step.department.mode == "external"


async def _check_extension(session: AsyncSession, step: Act) -> None:
    snapshot = step.approval.snapshot
    if not snapshot.get("extension_allowed"):
        raise Conflict("该事项不允许延长办理期限（extension is not allowed for this item）")
    _require(step.data.reason, "reason", "延期理由")
    if step.data.days is None:
        raise Invalid("须填写延长的工作日数（days is required）", field="days")
    used = sum(e.days for e in step.events if e.kind == "extended")
    cap = snapshot.get("extension_cap_workdays") or 0
    if used + step.data.days > cap:
        raise Invalid(f"延长后合计 {used + step.data.days} 日，超过上限 {cap} 日（extension over the cap）",
                      field="days")


async def _record_violations(session: AsyncSession, step: Act, clock: ClockState) -> None:
    """What the action shows the department did against the law's rules: a limit passed when it decided, a
    material asked for again."""
    approval = step.approval
    if step.repeated:
        reason = (step.data.reason or "").strip()
        await supplements.record_repeats(session, approval, step.repeated, step.effective, reason)
    if clock.finished_on is None or step.data.action == "withdraw":
        return
    for kind, late, due in (("promised_overdue", clock.on_time is False, clock.due_on),
                            ("statutory_overdue", clock.statutory_on_time is False, clock.statutory_due_on)):
        if late and due is not None:
            await violations.record(session, kind=kind, approval_id=approval.id, project_id=approval.project_id,
                                    department_code=approval.department_code, occurred_on=due + timedelta(days=1),
                                    detail={"due_on": due.isoformat(), "finished_on": clock.finished_on.isoformat()})


def _apply(session: AsyncSession, step: Act, calendar: WorkCalendar) -> ClockEvent | None:
    """Writes the action's state changes (and its clock event, returned) into the session."""
    approval, data, action = step.approval, step.data, step.data.action
    approval.status = target_of(action, step.source)
    approval.status_since = step.effective
    kind = clock_event_of(action, step.source)
    event = None
    if kind is not None:
        days = data.days if kind == "extended" and data.days is not None else 0
        session.add(ClockEventRow(approval_id=approval.id, kind=kind, on=step.effective, days=days,
                                  reason=(data.reason or data.note or "").strip(), action=action,
                                  recorded_by=step.actor.user_id, recorded_at=timeutil.now()))
        event = ClockEvent(kind, step.effective, days)  # type: ignore[arg-type]
    if action == "submit":
        approval.submitted_on = step.effective
        approval.pending_supplement = None
    elif action == "accept" and step.actor.role is Role.DEPARTMENT:
        approval.handler_id = step.actor.user_id  # 首问负责: the officer who accepts owns the case
    elif action == "request_supplement":
        notice = supplements.notice_of(approval, data, step.effective, step.source == "submitted", calendar)
        approval.pending_supplement = notice
        approval.supplement_rounds = [*(approval.supplement_rounds or []), supplements.round_of(notice)]
    elif action in ("resubmit", "resume"):
        approval.pending_supplement = None
    elif action in ("approve", "reject", "refuse_intake", "terminate"):
        approval.decided_on = step.effective
        approval.decision = {
            "outcome": {"approve": "approved", "reject": "rejected", "refuse_intake": "refused",
                        "terminate": "terminated"}[action],
            "certificate_no": data.certificate_no, "valid_until": _iso(data.valid_until),
            "reason": data.reason, "legal_basis": data.legal_basis, "decided_on": step.effective.isoformat(),
            "note": data.note, "file_ids": list(dict.fromkeys(data.decision_file_ids or []))}
    return event


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _state(approval: Approval) -> dict[str, Any]:
    return {"status": approval.status, "version": approval.version}


def _details(step: Act) -> dict[str, Any]:
    data = step.data
    details = {k: v for k, v in {
        "reason": data.reason, "legal_basis": data.legal_basis, "note": data.note,
        "missing_materials": supplements.asked(data) if data.action == "request_supplement" else None,
        "defects": {d.material_code: d.defect for d in data.defects} if data.defects else None,
        "kind": (data.kind or "other") if data.action == "suspend" else None, "days": data.days,
        "certificate_no": data.certificate_no, "valid_until": _iso(data.valid_until),
        "decision_file_ids": data.decision_file_ids or None}.items() if v is not None}
    details["effective_on"] = step.effective.isoformat()
    if data.effective_on is not None:
        # An act recorded for the department: the log says who entered it, and that it was backdated.
        details["recorded_for_department"] = step.department.code
    if step.origin:
        details.update(step.origin)
    return details

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.accounts.schemas import UserRef
from agency.approvals import exports, handlers, queries, service
from agency.approvals.materials import STATE_NAMES, MaterialView
from agency.approvals.rules import STATUS_NAMES, awaits_supplement_before_acceptance, status_name
from agency.approvals.schemas import (
    ActionIn,
    ApprovalOut,
    ClockOut,
    FileOut,
    HandlerIn,
    MaterialOut,
    NoticeOut,
    WorkItem,
)
from agency.enterprises.schemas import EnterpriseRef
from agency.files.models import StoredFile
from agency.schemas import Page, PageNo, PageSize
from agency.spreadsheets import xlsx_response
from agency.timeutil import today_local

Level = Annotated[str | None, QueryParameter(pattern="^(none|prompt|yellow|red|l3)$")]
Status = Annotated[str | None, QueryParameter(pattern="^(" + "|".join(STATUS_NAMES) + ")$")]


def clock_summary(view: queries.ApprovalView) -> str:
    """The clock in plain words, as a clerk would say it."""
    c = view.clock
    if c.accepted_on is None:
        return "尚未受理，未开始计时"
    if c.finished_on is not None:
        return f"已于 {c.finished_on.isoformat()} 办结，{'在' if c.on_time else '超过'}承诺期限内"
    used = f"已用 {c.elapsed_workdays} 个工作日"
    if c.paused:
        return f"{used}，计时暂停中（补正或中止），恢复后继续计算"
    if c.remaining_workdays is not None and c.remaining_workdays < 0:
        return f"{used}，已超过承诺期限 {-c.remaining_workdays} 个工作日（承诺期限 {c.due_on}）"
    provisional = "（含未公布调休安排的年份，日期为暂定）" if c.provisional else ""
    return f"{used}，剩余 {c.remaining_workdays} 个工作日，承诺期限 {c.due_on}{provisional}"


def file_out(f: StoredFile) -> FileOut:
    return FileOut(id=f.id, filename=f.original_name, size=f.size, sha256=f.sha256, content_type=f.content_type,
                   uploaded_at=f.uploaded_at, version=f.version, state=f.state, changed_by=f.changed_by,
                   changed_at=f.changed_at, reason=f.change_reason)


def material_out(m: MaterialView) -> MaterialOut:
    s, d = m.spec, m.decision
    return MaterialOut(
        code=m.code, name=m.name, required=m.required, copies=s.get("copies", 1),
        original=s.get("original", "original"),
        accepted_types=s.get("accepted_types", ["pdf"]), state=m.state,  # type: ignore[arg-type]
        state_name=STATE_NAMES[m.state], files=[file_out(f) for f in m.files],
        pending=[file_out(f) for f in m.pending], history=[file_out(f) for f in m.history],
        promised_on=d.promised_on if d else None, reused_from=d.reused_from_approval_id if d else None,
        source=d.source if d else None, reference=d.reference if d else None,
        exempt_reason=d.reason if d and d.state == "exempt" else None,
        deferrable=bool(s.get("deferrable")), commitment=bool(s.get("commitment")),
        shareable=bool(s.get("shareable")), exemptible=bool(s.get("exemptible")), produced_by=s.get("produced_by"))


def approval_out(view: queries.ApprovalView, actor: Actor) -> ApprovalOut:
    a, c = view.approval, view.clock
    materials = [material_out(m) for m in view.materials]
    return ApprovalOut(
        id=a.id, project_id=a.project_id, project_code=view.project.code, project_name=view.project.name,
        enterprise=EnterpriseRef(id=view.enterprise.id, name=view.enterprise.name), item_code=a.item_code,
        name=a.name, department_code=a.department_code, department_name=view.department.name,
        department_mode=view.department.mode, stage=a.stage,
        status=a.status, status_name=status_name(a.status, a.pending_supplement), version=a.version,
        required=a.required,
        prerequisites=view.prerequisites, waits_for_milestones=a.waits_for_milestones,
        handler=UserRef(id=view.handler.id, display_name=view.handler.display_name) if view.handler else None,
        submitted_on=a.submitted_on,
        clock=ClockOut(accepted_on=c.accepted_on, due_on=c.due_on, statutory_due_on=c.statutory_due_on,
                       elapsed_workdays=c.elapsed_workdays, remaining_workdays=c.remaining_workdays,
                       paused=c.paused, provisional=c.provisional, level=c.level,
                       promised_limit=a.snapshot.get("promised_limit"),
                       statutory_limit=a.snapshot.get("statutory_limit"), extension_days=c.extension_days,
                       finished_on=c.finished_on, on_time=c.on_time, summary=clock_summary(view)),
        materials=materials,
        decision=a.decision or ({"pending_supplement": a.pending_supplement} if a.pending_supplement else None),
        allowed_actions=queries.allowed_actions(view, actor),
        escalations=[{"id": e.id, "rule": e.rule, "level": e.level, "status": e.status,
                      "fired_at": e.fired_at.isoformat()} for e in view.escalations],
        deemed=a.deemed, commitment_breached=a.commitment_breached, intake_answer_by=view.intake_answer_by,
        supplement_rounds=[{"requested_on": r["requested_on"], "materials": r["materials"]}
                           for r in a.supplement_rounds or []],
        pending_supplement=awaits_supplement_before_acceptance(a.status, a.pending_supplement),
        supplement_notice=a.pending_supplement or None,
        decision_files=[file_out(f) for f in view.decision_files],
        notices=[NoticeOut(**n) for n in view.notices],
    )


class ApprovalController(Controller):
    path = "/api/approvals"
    tags = ["审批事项 approvals"]

    @get("")
    async def worklist(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                       department_code: FromQuery[str | None] = None, status: Status = None,
                       level: Level = None, project_id: FromQuery[int | None] = None,
                       awaiting_supplement: FromQuery[bool] = False, site_code: FromQuery[str | None] = None,
                       as_of: FromQuery[date | None] = None, page: PageNo = 1, page_size: PageSize = 50,
                       format: Annotated[str, QueryParameter(pattern="^(json|xlsx)$")] = "json"
                       ) -> Page[WorkItem] | Response[bytes]:
        """The inbox/worklist, scoped to the caller; open approvals unless a status is given; most urgent first;
        ``format=xlsx``: every row found (not one page) as a spreadsheet. ``awaiting_supplement=true``: those
        待补正, before acceptance (``pending_supplement``) or after it. ``site_code``: the items of the dossiers that
        site holds (the total counted by the same query)."""
        if format == "xlsx":
            day = as_of or today_local()
            return xlsx_response(await exports.worklist_workbook(
                db, actor, department_code=department_code, status=status, level=level, project_id=project_id,
                today=day, supplement=awaiting_supplement or None, site_code=site_code),
                f"事项清单_{day.isoformat()}.xlsx", f"worklist_{day.isoformat()}.xlsx")
        rows, total = await queries.worklist(db, actor, department_code=department_code, status=status,
                                             level=level, project_id=project_id, today=as_of or today_local(),
                                             page=page, page_size=page_size,
                                             supplement=awaiting_supplement or None, site_code=site_code)
        return Page(items=[WorkItem(
            id=r.approval.id, project_id=r.project.id, project_code=r.project.code, project_name=r.project.name,
            enterprise_name=r.enterprise_name, item_code=r.approval.item_code, name=r.approval.name,
            department_code=r.approval.department_code, status=r.approval.status,
            status_name=status_name(r.approval.status, r.approval.pending_supplement), version=r.approval.version,
            due_on=r.clock.due_on, remaining_workdays=r.clock.remaining_workdays, level=r.clock.level,
            green_channel=r.project.green_channel_status == "approved",
            pending_supplement=awaits_supplement_before_acceptance(r.approval.status, r.approval.pending_supplement))
            for r in rows],
            total=total, page=page, page_size=page_size)

    @get("/{approval_id:int}")
    async def get_one(self, approval_id: FromPath[int], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession], as_of: FromQuery[date | None] = None) -> ApprovalOut:
        return approval_out(await queries.approval_view(db, actor, approval_id, as_of or today_local()), actor)

    @post("/{approval_id:int}/actions", status_code=200)
    async def act(self, approval_id: FromPath[int], data: JSONBody[ActionIn], actor: NamedDependency[Actor],
                  db: NamedDependency[AsyncSession], state: State) -> ApprovalOut:
        """Take one life-cycle action. Wrong role → 403, wrong state or stale version → 409, missing field → 422.
        ``resubmit`` sends the supplemented materials in a bundle of kind ``resubmission`` with its 移交清单."""
        if data.action == "resubmit":
            # The bundle is the only way a supplement goes out; the composition wires who sends it (agency/app.py).
            await state.resubmission(db, state, actor, approval_id, data, today_local())
            return approval_out(await queries.approval_view(db, actor, approval_id, today_local()), actor)
        acted = await service.act(db, actor, approval_id, data, today_local())
        return approval_out(await queries.complete_view(db, acted.approval, acted.project, acted.department,
                                                        acted.enterprise, acted.handler, acted.prerequisites,
                                                        acted.clock, acted.materials, acted.scans), actor)

    @post("/{approval_id:int}/handler", status_code=200)
    async def reassign(self, approval_id: FromPath[int], data: JSONBody[HandlerIn], actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> ApprovalOut:
        """Hand the case to another officer of the same department (首问负责 stays inside the department)."""
        await handlers.reassign_handler(db, actor, approval_id, data.user_id, data.version)
        return approval_out(await queries.approval_view(db, actor, approval_id, today_local()), actor)

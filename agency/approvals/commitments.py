"""Checking commitments after the decision (告知承诺 → 事后核查, 国办发〔2020〕42号).

A material the enterprise committed to instead of proving (state ``committed``) is checked by the department
after the approval: a check opens when the approval is decided, due ``verify_within_months`` calendar months
later (the catalog's, or 2), and the sweep watches it like a clock (subject ``verification``). A check that
finds the commitment false flags the approval ``commitment_breached`` and tells the center's leaders, who act
on it (revocation, the credit record): that is theirs, outside Agency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, get_visible, visible
from agency.accounts.models import User
from agency.approvals.materials import MaterialView
from agency.approvals.models import Approval, CommitmentCheck
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.db.paging import paginate
from agency.errors import Conflict, Forbidden, Invalid
from agency.notifications import service as outbox
from agency.projects.models import Project

DEFAULT_MONTHS = 2
CHECK_NAMES = {"open": "待核查", "confirmed": "核查属实", "false": "承诺不实"}


def due_on(decided_on: date, months: int | None) -> date:
    """Calendar months after the decision; the last day of a shorter month stands for a missing day (31 → 30)."""
    return decided_on + relativedelta(months=months or DEFAULT_MONTHS)


def open_for(session: AsyncSession, approval: Approval, decided_on: date,
             materials: list[MaterialView]) -> list[CommitmentCheck]:
    """The checks an approval's decision opens: one per committed material (called by the approve action with
    the approval's material views, which its answer shows too)."""
    committed = {m.code for m in materials if m.decision is not None and m.decision.state == "committed"}
    checks = [CommitmentCheck(approval_id=approval.id, project_id=approval.project_id,
                              department_code=approval.department_code, material_code=m["code"],
                              opened_on=decided_on, due_on=due_on(decided_on, m.get("verify_within_months")),
                              status="open")
              for m in approval.snapshot.get("materials") or [] if m["code"] in committed]
    session.add_all(checks)
    return checks


@dataclass(frozen=True, slots=True)
class Listed:
    check: CommitmentCheck
    material_name: str
    approval_name: str
    project_name: str
    department_name: str


async def search(session: AsyncSession, actor: Actor, *, status: str | None, department_code: str | None,
                 approval_id: int | None, page: int, page_size: int) -> tuple[list[Listed], int]:
    query = visible(CommitmentCheck, actor)
    for attribute, value in ((CommitmentCheck.status, status), (CommitmentCheck.department_code, department_code),
                             (CommitmentCheck.approval_id, approval_id)):
        if value is not None:
            query = query.where(attribute == value)
    rows, total = await paginate(session, query, order_by=(CommitmentCheck.due_on, CommitmentCheck.id), page=page,
                                 page_size=page_size)
    return await _listed(session, rows), total


async def _listed(session: AsyncSession, checks: list[CommitmentCheck]) -> list[Listed]:
    """The names users read, for these checks: one statement."""
    found = {approval.id: (approval, project_name, department_name) for approval, project_name, department_name in (
        await session.execute(select(Approval, Project.name, Department.name)
                              .join(Project, Project.id == Approval.project_id)
                              .join(Department, Department.code == Approval.department_code)
                              .where(Approval.id.in_({c.approval_id for c in checks})))).all()}
    listed = []
    for check in checks:
        approval, project_name, department_name = found[check.approval_id]
        names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
        listed.append(Listed(check, names.get(check.material_code, check.material_code), approval.name,
                             project_name, department_name))
    return listed


async def record(session: AsyncSession, actor: Actor, check_id: int, *, result: Literal["confirmed", "false"],
                 finding: str, version: int, today: date) -> Listed:
    """The department records what its check found (the clerk for an offline department)."""
    check = await get_visible(session, CommitmentCheck, check_id, actor, what="核查任务")
    department = await session.get_one(Department, check.department_code)
    own = actor.role is Role.DEPARTMENT and actor.department_code == check.department_code
    if not (actor.role is Role.ADMIN or own or (actor.role is Role.CLERK and department.mode == "offline")):
        raise Forbidden("核查结果由办理部门登记（代办员仅为线下部门代录）（the department records its check）")
    if check.status != "open":
        raise Conflict(f"该核查已登记为“{CHECK_NAMES[check.status]}”（already recorded）",
                       extra={"status": check.status})
    if check.version != version:
        raise Conflict("核查任务已被他人修改，请刷新后重试（version mismatch）", extra={"version": check.version})
    finding = finding.strip()
    if result == "false" and len(finding) < 4:
        raise Invalid("承诺不实须写明核查发现（finding is required）", field="finding")
    before = {"status": check.status}
    check.status, check.finding, check.checked_by, check.checked_on = result, finding or None, actor.user_id, today
    approval = await session.get_one(Approval, check.approval_id, with_for_update=True)
    if result == "false":
        approval.commitment_breached = True
        await _tell_leaders(session, check, approval)
    await session.flush()
    await audit.record(session, actor, f"commitment_check.{result}", "approval", approval.id,
                       project_id=check.project_id, before=before,
                       after={"check_id": check.id, "material_code": check.material_code, "status": result,
                              "finding": check.finding})
    return (await _listed(session, [check]))[0]


async def _tell_leaders(session: AsyncSession, check: CommitmentCheck, approval: Approval) -> None:
    names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
    material = names.get(check.material_code, check.material_code)
    await outbox.write(session, [outbox.Message(
        f"commitment_check:{check.id}:false", f"承诺不实：{approval.name}",
        f"“{approval.name}”中以告知承诺代替的“{material}”经核查不实：{check.finding}。请依法处理（撤销许可、记入信用记录）。",
        "approval", approval.id, check.project_id,
        users=or_(User.role == "leader", User.department_code == check.department_code))])

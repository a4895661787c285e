"""Fees (非税收入) of an approval: assessed from its catalog item's fee rules, collected into the center's fee
account (收费专户) against a payment notice (缴款通知书) whose reference (缴款码) is unique to the line, recorded as
paid, refunded or cancelled — each change one audited write checked for role, state and version.

An item without fee rules charges nothing and says so (本事项不收费); a fee its catalog does not list is refused.
The approvals package asks ``unpaid_blocking`` before an approving decision, so this one reads approvals
without importing it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, column, false, select, table, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.audit import service as audit
from agency.catalog.models import CatalogItem, Department
from agency.errors import Conflict, Forbidden, Invalid, NotFound
from agency.fees.models import CHANNELS, FeeLine, StatementLine
from agency.jobs import service as jobs
from agency.projects.handover import require_holder, site_scope
from agency.projects.models import Project
from agency.sites import service as sites

NO_FEE = "本事项不收费"
# Asked for by name: the documents package reads fees, not the other way round.
PAYMENT_NOTICE_JOB = "papers.payment_notice"
# How long the enterprise has to pay once the notice is issued (calendar days; shown on the notice).
PAY_WITHIN_DAYS = 15
CENT = Decimal("0.01")
_CLOSED_APPROVAL = ("withdrawn", "refused", "rejected", "terminated")
_approvals = table("approvals", column("id"), column("name"), column("project_id"), column("status"),
                   column("department_code"), column("catalog_item_id"), column("item_code"))


def _visibility(actor: Actor) -> ColumnElement[bool]:
    scope = site_scope(actor)
    if scope is not None:
        return FeeLine.project_id.in_(select(Project.id).where(scope))
    if actor.role in (Role.ADMIN, Role.CLERK, Role.LEADER):
        return true()
    if actor.role is Role.DEPARTMENT:
        return FeeLine.department_code == actor.department_code
    if actor.enterprise_id is None:
        return false()
    return FeeLine.project_id.in_(select(Project.id).where(Project.enterprise_id == actor.enterprise_id))


Visibility.register(FeeLine, _visibility)


def yuan(value: Decimal | str | int) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan_text(value: Decimal) -> str:
    return f"{yuan(value):.2f}"


def compute(rule: dict[str, Any], quantity: Decimal | None) -> Decimal:
    """The amount a rule gives: ``unit_yuan`` once or times the quantity, held between its minimum and maximum."""
    amount = yuan(rule["unit_yuan"])
    if rule["per"] != "fixed":
        amount = yuan(amount * (quantity if quantity is not None else Decimal(0)))
    if rule.get("minimum_yuan") is not None:
        amount = max(amount, yuan(rule["minimum_yuan"]))
    if rule.get("maximum_yuan") is not None:
        amount = min(amount, yuan(rule["maximum_yuan"]))
    return amount


def _quantity(rule: dict[str, Any], project: Project, given: Decimal | None) -> Decimal | None:
    """Pieces are counted at the assessment (one unless told); areas come from the project's facts."""
    per = rule["per"]
    if per == "fixed":
        return None
    if given is not None:
        return given
    if per == "piece":
        return Decimal(1)
    found = project.land_area_mu if per == "mu" else (project.facts or {}).get("building_area_m2")
    if found is None:
        what = "用地面积（亩）" if per == "mu" else "建筑面积（平方米）"
        raise Invalid(f"按{what}计费：项目尚未填写{what}，请填写或在此输入数量（quantity is required）",
                      field="quantity")
    return Decimal(str(found))


@dataclass(frozen=True, slots=True)
class ApprovalRef:
    id: int
    name: str
    project_id: int
    status: str
    department_code: str
    catalog_item_id: int


async def _approval(session: AsyncSession, actor: Actor, approval_id: int) -> ApprovalRef:
    row = (await session.execute(select(_approvals).where(_approvals.c.id == approval_id))).first()
    if row is None:
        raise NotFound("审批事项不存在（approval not found）")
    ref = ApprovalRef(int(row.id), str(row.name), int(row.project_id), str(row.status), str(row.department_code),
                      int(row.catalog_item_id))
    if actor.role is Role.DEPARTMENT and actor.department_code != ref.department_code:
        raise NotFound("审批事项不存在（approval not found）")
    await get_visible(session, Project, ref.project_id, actor, what="审批事项")
    return ref


async def catalog_fees(session: AsyncSession, catalog_item_id: int) -> list[dict[str, Any]]:
    item = await session.get(CatalogItem, catalog_item_id)
    return list((item.definition if item else {}).get("fees") or [])


def _may_charge(actor: Actor, ref: ApprovalRef) -> None:
    """The clerk or the approval's own department assesses and records fees; nobody else."""
    if actor.role is Role.CLERK or (actor.role is Role.DEPARTMENT and actor.department_code == ref.department_code):
        return
    raise Forbidden("只有代办员或本事项的审批部门可以办理收费（only the clerk or the approval's department）")


def payment_ref(line_id: int, today: date) -> str:
    """A 20-digit reference: year, the line's number and a Luhn check digit (a mistyped reference is caught)."""
    body = f"{today.year:04d}{line_id:015d}"
    total = 0
    for position, digit in enumerate(reversed(body)):
        d = int(digit) * (2 if position % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


async def assess(session: AsyncSession, actor: Actor, approval_id: int, *, fee_code: str,
                 amount_yuan: Decimal | None, reason: str | None, quantity: Decimal | None,
                 today: date) -> FeeLine:
    """One fee line from the item's rule: computed from the project's facts, or overridden with a reason."""
    ref = await _approval(session, actor, approval_id)
    _may_charge(actor, ref)
    await require_holder(session, actor, await session.get_one(Project, ref.project_id))
    if ref.status in _CLOSED_APPROVAL:
        raise Conflict("事项已结束，不能再收费（the approval is closed）", extra={"status": ref.status})
    fees = await catalog_fees(session, ref.catalog_item_id)
    rule = next((f for f in fees if f["code"] == fee_code), None)
    if rule is None:
        listed = "、".join(f["name"] for f in fees) or NO_FEE
        raise Invalid(f"目录未列明该收费项目，不得收取（本事项收费：{listed}）（fee not in the catalog）",
                      field="fee_code")
    project = await session.get_one(Project, ref.project_id)
    count = _quantity(rule["amount_rule"], project, quantity)
    computed = compute(rule["amount_rule"], count)
    amount = computed
    if amount_yuan is not None and yuan(amount_yuan) != computed:
        if not (reason or "").strip():
            raise Invalid(f"金额与按标准计算的 {yuan_text(computed)} 元不同，须说明理由（reason is required）",
                          field="reason")
        amount = yuan(amount_yuan)
    line = FeeLine(approval_id=ref.id, project_id=ref.project_id, department_code=ref.department_code,
                   fee_code=fee_code, name=rule["name"], rule=rule, quantity=count, computed_yuan=computed,
                   amount_yuan=amount, override_reason=(reason or "").strip() or None if amount != computed else None,
                   due_on=today + timedelta(days=PAY_WITHIN_DAYS),
                   status="assessed" if amount > 0 else "not_charged", assessed_by=actor.user_id,
                   assessed_at=timeutil.now())
    session.add(line)
    await session.flush()
    line.payment_ref = payment_ref(line.id, today)
    await session.flush()
    await audit.record(session, actor, "fee.assess", "fee", line.id, project_id=line.project_id, before=None,
                       after={"approval_id": ref.id, "fee_code": fee_code, "amount_yuan": yuan_text(amount),
                              "computed_yuan": yuan_text(computed), "payment_ref": line.payment_ref,
                              "override_reason": line.override_reason})
    # The 缴款通知书 (本事项不收费 for a line of 0), rendered after the commit by agency/documents/jobs.py.
    await jobs.enqueue(session, PAYMENT_NOTICE_JOB, {"fee_id": line.id, "today": today.isoformat(),
                                                     "actor": jobs.actor_payload(actor)}, actor=actor)
    return line


async def _editable(session: AsyncSession, actor: Actor, fee_id: int, version: int | None) -> FeeLine:
    line = await get_visible(session, FeeLine, fee_id, actor, what="收费")
    ref = await _approval(session, actor, line.approval_id)
    _may_charge(actor, ref)
    await require_holder(session, actor, await session.get_one(Project, ref.project_id))
    if version is not None and version != line.version:
        raise Conflict("收费记录已被他人更新，请刷新后重试（stale version）", field="version")
    return line


async def record_payment(session: AsyncSession, actor: Actor, fee_id: int, *, receipt_no: str, paid_on: date,
                         amount_yuan: Decimal, channel: str, version: int | None, today: date) -> FeeLine:
    line = await _editable(session, actor, fee_id, version)
    if line.status != "assessed":
        raise Conflict("该收费不在待缴款状态（the fee is not awaiting payment）", extra={"status": line.status})
    if channel not in CHANNELS:
        raise Invalid("缴款方式无效（channel）", field="channel")
    if not receipt_no.strip():
        raise Invalid("须填写票据号（receipt_no is required）", field="receipt_no")
    if paid_on > today:
        raise Invalid("缴款日期不能晚于今天（paid_on cannot be in the future）", field="paid_on")
    if yuan(amount_yuan) != line.amount_yuan:
        raise Invalid(f"缴款金额须等于应缴金额 {yuan_text(line.amount_yuan)} 元（amount_yuan）", field="amount_yuan")
    line.status, line.receipt_no, line.paid_on = "paid", receipt_no.strip(), paid_on
    line.paid_yuan, line.channel, line.paid_recorded_by = yuan(amount_yuan), channel, actor.user_id
    await session.flush()
    await audit.record(session, actor, "fee.payment", "fee", line.id, project_id=line.project_id,
                       before={"status": "assessed"},
                       after={"status": "paid", "receipt_no": line.receipt_no, "paid_on": paid_on.isoformat(),
                              "amount_yuan": yuan_text(line.amount_yuan), "channel": channel})
    return line


async def refund(session: AsyncSession, actor: Actor, fee_id: int, *, reason: str, version: int | None) -> FeeLine:
    """A paid line is refunded; an unpaid one is cancelled (its notice no longer stands). Both need a reason."""
    line = await _editable(session, actor, fee_id, version)
    if not reason.strip():
        raise Invalid("须填写退费或撤销的理由（reason is required）", field="reason")
    if line.status not in ("assessed", "paid"):
        raise Conflict("该收费已退费或撤销（the fee is closed）", extra={"status": line.status})
    before = line.status
    line.status = "refunded" if before == "paid" else "cancelled"
    line.closed_reason = reason.strip()
    await session.flush()
    await audit.record(session, actor, f"fee.{'refund' if before == 'paid' else 'cancel'}", "fee", line.id,
                       project_id=line.project_id, before={"status": before},
                       after={"status": line.status, "reason": line.closed_reason})
    return line


async def of_approval(session: AsyncSession, actor: Actor, approval_id: int) -> tuple[list[FeeLine],
                                                                                      list[dict[str, Any]]]:
    """The approval's fee lines, oldest first, and its catalog item's fee rules (empty: 本事项不收费)."""
    ref = await _approval(session, actor, approval_id)
    lines = list((await session.execute(visible(FeeLine, actor).where(FeeLine.approval_id == ref.id)
                                        .order_by(FeeLine.id))).scalars())
    return lines, await catalog_fees(session, ref.catalog_item_id)


async def unpaid_blocking(session: AsyncSession, approval_id: int) -> list[FeeLine]:
    """The mandatory lines still unpaid that the catalog does not allow to be paid after the decision."""
    lines = (await session.execute(select(FeeLine).where(FeeLine.approval_id == approval_id,
                                                         FeeLine.status == "assessed"))).scalars()
    return [line for line in lines
            if line.rule.get("mandatory", True) and not line.rule.get("payable_after_decision", False)]


@dataclass(frozen=True, slots=True)
class ReportRow:
    department_code: str
    department_name: str
    item_code: str
    item_name: str
    month: str
    assessed: Decimal
    paid: Decimal
    reconciled: Decimal


async def report(session: AsyncSession, actor: Actor, start: date, end: date,
                 site_code: str | None = None) -> list[ReportRow]:
    """Totals by department, item and month of assessment (China time), for lines assessed from ``start`` to
    ``end``: assessed (what stands: not cancelled), recorded as paid, and reconciled against a statement (the
    matched credit's own amount, kept apart). A department sees its own lines only."""
    if end < start:
        raise Invalid("截止日期不能早于起始日期（to before from）", field="to")
    since = datetime.combine(start, time(), tzinfo=timeutil.CHINA)
    until = datetime.combine(end + timedelta(days=1), time(), tzinfo=timeutil.CHINA)
    query = visible(FeeLine, actor).add_columns(_approvals.c.item_code, _approvals.c.name, Department.name,
                                                StatementLine.amount_yuan).join(
        _approvals, _approvals.c.id == FeeLine.approval_id).join(
        Department, Department.code == FeeLine.department_code).outerjoin(
        StatementLine, StatementLine.fee_id == FeeLine.id).where(FeeLine.assessed_at >= since,
                                                                 FeeLine.assessed_at < until)
    if site_code:  # the dossiers that site holds
        query = query.where(FeeLine.project_id.in_(select(Project.id).where(Project.site_code == site_code)))
    sums: dict[tuple[str, str, str, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for line, item_code, item_name, department_name, credited in (await session.execute(query)).all():
        month = line.assessed_at.astimezone(timeutil.CHINA).strftime("%Y-%m")
        row = sums[(line.department_code, str(department_name), str(item_code), str(item_name), month)]
        if line.status in ("assessed", "paid", "refunded"):
            row[0] += line.amount_yuan
        if line.status == "paid":
            row[1] += line.amount_yuan
        if credited is not None:
            row[2] += credited
    await sites.require_known(session, site_code, len(sums))
    return [ReportRow(dept, dept_name, code, name, month, yuan(a), yuan(p), yuan(r))
            for (dept, dept_name, code, name, month), (a, p, r) in sorted(sums.items())]

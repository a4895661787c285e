"""/api/approvals/{id}/fees and /api/fees/{id}/…: assessing an approval's fees from its catalog rules with a
payment notice, recording the payment, refunding or cancelling — the clerk or the approval's department."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, require_roles
from agency.enterprises.models import Enterprise
from agency.errors import TooLarge, UnsupportedMediaType
from agency.fees import reconcile, service
from agency.fees.models import HOW_WORDS, MATCH_WORDS, PER_WORDS, STATUS_WORDS, FeeLine, StatementLine
from agency.fees.schemas import (
    ApprovalFeesOut,
    AssessIn,
    FeeOut,
    FeeReportRow,
    FeeRuleOut,
    PaymentIn,
    PaymentNoticeOut,
    ReconcileOut,
    RefundIn,
    SettleIn,
    StatementLineOut,
)
from agency.fees.statement import MAX_STATEMENT_BYTES
from agency.projects.models import Project
from agency.settings import Settings
from agency.spreadsheets import table_workbook, xlsx_response

CHARGERS = (Role.CLERK, Role.DEPARTMENT)
# What a statement may arrive as: a CSV, or a file the client could not name.
STATEMENT_TYPES = ("text/csv", "text/plain", "application/csv", "application/octet-stream",
                   "application/vnd.ms-excel", "")


def standard_text(rule: dict[str, Any]) -> str:
    """The rule in words: 每件 550.00 元, 不低于 …, 不高于 …"""
    amount = rule["amount_rule"]
    per = PER_WORDS.get(amount["per"], "")
    text = f"每{per} {amount['unit_yuan']} 元" if per else f"{amount['unit_yuan']} 元"
    if amount.get("minimum_yuan"):
        text += f"，不低于 {amount['minimum_yuan']} 元"
    if amount.get("maximum_yuan"):
        text += f"，不高于 {amount['maximum_yuan']} 元"
    if rule.get("payable_after_decision"):
        text += "（可在办结后缴纳）"
    return text


def rule_out(rule: dict[str, Any]) -> FeeRuleOut:
    return FeeRuleOut(code=rule["code"], name=rule["name"], basis=rule["basis"], standard=standard_text(rule))


async def notice_of(db: AsyncSession, settings: Settings, line: FeeLine) -> PaymentNoticeOut | None:
    """The payment notice's text; none for a line with nothing to pay."""
    if line.payment_ref is None or line.status == "not_charged":
        return None
    project = await db.get_one(Project, line.project_id)
    enterprise = await db.get_one(Enterprise, project.enterprise_id)
    return PaymentNoticeOut(
        title="非税收入缴款通知书", payer=enterprise.name, item=project.name, fee_name=line.name,
        basis=str(line.rule.get("basis", "")), amount_yuan=service.yuan_text(line.amount_yuan),
        payment_ref=line.payment_ref, account_name=settings.fee_account_name, bank=settings.fee_account_bank,
        account_no=settings.fee_account_no, due_on=line.due_on)


# The payment notice is a paper of agency/documents (which reads fees): found through a bare table clause.
_documents = table("documents", column("id"), column("subject_type"), column("subject_id"))


async def notice_document_id(db: AsyncSession, line: FeeLine) -> int | None:
    """The line's 缴款通知书, once rendered after the assessment's commit (None while it is pending)."""
    found = await db.execute(select(_documents.c.id).where(
        _documents.c.subject_type == "fee", _documents.c.subject_id == line.id).order_by(_documents.c.id.desc()))
    value = found.scalars().first()
    return int(value) if value is not None else None


async def fee_out(db: AsyncSession, settings: Settings, line: FeeLine) -> FeeOut:
    return FeeOut(
        id=line.id, approval_id=line.approval_id, project_id=line.project_id, department_code=line.department_code,
        fee_code=line.fee_code, name=line.name, basis=str(line.rule.get("basis", "")),
        quantity=None if line.quantity is None else service.yuan_text(line.quantity),
        computed_yuan=service.yuan_text(line.computed_yuan), amount_yuan=service.yuan_text(line.amount_yuan),
        override_reason=line.override_reason, payment_ref=line.payment_ref, due_on=line.due_on,
        status=line.status, status_name=STATUS_WORDS[line.status],
        notice_document_id=await notice_document_id(db, line),
        notice=await notice_of(db, settings, line), receipt_no=line.receipt_no, paid_on=line.paid_on,
        channel=line.channel, closed_reason=line.closed_reason, version=line.version)


def _total(lines: list[FeeLine], statuses: tuple[str, ...]) -> str:
    return service.yuan_text(sum((line.amount_yuan for line in lines if line.status in statuses), Decimal(0)))


class ApprovalFeeController(Controller):
    path = "/api/approvals"
    tags = ["收费 fees"]

    @get("/{approval_id:int}/fees")
    async def list_fees(self, approval_id: FromPath[int], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession], state: State) -> ApprovalFeesOut:
        """The item's fee rules and the approval's fee lines; an item without fees says 本事项不收费."""
        lines, rules = await service.of_approval(db, actor, approval_id)
        return ApprovalFeesOut(
            approval_id=approval_id, rules=[rule_out(r) for r in rules],
            statement="" if rules else service.NO_FEE,
            items=[await fee_out(db, state.settings, line) for line in lines],
            total_assessed_yuan=_total(lines, ("assessed", "paid")), total_paid_yuan=_total(lines, ("paid",)))

    @post("/{approval_id:int}/fees", status_code=201, guards=[require_roles(*CHARGERS)])
    async def assess(self, approval_id: FromPath[int], data: JSONBody[AssessIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession], state: State) -> FeeOut:
        """Assesses one fee of the item's catalog rules and issues its payment notice (缴款通知书)."""
        line = await service.assess(
            db, actor, approval_id, fee_code=data.fee_code,
            amount_yuan=None if data.amount_yuan is None else Decimal(data.amount_yuan), reason=data.reason,
            quantity=None if data.quantity is None else Decimal(data.quantity), today=timeutil.today())
        return await fee_out(db, state.settings, line)


class FeeController(Controller):
    path = "/api/fees"
    tags = ["收费 fees"]

    @post("/{fee_id:int}/payment", status_code=200, guards=[require_roles(*CHARGERS)])
    async def payment(self, fee_id: FromPath[int], data: JSONBody[PaymentIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession], state: State) -> FeeOut:
        """Records the payment into the fee account: receipt number, date, amount and channel."""
        line = await service.record_payment(
            db, actor, fee_id, receipt_no=data.receipt_no, paid_on=data.paid_on,
            amount_yuan=Decimal(data.amount_yuan), channel=data.channel, version=data.version,
            today=timeutil.today())
        return await fee_out(db, state.settings, line)

    @post("/{fee_id:int}/refund", status_code=200, guards=[require_roles(*CHARGERS)])
    async def refund(self, fee_id: FromPath[int], data: JSONBody[RefundIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession], state: State) -> FeeOut:
        """Refunds a paid fee, or cancels an unpaid one, with the reason."""
        line = await service.refund(db, actor, fee_id, reason=data.reason, version=data.version)
        return await fee_out(db, state.settings, line)


def statement_line_out(line: StatementLine) -> StatementLineOut:
    return StatementLineOut(
        id=line.id, booked_on=line.booked_on, serial=line.serial, amount_yuan=service.yuan_text(line.amount_yuan),
        payer_name=line.payer_name, payer_account=line.payer_account, memo=line.memo,
        status=line.status,  # type: ignore[arg-type]
        status_name=MATCH_WORDS[line.status], matched_by=line.matched_by,
        matched_by_name=HOW_WORDS.get(line.matched_by or ""), note=line.note, candidates=list(line.candidates or []),
        fee_id=line.fee_id, version=line.version)


class ReconcileController(Controller):
    path = "/api/fees/reconcile"
    tags = ["收费 fees"]

    @post("", status_code=200, guards=[require_roles(Role.CLERK)], request_max_body_size=MAX_STATEMENT_BYTES)
    async def import_statement(self, request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                               db: NamedDependency[AsyncSession]) -> ReconcileOut:
        """Body: the fee account's bank statement, CSV in UTF-8 or GBK (docs/fees-statement.md). Each new credit
        is matched by payment reference, then by amount and payer; credits imported before are ``unchanged``."""
        media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media not in STATEMENT_TYPES:
            raise UnsupportedMediaType("对账单须为 CSV 文件（text/csv）（statement must be CSV）")
        body = await request.body()
        if len(body) > MAX_STATEMENT_BYTES:
            raise TooLarge("对账单文件过大（不超过 2 MB）（statement too large）")
        done = await reconcile.import_statement(db, actor, body, filename=request.headers.get("x-filename", ""))
        return ReconcileOut(import_id=done.import_id, encoding=done.encoding, matched=len(done.matched),
                            ambiguous=[statement_line_out(x) for x in done.ambiguous],
                            unmatched=[statement_line_out(x) for x in done.unmatched], unchanged=done.unchanged,
                            matched_lines=[statement_line_out(x) for x in done.matched])

    @get("/lines", guards=[require_roles(Role.ADMIN, Role.CLERK, Role.LEADER)])
    async def list_lines(
        self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
        status: Annotated[str | None, QueryParameter(pattern="^(matched|ambiguous|unmatched)$")] = None,
    ) -> list[StatementLineOut]:
        """The imported credits, newest first (at most 200); ``status`` picks matched, ambiguous or unmatched."""
        return [statement_line_out(x) for x in await reconcile.lines(db, actor, status=status)]

    @post("/lines/{line_id:int}/settle", status_code=200, guards=[require_roles(Role.CLERK)])
    async def settle(self, line_id: FromPath[int], data: JSONBody[SettleIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> StatementLineOut:
        """Settles an ambiguous or unmatched credit against one fee line of the same amount."""
        return statement_line_out(await reconcile.settle(db, actor, line_id, fee_id=data.fee_id,
                                                         version=data.version))


class FeeReportController(Controller):
    path = "/api/reports/fees"
    tags = ["收费 fees"]

    @get("", guards=[require_roles(Role.ADMIN, Role.CLERK, Role.LEADER, Role.DEPARTMENT)])
    async def report(
        self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
        date_from: Annotated[date, QueryParameter(name="from", description="起始日期（含，按核定日期）")],
        date_to: Annotated[date, QueryParameter(name="to", description="截止日期（含）")],
        format: Annotated[str, QueryParameter(pattern="^(json|xlsx)$")] = "json",
        site_code: Annotated[str | None, QueryParameter(description="只统计该站点办理的项目")] = None,
    ) -> Response[bytes] | list[FeeReportRow]:
        """Fee totals by department, item and month: assessed, recorded as paid, reconciled (separate columns)."""
        rows = [FeeReportRow(department_code=r.department_code, department_name=r.department_name,
                             item_code=r.item_code, item_name=r.item_name,
                             month=r.month, assessed_yuan=service.yuan_text(r.assessed),
                             paid_yuan=service.yuan_text(r.paid), reconciled_yuan=service.yuan_text(r.reconciled))
                for r in await service.report(db, actor, date_from, date_to, site_code)]
        if format != "xlsx":
            return rows
        book = table_workbook("收费统计", [("部门", 12), ("事项", 30), ("月份", 10), ("核定金额（元）", 16),
                                          ("已登记缴款（元）", 16), ("已对账（元）", 14)],
                              [(r.department_name, r.item_name, r.month, Decimal(r.assessed_yuan),
                                Decimal(r.paid_yuan), Decimal(r.reconciled_yuan)) for r in rows])
        return xlsx_response(book, f"收费统计_{date_from}_{date_to}.xlsx", f"fees_{date_from}_{date_to}.xlsx")

"""Request and response bodies of fees (非税收入). Amounts are decimal strings in yuan ("550.00"), never floats."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from agency.schemas import Id, RequestBody, ResponseBody

YuanIn = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")]
QuantityIn = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")]


class AssessIn(RequestBody):
    fee_code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    # Given and different from the computed amount: an override, which needs ``reason``.
    amount_yuan: YuanIn | None = None
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    # Pieces (件/本) for a per-piece rule (one unless told); an area where the project's facts lack it.
    quantity: QuantityIn | None = None


class PaymentIn(RequestBody):
    receipt_no: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    paid_on: date
    amount_yuan: YuanIn
    channel: Literal["counter", "bank_transfer", "online", "pos"]
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class RefundIn(RequestBody):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class PaymentNoticeOut(ResponseBody):
    """What the 缴款通知书 says: pay this amount into this account by this date, quoting this reference."""

    title: str
    payer: str
    item: str
    fee_name: str
    basis: str
    amount_yuan: str
    payment_ref: str
    account_name: str
    bank: str
    account_no: str
    due_on: date


class FeeOut(ResponseBody):
    id: int
    approval_id: int
    project_id: int
    department_code: str
    fee_code: str
    name: str
    basis: str
    quantity: str | None
    computed_yuan: str
    amount_yuan: str
    override_reason: str | None
    payment_ref: str | None
    due_on: date
    status: str
    status_name: str
    # The paper is rendered by the documents pipeline when it carries a template; the notice's text is here.
    notice_document_id: int | None
    notice: PaymentNoticeOut | None
    receipt_no: str | None
    paid_on: date | None
    channel: str | None
    closed_reason: str | None
    version: int


class FeeRuleOut(ResponseBody):
    code: str
    name: str
    basis: str
    standard: str


class ApprovalFeesOut(ResponseBody):
    approval_id: int
    # Empty rules: the item charges nothing, and ``statement`` says so (本事项不收费).
    rules: list[FeeRuleOut]
    statement: str
    items: list[FeeOut]
    total_assessed_yuan: str
    total_paid_yuan: str


class FeeReportRow(ResponseBody):
    department_code: str
    department_name: str
    item_code: str
    item_name: str
    month: str
    assessed_yuan: str
    paid_yuan: str
    reconciled_yuan: str


class SettleIn(RequestBody):
    fee_id: Id
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class StatementLineOut(ResponseBody):
    """One credit of the fee account's statement and how it stands against the fee lines."""

    id: int
    booked_on: date
    serial: str
    amount_yuan: str
    payer_name: str
    payer_account: str
    memo: str
    status: Literal["matched", "ambiguous", "unmatched"]
    status_name: str
    matched_by: str | None
    matched_by_name: str | None
    note: str
    # The fee lines it may belong to (ambiguous), or the one its reference named.
    candidates: list[int]
    fee_id: int | None
    version: int


class ReconcileOut(ResponseBody):
    """What one import did: how many credits matched (listed in ``matched_lines``), the ambiguous and unmatched
    credits for the clerk to settle, and how many were already imported before (``unchanged``)."""

    import_id: int | None
    encoding: str
    matched: int
    ambiguous: list[StatementLineOut]
    unmatched: list[StatementLineOut]
    unchanged: int
    matched_lines: list[StatementLineOut]

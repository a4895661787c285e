"""Fee lines (非税收入): what one approval charges under its catalog item's fee rules, the payment notice's
reference (缴款码) into the center's fee account (收费专户), and whether it was paid, refunded or cancelled."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime
from agency.projects.models import in_values

# not_charged: assessed at 0 (本事项不收费 for this line), nothing to pay.
STATUSES = ("assessed", "paid", "refunded", "cancelled", "not_charged")
STATUS_WORDS = {"assessed": "待缴款", "paid": "已缴款", "refunded": "已退费", "cancelled": "已撤销",
                "not_charged": "不收费"}
CHANNELS = ("counter", "bank_transfer", "online", "pos")
CHANNEL_WORDS = {"counter": "窗口缴款", "bank_transfer": "银行转账", "online": "网上缴款", "pos": "POS刷卡"}
PER_WORDS = {"fixed": "", "piece": "件", "m2": "平方米", "mu": "亩"}


class FeeLine(Base):
    """One fee of one approval: the catalog rule it applies, the amount, the notice and the payment."""

    __tablename__ = "fee_lines"
    __table_args__ = (
        CheckConstraint(in_values("status", STATUSES), name="status"),
        Index("ix_fee_lines_approval", "approval_id", "fee_code"),
    )

    id: Mapped[IntPK]
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), index=True)
    # The catalog's rule as it was at the assessment (code, name, basis, amount_rule, mandatory …).
    fee_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[dict[str, Any]] = mapped_column(JSONType)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    computed_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    amount_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    override_reason: Mapped[str | None] = mapped_column(Text)
    # The payment notice's reference (缴款码): unique to the line, made from its id right after the insert.
    payment_ref: Mapped[str | None] = mapped_column(String(32), unique=True)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="assessed", index=True)
    assessed_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    paid_on: Mapped[date | None]
    paid_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    channel: Mapped[str | None] = mapped_column(String(16))
    paid_recorded_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    closed_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


# A statement line's standing: matched to one fee line (by its reference, by amount and payer, or by the
# clerk), ambiguous (several fee lines fit, or the reference's line does not), or unmatched (none fits).
MATCHES = ("matched", "ambiguous", "unmatched")
MATCH_WORDS = {"matched": "已对账", "ambiguous": "待确认（多笔可能）", "unmatched": "未匹配"}
HOW_WORDS = {"reference": "按缴款码", "amount_payer": "按金额和缴款人", "manual": "人工确认"}


class StatementImport(Base):
    """One bank statement of the fee account as imported: who, when, and how many lines were new."""

    __tablename__ = "statement_imports"

    id: Mapped[IntPK]
    filename: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str] = mapped_column(String(8))
    imported_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    credits: Mapped[int] = mapped_column(default=0)
    new_lines: Mapped[int] = mapped_column(default=0)


class StatementLine(Base):
    """One credit of the fee account's statement. ``line_key`` (the bank's serial number, else a digest of the
    row and its place among identical rows) is unique: a statement imported twice adds nothing. ``fee_id`` is
    unique too: one credit reconciles one fee line."""

    __tablename__ = "statement_lines"
    __table_args__ = (CheckConstraint(in_values("status", MATCHES), name="status"),)

    id: Mapped[IntPK]
    import_id: Mapped[int] = mapped_column(IdType, ForeignKey("statement_imports.id", ondelete="CASCADE"),
                                           index=True)
    line_key: Mapped[str] = mapped_column(String(80), unique=True)
    booked_on: Mapped[date]
    serial: Mapped[str] = mapped_column(String(64), default="")
    amount_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    payer_account: Mapped[str] = mapped_column(String(64), default="")
    memo: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), index=True)
    # How it was matched (reference, amount_payer, manual) and why it was not (shown to the clerk).
    matched_by: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    candidates: Mapped[list[int]] = mapped_column(JSONType, default=list)
    fee_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("fee_lines.id"), unique=True)
    settled_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

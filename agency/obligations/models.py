"""What the enterprise owes after a decision (施工许可证: start within three months; 竣工验收备案 within 15 days
…), created by the decision from the catalog item's rules and watched by the sweep until met."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime
from agency.projects.models import in_values

# Stored: open until met. The API's "overdue" and "extended" are read from the due date and the extensions.
STORED_STATUSES = ("open", "met")
STATUSES = ("open", "met", "overdue", "extended")
STATUS_WORDS = {"open": "待履行", "met": "已履行", "overdue": "已逾期", "extended": "已延期"}
UNIT_WORDS = {"month": "个月", "calendar_day": "日", "workday": "个工作日"}


class Obligation(Base):
    """One duty of the enterprise that one approval's decision created, due on a date."""

    __tablename__ = "obligations"
    __table_args__ = (
        CheckConstraint(in_values("status", STORED_STATUSES), name="status"),
        Index("uq_obligations_rule", "approval_id", "code", unique=True),
        Index("ix_obligations_open", "status", "due_on"),
    )

    id: Mapped[IntPK]
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), index=True)
    # The catalog rule (its code is the obligation's kind), as it was at the decision.
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[dict[str, Any]] = mapped_column(JSONType)
    starts_on: Mapped[date]
    # The due date as first computed, and as extended (due_on).
    original_due_on: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(8), default="open")
    # [{until, document_file_id, recorded_by, recorded_at}], oldest first.
    extensions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    times_extended: Mapped[int] = mapped_column(default=0)
    met_on: Mapped[date | None]
    met_note: Mapped[str | None] = mapped_column(Text)
    met_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

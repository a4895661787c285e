from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime

RULES = ("clock", "stall_submitted", "stall_preparing", "stall_supplement")
LEVELS = ("prompt", "yellow", "red", "l3")


class Escalation(Base):
    """One firing of one rule at one level for one approval. The unique key is what makes the sweep
    safe to run twice, or on two workers at once: a second insert of the same firing does nothing."""

    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("approval_id", "rule", "level"),
        CheckConstraint("status IN ('open','acknowledged','resolved')", name="status"),
        CheckConstraint("level IN ('prompt','yellow','red','l3')", name="level"),
        Index("ix_escalations_open", "status", "level"),
    )

    id: Mapped[IntPK]
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    rule: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[date]
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[date | None]
    overdue_workdays: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    targets: Mapped[list[Any] | None] = mapped_column(JSONType)
    notified: Mapped[bool] = mapped_column(default=False)
    document_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("documents.id"))
    acknowledged_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledge_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_note: Mapped[str | None] = mapped_column(Text)

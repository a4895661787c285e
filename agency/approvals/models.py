from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, UTCDateTime

CLOCK_EVENT_KINDS = ("started", "paused", "resumed", "extended", "stopped")


class ClockEventRow(Base):
    """Append-only facts about an approval's clock; due dates are derived from them and the calendar."""

    __tablename__ = "clock_events"
    __table_args__ = (CheckConstraint("kind IN ('started','paused','resumed','extended','stopped')", name="kind"),)

    id: Mapped[IntPK]
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The date the act took effect; for an offline department, the date the clerk was told of.
    on: Mapped[date]
    days: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

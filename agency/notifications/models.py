from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, UTCDateTime


class Notification(Base):
    """One message in the outbox, written in the transaction of the change that caused it.

    The worker delivers it (in-app rows are delivered by being written); ``dedupe_key`` keeps a
    retried change or a re-run sweep from writing the same message twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("channel IN ('in_app','sms','email')", name="channel"),
        CheckConstraint("status IN ('pending','sent','dead')", name="status"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_inbox", "recipient_user_id", "channel", "id"),
    )

    id: Mapped[IntPK]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient_user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    recipient_address: Mapped[str | None] = mapped_column(String(200))
    recipient_name: Mapped[str] = mapped_column(String(100), default="")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[int | None] = mapped_column(IdType, index=True)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

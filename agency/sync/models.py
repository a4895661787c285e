"""Records of the provincial systems (工改系统…): each kept once per (source, record id), with what became of it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime
from agency.projects.models import in_values

# applied: taken as the department's act; waiting: its predecessor has not arrived; late: dated before the
# approval's last event; refused: the approval's state does not allow it; unmatched: no project or item;
# discarded: put aside by a clerk or admin with a reason.
SYNC_STATUSES = ("applied", "waiting", "late", "refused", "unmatched", "discarded")
QUEUED = ("waiting", "late", "refused", "unmatched")
SYNC_STATUS_NAMES = {"applied": "已应用", "waiting": "等待前序记录", "late": "日期早于上次办理（待更正）",
                     "refused": "状态不允许（待复核）", "unmatched": "未匹配（待人工匹配）", "discarded": "已弃用"}


class SyncRecord(Base):
    __tablename__ = "sync_records"
    __table_args__ = (
        UniqueConstraint("source", "record_id"),
        CheckConstraint(in_values("status", SYNC_STATUSES), name="status"),
    )

    id: Mapped[IntPK]
    source: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(100))
    investment_code: Mapped[str] = mapped_column(String(32), index=True)
    item_external_code: Mapped[str] = mapped_column(String(64))
    act: Mapped[str] = mapped_column(String(24))
    effective_on: Mapped[date]
    # The record as received (the decision file's content is not kept here, only its size and sha256).
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    approval_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="SET NULL"),
                                                     index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(64))

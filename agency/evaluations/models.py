"""Ratings of completed approvals (即评), the follow-up visits bad ones call for (回访), and the
single-use rating links sent by SMS when an approval is completed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, UTCDateTime, utcnow

# DOMAIN.md "Supervision and metrics": the five levels, best first.
SCORE_WORDS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
APPEAL_WORDS = {"pending": "申诉待审", "upheld": "申诉成立（不计入满意率）", "rejected": "申诉不成立"}
# A score at or below this one must be followed up (回访).
FOLLOW_UP_AT_MOST = 2


class Evaluation(Base):
    """One rating of one completed approval; an approval is rated once."""

    __tablename__ = "evaluations"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        CheckConstraint("channel IN ('app','link')", name="channel"),
    )

    id: Mapped[IntPK]
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"), unique=True)
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(IdType, ForeignKey("enterprises.id"), index=True)
    # Copied from the approval so the reports group ratings by department without a join.
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    # 'app': an enterprise user logged in; 'link': the single-use SMS link, no login.
    channel: Mapped[str] = mapped_column(String(8))
    rated_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    # The office's (China) date of the rating: what the reports' periods select on.
    rated_on: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # 申诉: the rated department may appeal an unfair rating; a leader upholds it (the rating then no longer
    # counts in the satisfaction figures) or rejects it. None: never appealed; 'pending', 'upheld', 'rejected'.
    appeal_status: Mapped[str | None] = mapped_column(String(8))
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appealed_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    appealed_on: Mapped[date | None]
    appeal_note: Mapped[str | None] = mapped_column(Text)
    appeal_decided_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    appeal_decided_on: Mapped[date | None]


class FollowUp(Base):
    """A return visit (回访) the center owes after a bad rating, open until someone closes it with a note."""

    __tablename__ = "follow_ups"
    __table_args__ = (CheckConstraint("status IN ('open','closed')", name="status"),)

    id: Mapped[IntPK]
    evaluation_id: Mapped[int] = mapped_column(IdType, ForeignKey("evaluations.id", ondelete="CASCADE"),
                                               unique=True)
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    department_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class RatingLink(Base):
    """A single-use rating link: only the SHA-256 of its token is kept, so the table leaks no link."""

    __tablename__ = "rating_links"

    id: Mapped[IntPK]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# A bad rating's rectification (整改): due this many working days after the rating (国办发〔2019〕51号).
RECTIFY_WITHIN_WORKDAYS = 5
RECTIFICATION_STATUSES = ("open", "replied", "closed")
RECTIFICATION_WORDS = {"open": "待整改", "replied": "已答复，待企业评价", "closed": "已办结"}


class Rectification(Base):
    """What the rated department owes after a bad rating: a reply saying what was done, by a date, which the
    enterprise then rates (satisfied or not)."""

    __tablename__ = "rectifications"
    __table_args__ = (CheckConstraint("status IN ('open','replied','closed')", name="status"),
                      Index("ix_rectifications_open", "status", "due_on"))

    id: Mapped[IntPK]
    evaluation_id: Mapped[int] = mapped_column(IdType, ForeignKey("evaluations.id", ondelete="CASCADE"),
                                               unique=True)
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(IdType, ForeignKey("enterprises.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_on: Mapped[date]
    due_on: Mapped[date]
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    replied_on: Mapped[date | None]
    satisfied: Mapped[bool | None]
    verdict_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

"""Ratings of completed approvals (即评), the follow-up visits bad ones call for (回访), and the
single-use rating links sent by SMS when an approval is completed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, UTCDateTime, utcnow

# DOMAIN.md "Supervision and metrics": the five levels, best first.
SCORE_WORDS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
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

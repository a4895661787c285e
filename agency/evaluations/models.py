"""Ratings (好差评) of three targets — a completed approval, the project's agency clerk, the officer who
handled an approval — the rectification a bad one opens (整改, with the center's return visit 回访), and the
single-use rating links sent by SMS when an approval is completed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime, utcnow

# DOMAIN.md "Supervision and metrics": the five levels, best first.
SCORE_WORDS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
APPEAL_WORDS = {"pending": "申诉待审", "upheld": "申诉成立（不计入满意率）", "rejected": "申诉不成立"}
# A score at or below this one opens a rectification (整改) and the center's return visit (回访).
FOLLOW_UP_AT_MOST = 2
# What is rated: the department's service on one approval (the default), the project's agency clerk, or the
# officer who handled an approval of an online department (offline and external officers are not users).
TARGETS = ("approval", "clerk", "officer")
TARGET_WORDS = {"approval": "事项办理", "clerk": "代办员", "officer": "部门经办人"}
# The fixed reasons an enterprise may tick besides its comment (codes in the API, the words on the pages).
REASONS = {"slow": "办理时间长", "attitude": "服务态度不好", "unclear": "告知不清楚、不一次性告知",
           "repeat": "重复提交材料、多次跑动", "unreachable": "联系不上、答复不及时", "irregular": "办理不规范、不公正"}
# A clerk is rated at the end of the mandate or once a quarter (2026Q4).
MANDATE_END = "mandate_end"
OCCASION_PATTERN = r"^(mandate_end|\d{4}Q[1-4])$"


def occasion_words(occasion: str) -> str:
    """'2026Q4' → 2026年第4季度; mandate_end → 代办委托结束; '' (an approval, its officer) → ''."""
    if occasion == MANDATE_END:
        return "代办委托结束"
    return f"{occasion[:4]}年第{occasion[5]}季度" if occasion else ""


def reason_words(reasons: list[str]) -> str:
    return "、".join(REASONS.get(r, r) for r in reasons)


def target_key(target: str, approval_id: int | None, project_id: int, occasion: str) -> str:
    """What makes a rating unique: one per target and occasion (an approval and its officer once each)."""
    return f"clerk:{project_id}:{occasion}" if target == "clerk" else f"{target}:{approval_id}"


class Evaluation(Base):
    """One rating of one target on one occasion: an approval once, its officer once, a clerk per occasion."""

    __tablename__ = "evaluations"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        CheckConstraint("channel IN ('app','link')", name="channel"),
        CheckConstraint("target IN ('approval','clerk','officer')", name="target"),
    )

    id: Mapped[IntPK]
    target: Mapped[str] = mapped_column(String(8), default="approval")
    # The rated approval (its service, or its handler); none for a clerk's rating.
    approval_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                                    index=True)
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # '' for an approval and its officer; 'mandate_end' or a quarter ('2026Q4') for a clerk.
    occasion: Mapped[str] = mapped_column(String(16), default="")
    # target_key(): unique, so a second rating of the same target and occasion is refused (409).
    target_key: Mapped[str] = mapped_column(String(80), unique=True)
    # The rated person (the project's clerk, the approval's handler); none when the service is rated.
    rated_user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(IdType, ForeignKey("enterprises.id"), index=True)
    # The rated party's department, copied so the reports group by it without a join; none for a clerk
    # (the agency office).
    department_code: Mapped[str | None] = mapped_column(String(32), index=True)
    score: Mapped[int]
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
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
# Who owes a rectification with no department: the agency office (a clerk was rated).
OFFICE_WORDS = "代办服务中心"


class Rectification(Base):
    """What the rated party owes after a bad rating: a reply saying what was done, by a date, which the
    enterprise then rates (satisfied or not). It replaced the follow-up (回访) of a bad rating: the center's
    return visit is recorded on it (visit_*), and /api/follow-ups lists the ones of approvals as before."""

    __tablename__ = "rectifications"
    __table_args__ = (CheckConstraint("status IN ('open','replied','closed')", name="status"),
                      Index("ix_rectifications_open", "status", "due_on"))

    id: Mapped[IntPK]
    evaluation_id: Mapped[int] = mapped_column(IdType, ForeignKey("evaluations.id", ondelete="CASCADE"),
                                               unique=True)
    approval_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                                    index=True)
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(IdType, ForeignKey("enterprises.id"), index=True)
    # The rated party's department; none: the agency office (a clerk was rated), answered by its leaders.
    department_code: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_on: Mapped[date]
    due_on: Mapped[date]
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    replied_on: Mapped[date | None]
    satisfied: Mapped[bool | None]
    verdict_on: Mapped[date | None]
    # The center's return visit (回访) to the enterprise: a clerk or leader records it.
    visit_note: Mapped[str | None] = mapped_column(Text)
    visited_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

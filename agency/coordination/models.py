"""Key-project coordination (重点项目协调): the problem ledger (问题清单) and coordination meetings (协调会).

What stalls a key project is often not an approval's clock: land not cleared, planning conditions that
contradict each other, no power capacity. A problem names the department that must solve it and a due date;
the sweep escalates it like a clock (subject ``problem`` in the one ledger of firings). A meeting's decisions
become problems, or update one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime

CATEGORY_NAMES = {"land": "用地", "planning": "规划", "utilities": "水电气等配套", "funding": "资金", "other": "其他"}
PROBLEM_STATUS_NAMES = {"open": "待解决", "responded": "办理中", "resolved": "已解决（待确认）",
                        "confirmed": "已确认解决"}
# A problem not yet confirmed solved is open for the ledger, the pages and the sweep.
OPEN_PROBLEM_STATES = ("open", "responded", "resolved")
ACTION_NAMES = {"respond": "答复进展", "resolve": "标记已解决", "confirm": "确认解决", "reopen": "重新打开"}
MEETING_STATUS_NAMES = {"planned": "待召开", "held": "已召开"}


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (
        CheckConstraint("status IN ('open','responded','resolved','confirmed')", name="status"),
        CheckConstraint("category IN ('land','planning','utilities','funding','other')", name="category"),
        Index("ix_problems_open", "status", "due_on"),
    )

    id: Mapped[IntPK]
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), index=True)
    opened_on: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="open")
    # The approvals it holds up (ids of this project's approvals).
    approval_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # The progress notes, oldest first: {on, at, by, by_name, action, note}.
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    meeting_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("meetings.id"))
    opened_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    resolved_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (CheckConstraint("status IN ('planned','held')", name="status"),)

    id: Mapped[IntPK]
    title: Mapped[str] = mapped_column(String(200))
    planned_on: Mapped[date]
    held_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(8), default="planned")
    called_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    # What was on the table when it was called: the projects' open problems and red items.
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    attendees: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # {text, department_code, due_on, problem_id} as recorded.
    decisions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # department code → {by, at}: who acknowledged the minutes for it.
    acknowledgements: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    minutes_document_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("documents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)


class MeetingProject(Base):
    """The projects a meeting is about: who may see it follows from them."""

    __tablename__ = "meeting_projects"

    meeting_id: Mapped[int] = mapped_column(IdType, ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class JointOpinion(Base):
    """One participant's opinion on a joint acceptance (联合验收意见): pass, or fail with the findings the
    enterprise must fix. A re-inspection after a failure is the next round of that participant only."""

    __tablename__ = "joint_opinions"
    __table_args__ = (UniqueConstraint("approval_id", "participant_code", "round"),)

    id: Mapped[IntPK]
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"), index=True)
    participant_code: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"))
    round: Mapped[int]
    passed: Mapped[bool]
    findings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    recorded_on: Mapped[date]
    recorded_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

"""Project dossiers (项目档案), their approvals as planned from a route, and milestones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, TimestampMixin, UTCDateTime

PROJECT_STATUSES = ("planning", "in_progress", "completed", "blocked", "closed")
APPROVAL_STATUSES = ("planned", "preparing", "submitted", "accepted", "supplement_requested", "suspended",
                     "approved", "rejected", "refused", "withdrawn")
GREEN_STATUSES = ("none", "requested", "approved", "refused")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Project(TimestampMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(_in("status", PROJECT_STATUSES), name="status"),
        CheckConstraint(_in("green_channel_status", GREEN_STATUSES), name="green_channel_status"),
    )

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[int] = mapped_column(IdType, ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    route_id: Mapped[int] = mapped_column(IdType, ForeignKey("routes.id"))
    route_code: Mapped[str] = mapped_column(String(64))
    catalog_version: Mapped[str] = mapped_column(String(32))
    investment_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    location: Mapped[str] = mapped_column(String(300))
    land_area_mu: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    description: Mapped[str] = mapped_column(Text, default="")
    clerk_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="planning", index=True)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    green_channel_status: Mapped[str] = mapped_column(String(16), default="none", index=True)
    green_channel_reason: Mapped[str | None] = mapped_column(Text)
    green_channel_note: Mapped[str | None] = mapped_column(Text)
    green_channel_decided_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    green_channel_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Facts the application forms ask for (construction content, units, dates…), filled over time.
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ProjectMilestone(Base):
    __tablename__ = "project_milestones"
    __table_args__ = (UniqueConstraint("project_id", "code"),)

    id: Mapped[IntPK]
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    after: Mapped[list[str]] = mapped_column(JSONType, default=list)
    expected_on: Mapped[date | None]
    done_on: Mapped[date | None]


class Approval(TimestampMixin, Base):
    """One catalog item inside one project, owned by one department."""

    __tablename__ = "approvals"
    __table_args__ = (CheckConstraint(_in("status", APPROVAL_STATUSES), name="status"),)

    id: Mapped[IntPK]
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    catalog_item_id: Mapped[int] = mapped_column(IdType, ForeignKey("catalog_items.id"))
    item_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="planned", index=True)
    required: Mapped[bool] = mapped_column(default=True)
    # Limits, materials and rules as they were when the project was planned (the item snapshot).
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Route milestones this approval waits for, besides its prerequisite approvals.
    waits_for_milestones: Mapped[list[str]] = mapped_column(JSONType, default=list)
    handler_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    decided_on: Mapped[date | None]
    submitted_on: Mapped[date | None]
    # The open one-time notice (一次性告知): what the department asked for, until it is answered.
    pending_supplement: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # The (effective) date of the last status change: the floor for a backdated act, and what the
    # stall rules measure ("preparing untouched for 5 working days").
    status_since: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ApprovalPrerequisite(Base):
    __tablename__ = "approval_prerequisites"

    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                             primary_key=True)
    prerequisite_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)

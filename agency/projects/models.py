"""Project dossiers (项目档案) and their milestones. The approvals of a dossier are agency.approvals'."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, TimestampMixin, UTCDateTime

PROJECT_STATUSES = ("planning", "in_progress", "completed", "blocked", "closed")
GREEN_STATUSES = ("none", "requested", "approved", "refused")


def in_values(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: ``column`` holds one of ``values``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Project(TimestampMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(in_values("status", PROJECT_STATUSES), name="status"),
        CheckConstraint(in_values("green_channel_status", GREEN_STATUSES), name="green_channel_status"),
    )

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # 投资项目统一代码 (YYYY-AAAAAA-BB-CC-NNNNNN), given by the national platform; ``code`` is the 档案编号.
    investment_code: Mapped[str | None] = mapped_column(String(24), unique=True)
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
    # The agency mandate (委托代办) paused by the enterprise (中止): since when and why; resumed (续办) clears it.
    # Its status (active, paused, ended, completed) follows from these and the dossier's status: mandate_of.
    mandate_paused_on: Mapped[date | None]
    mandate_pause_reason: Mapped[str | None] = mapped_column(Text)
    # Facts the application forms ask for (construction content, units, dates…), filled over time.
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The site that holds the dossier: the one that opened it, until a handover (移交) gives it to another;
    # None: the center (dossiers from before sites were kept).
    site_code: Mapped[str | None] = mapped_column(String(32), ForeignKey("sites.code"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ProjectHandover(Base):
    """A dossier handed by one site (a township hall) to another (the center's agency office): the giving
    site's clerks keep a read-only view of it through this row."""

    __tablename__ = "project_handovers"

    id: Mapped[IntPK]
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    from_site_code: Mapped[str | None] = mapped_column(String(32), ForeignKey("sites.code"), index=True)
    to_site_code: Mapped[str] = mapped_column(String(32), ForeignKey("sites.code"))
    note: Mapped[str] = mapped_column(Text)
    handed_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The receiving site's clerk who became the dossier's clerk (None: handed over before this was kept).
    received_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))


MANDATE_STATUSES = ("active", "paused", "ended", "completed")
MANDATE_NAMES = {"active": "代办中", "paused": "已中止（企业暂停代办）", "ended": "已终止", "completed": "已办结"}


def mandate_of(project: Project) -> str:
    """The agency mandate's status: ended with a closed dossier, completed with a completed one, else paused
    while the enterprise has paused it, else active."""
    if project.status == "closed":
        return "ended"
    if project.status == "completed":
        return "completed"
    return "paused" if project.mandate_paused_on is not None else "active"


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

from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, TimestampMixin


class CalendarDay(TimestampMixin, Base):
    """A date that differs from Monday–Friday: a holiday on a weekday or a make-up workday (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    workday: Mapped[bool]
    source: Mapped[str] = mapped_column(String(16))  # official | admin | provisional
    note: Mapped[str] = mapped_column(String(100), default="")
    updated_by: Mapped[str] = mapped_column(String(64), default="system")


class WorkdayOrdinal(Base):
    """Every date of the supported range with the count of working days up to it.

    Lets SQL answer "n working days after d" and "working days between a and b" with one indexed
    lookup each, so the escalation sweep over all open approvals is one query.
    """

    __tablename__ = "workday_ordinals"

    day: Mapped[date] = mapped_column(primary_key=True)
    ordinal: Mapped[int] = mapped_column(index=True)
    workday: Mapped[bool]
    provisional: Mapped[bool]


class CalendarRevision(Base):
    """One row; bumped on every calendar change so each process knows to rebuild its index."""

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)


class CalendarChange(Base):
    """One date whose status a calendar revision changed. A clock computed with an earlier revision is stale
    only if one of these dates falls among the dates it depends on (agency/approvals/clock_sql.fresh)."""

    __tablename__ = "calendar_changes"

    revision: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True, index=True)

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


class OpenClock(Base):
    """Derived data, never the truth: the clock events of one approval whose clock runs or is paused,
    reduced to the few numbers its due date, time used and level follow from on any day — so the
    worklist and the sweep read one narrow row per open clock instead of every event of the book.

    ``agency/approvals/open_clocks.py`` keeps it in step with every write of clock events, approval
    statuses, green channels and the calendar, in the writer's transaction. A clock that stopped
    cleanly has no row; one whose events the reduction cannot read keeps a row with ``readable``
    false, for the pure function to judge. Ordinals are ``workday_ordinals`` of the calendar the row
    was computed with; day numbers count from 2000-01-01 (calendar-day limits).
    """

    __tablename__ = "open_clocks"

    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                             primary_key=True)
    # Copied from the approval and its project: what a worklist filters on, and what picks the thresholds.
    project_id: Mapped[int] = mapped_column(IdType, index=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(24))
    route_id: Mapped[int] = mapped_column(IdType)
    green: Mapped[bool]
    # The promised limit of the approval's snapshot (no unit: none was given, 0 working days).
    unit: Mapped[str | None] = mapped_column(String(16))
    limit_count: Mapped[int]
    # The current run: everything from the last "started" on.
    accepted_on: Mapped[date | None]
    accepted_ordinal: Mapped[int | None]
    accepted_day: Mapped[int | None]
    extension: Mapped[int]
    # Σ X(resumed) − Σ X(paused): in working-day ordinals and in day numbers.
    gaps_ordinal: Mapped[int]
    gaps_day: Mapped[int]
    pausing: Mapped[bool]  # a pause is open
    paused_on: Mapped[date | None]
    # A due date reached inside a closed run (before a pause) stays there: that due value, the
    # working-day gaps before that run, and the pause that closed it.
    absorbed_due: Mapped[int | None]
    absorbed_gaps_ordinal: Mapped[int | None]
    absorbed_pause: Mapped[date | None]
    last_event_on: Mapped[date]
    readable: Mapped[bool]


# The open clocks follow every write of the models above from here on, in any session of the process.
from agency.approvals import open_clocks as _open_clocks  # noqa: E402, F401  (registers the session hooks)

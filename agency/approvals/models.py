from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
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
    statuses, green channels and the calendar, in the writer's transaction; ``clock_sql.reduction``
    says what each column holds. A clock that stopped cleanly has no row; one whose events the
    reduction cannot read keeps a row with ``readable`` false, for the pure function to judge.
    """

    __tablename__ = "open_clocks"
    # The day's urgency, most urgent first: the clerk's worklist and a department's inbox read a page of
    # it from these indexes instead of ranking every open clock.
    __table_args__ = (Index("ix_open_clocks_urgency", "key_rank", "key_remaining", "approval_id"),
                      Index("ix_open_clocks_department_urgency", "department_code", "key_rank", "key_remaining",
                            "approval_id"))

    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                             primary_key=True)
    # Copied from the approval and its project: what a worklist filters on, and what picks the thresholds.
    project_id: Mapped[int] = mapped_column(IdType, index=True)
    department_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))
    route_id: Mapped[int] = mapped_column(IdType)
    green: Mapped[bool]
    # The promised limit of the approval's snapshot (no unit: none was given, 0 working days).
    unit: Mapped[str | None] = mapped_column(String(16))
    limit_count: Mapped[int]
    # The current run: everything from the last "started" on.
    extension: Mapped[int]
    accepted_on: Mapped[date | None]
    pausing: Mapped[bool]  # a pause is open
    paused_on: Mapped[date | None]
    # Fixed while the clock runs, or when it passed before the pause; else NULL (a daily projection).
    due_on: Mapped[date | None]
    # Remaining working days = remaining_base − the day's working-day ordinal while running, remaining_base
    # while paused (NULL: a paused calendar-day clock, whose count moves with the holidays).
    remaining_base: Mapped[int | None]
    # Time used (in the limit's unit) = the day's number − used_base while running, used_base while paused.
    used_base: Mapped[int | None]
    absorbed_pause: Mapped[date | None]  # the pause after a due date reached in a closed run
    last_event_on: Mapped[date]
    readable: Mapped[bool]
    # The worklist's key (level rank, remaining working days) on ``key_day``, as ``urgency.keys`` computes
    # it; rank NULL: SQL cannot key this clock exactly, the pure function does. Set with every refresh and
    # for each new day by the sweep; a worklist asked for another day computes its keys itself.
    key_day: Mapped[date | None] = mapped_column(index=True)
    key_rank: Mapped[int | None]
    key_remaining: Mapped[int | None]

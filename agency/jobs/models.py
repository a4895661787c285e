"""Work that runs after the transaction that asked for it has committed: papers an action calls for,
the rating link of a decision, the clocks a calendar change moves. One row per job, so nothing asked
for is lost when a process stops, and a client can follow a long job's progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IntPK, JSONType, UTCDateTime

JOB_STATUSES = ("pending", "running", "done", "failed")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint("status IN ('pending','running','done','failed')", name="status"),
                      Index("ix_jobs_due", "status", "run_after"))

    id: Mapped[IntPK]
    kind: Mapped[str] = mapped_column(String(64))
    # Ids and plain values only: a job reads what it needs from the database when it runs.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))  # the username of whoever caused it, or "system"
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

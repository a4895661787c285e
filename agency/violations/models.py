"""What a department did against the law's own rules: not answering an application within 5 working days
(行政许可法 第三十二条: deemed accepted), asking twice for what was there and unchanged (一次性告知),
passing the promised or the statutory limit. One row per breach; the sweep and the actions record them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime

VIOLATION_KINDS = ("intake_overdue", "repeat_supplement", "promised_overdue", "statutory_overdue")
KIND_NAMES = {"intake_overdue": "逾期未作受理决定（视为受理）", "repeat_supplement": "重复要求补正",
              "promised_overdue": "超过承诺时限", "statutory_overdue": "超过法定时限"}


class Violation(Base):
    __tablename__ = "violations"
    __table_args__ = (
        CheckConstraint("kind IN ('intake_overdue','repeat_supplement','promised_overdue','statutory_overdue')",
                        name="kind"),
        # Once per approval, kind and occasion: the sweep may find the same breach every day.
        Index("uq_violations_breach", "approval_id", "kind", "occasion", unique=True),
        Index("ix_violations_department", "department_code", "occurred_on"),
    )

    id: Mapped[IntPK]
    kind: Mapped[str] = mapped_column(String(24))
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"))
    occasion: Mapped[str] = mapped_column(String(40), default="")
    occurred_on: Mapped[date]
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

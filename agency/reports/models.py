"""The ranking criteria the administrator set (评比标准): one row; without it the AGENCY_RANKING_* settings hold."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, JSONType, UTCDateTime

POINTS = Numeric(7, 2, asdecimal=False)
# The one row's id: there is one set of criteria for the center.
THE_CRITERIA = 1


class RankingCriteriaRow(Base):
    __tablename__ = "ranking_criteria"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # {rate: weight} over the rates of rankings.RATE_NAMES.
    weights: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Points with two decimals, read as floats (Numeric: the same type on both databases).
    penalty: Mapped[float] = mapped_column(POINTS)
    flag_at_least: Mapped[float] = mapped_column(POINTS)
    model_at_least: Mapped[float] = mapped_column(POINTS)
    min_completed: Mapped[int]
    updated_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

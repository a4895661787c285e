from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    case,
    column,
    func,
    literal,
    select,
    text,
    true,
    values,
)
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime

RULES = ("clock", "stall_submitted", "stall_preparing", "stall_supplement")
LEVELS = ("prompt", "yellow", "red", "l3")
# What a firing is about: an approval's clock or stall today; the later deadlines (a deferred material, a
# verification task, a problem, a stage, an obligation, a rectification, a fee) join the same ledger.
SUBJECT_TYPES = ("approval", "deferral", "verification", "problem", "stage", "obligation", "rectification", "fee")
# A withdrawn firing (fired on a provisional calendar that the official one no longer bears out) does not
# count: the firing key is unique among the others only, so the real firing can come later.
LIVE = text("status <> 'withdrawn'")


# What each level is called on the pages, in messages and on the supervision notice.
LEVEL_WORDS = {"prompt": "即将到期提示", "yellow": "黄牌预警", "red": "红牌督办", "l3": "县级督办"}


class Escalation(Base):
    """One firing of one rule at one level (on one occasion) for one subject — the one ledger of every
    deadline the sweep watches. The unique key (subject type, subject id, rule, level, occasion) among
    the firings not withdrawn is what makes the sweep safe to run twice, or on two workers at once: a
    second insert of the same firing does nothing."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("uq_escalations_firing", "subject_type", "subject_id", "rule", "level", "occasion", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
        CheckConstraint("status IN ('open','acknowledged','resolved','withdrawn')", name="status"),
        CheckConstraint("level IN ('prompt','yellow','red','l3')", name="level"),
        Index("ix_escalations_open", "status", "level"),
        Index("ix_escalations_approval_id", "approval_id"),
    )

    id: Mapped[IntPK]
    subject_type: Mapped[str] = mapped_column(String(16), default="approval")
    subject_id: Mapped[int] = mapped_column(IdType)
    # Several firings of one rule and level for one subject: several reminders, several deferred materials.
    occasion: Mapped[str] = mapped_column(String(32), default="")
    approval_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    rule: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[date]
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[date | None]
    overdue_workdays: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")
    targets: Mapped[list[Any] | None] = mapped_column(JSONType)
    notified: Mapped[bool] = mapped_column(default=False)
    document_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("documents.id"))
    acknowledged_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledge_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_note: Mapped[str | None] = mapped_column(Text)
    # Fired on dates of a year whose official schedule was not yet known (agency/calendar/seed.py).
    provisional: Mapped[bool] = mapped_column(default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


def level_words() -> Any:
    """``LEVEL_WORDS`` in SQL: what a firing's level is called, for the messages written set-based."""
    return case(*((Escalation.level == k, literal(v)) for k, v in LEVEL_WORDS.items()), else_=literal(""))


# Firings the sweep computes in Python (stages past their limit, clocks SQL cannot read exactly today) go into
# the ledger by the same INSERT … SELECT as those computed in SQL, at most this many rows a statement, each
# statement built only when it is sent.
ROWS_PER_STATEMENT = 2000
# The types of a computed firing's fields, in the ledger's column order (agency.supervision.sweep.COLUMNS).
_FIELD_TYPES: tuple[Any, ...] = (String(), BigInteger(), String(), BigInteger(), BigInteger(), String(), String(),
                                 String(), Date(), Integer(), Date(), DateTime(timezone=True), String(), Boolean(),
                                 Boolean())
_FIELD_NAMES = tuple(f"field_{i}" for i in range(len(_FIELD_TYPES)))


def literal_firings(rows: Sequence[tuple[Any, ...]], dialect: str) -> Select[Any]:
    """Computed firings (a tuple each, in the ledger's column order) as one SELECT of their rows.

    On PostgreSQL: one ``unnest`` of a typed array per field, 15 bound values whatever the number of rows. A
    ``UNION ALL`` of one literal SELECT per row (30,000 bound values for 2,000 rows) took PostgreSQL 5–8 s per
    statement to plan, on every sweep (10,589 stage firings: 40 s; unnest: 0.2 s). Elsewhere (SQLite): a
    ``VALUES`` list named by a CTE (SQLite refuses a compound SELECT of over 500 terms, and a column list on a
    derived table's alias); its ``WHERE true`` is what SQLite needs to parse the upsert that follows."""
    if dialect == "postgresql":
        fields = zip(*rows, strict=True)
        arrays = [literal(list(field), ARRAY(kind)) for field, kind in zip(fields, _FIELD_TYPES, strict=True)]
        return select(func.unnest(*arrays).table_valued(*_FIELD_NAMES).render_derived(name="firings"))
    return select(values(*(column(name, kind) for name, kind in zip(_FIELD_NAMES, _FIELD_TYPES, strict=True)),
                         name="firings").data(list(rows)).cte("firings")).where(true())

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One append-only line of the audit log, chained to the line before it in the chain by ``prev_hash``."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        # Failed logins per address in the last minutes: the per-address login limit reads this.
        Index("ix_audit_events_client_time", "client_addr", "occurred_at"),
        # The lines the sealer has still to seal (agency/audit/sealer.py): a handful at any time.
        Index("ix_audit_events_unsealed", "id", postgresql_where=text("hash IS NULL"),
              sqlite_where=text("hash IS NULL")),
    )

    id: Mapped[IntPK]
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(IdType)
    actor_username: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[int | None] = mapped_column(IdType, index=True)
    result: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    # The seal: empty from the line's commit until the sealer reaches it (PostgreSQL; SQLite seals at commit).
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The line's place in the chain, given when it is sealed; lines sealed before migration 0041 have none and
    # come first, in id order.
    chain_seq: Mapped[int | None] = mapped_column(IdType, unique=True, index=True)

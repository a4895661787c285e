"""Writing to the audit log (inside the caller's transaction) and verifying the chain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.audit.chain import ChainBreak, ChainChecker, line_hash
from agency.audit.models import GENESIS_HASH, AuditEvent

# Any constant works; it names "the audit chain" among PostgreSQL advisory locks.
_CHAIN_LOCK_KEY = 0x41474E43


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    project_id: int | None = None,
    result: str = "success",
) -> AuditEvent:
    """Append one event in the caller's transaction; it commits or rolls back with the change."""
    if session.bind.dialect.name == "postgresql":
        # Serialises appenders until commit, so two transactions never chain to the same line.
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    prev_hash = (
        await session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    ).scalar_one_or_none() or GENESIS_HASH
    event = AuditEvent(
        occurred_at=datetime.now(UTC),
        actor_id=actor.user_id,
        actor_username=actor.username,
        actor_role=str(actor.role),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        project_id=project_id,
        result=result,
        before=before,
        after=after,
        client_addr=actor.client_addr,
        prev_hash=prev_hash,
    )
    event.hash = line_hash(event, prev_hash)
    session.add(event)
    await session.flush()
    return event


async def verify_chain(
    session: AsyncSession, *, batch: int = 2000, progress: Callable[[int, int], None] | None = None
) -> tuple[int, ChainBreak | None]:
    """Walk the whole log in id order; returns (lines checked, first break or None)."""
    total = (await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
    checker = ChainChecker()
    last_id = 0
    while True:
        rows = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            )
        ).scalars().all()
        if not rows:
            break
        checker.feed(rows)
        last_id = rows[-1].id
        session.expunge_all()
        if progress:
            progress(checker.checked, total)
    return checker.checked, checker.first_break

"""Writing to the audit log (inside the caller's transaction) and verifying the chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, and_, event, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from agency import timeutil
from agency.access import Actor
from agency.audit import sealer
from agency.audit.chain import ChainBreak, ChainChecker, line_hash
from agency.audit.models import GENESIS_HASH, AuditEvent
from agency.db.hooks import after_commit


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
    """Append one event in the caller's transaction; it commits or rolls back with the change.

    The line is written when the transaction commits, all of its lines in one statement, and sealed into the
    chain just after (agency/audit/sealer.py) — on SQLite, which serialises writers from BEGIN, at the commit
    itself. Chaining needs the last line of the log, and on PostgreSQL a lock that serialises every writer:
    taken by each action until its COMMIT, a busy worker's transaction held it while the others queued."""
    line = AuditEvent(
        occurred_at=timeutil.now(),
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
    )
    session.info.setdefault(_UNWRITTEN, []).append(line)
    return line


_UNWRITTEN = "unwritten_audit_lines"


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    lines: list[AuditEvent] = session.info.pop(_UNWRITTEN, [])
    if not lines:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Unsealed, without the chain's lock: the sealer woken after the commit seals them.
        session.add_all(lines)
        session.flush(lines)
        bind = session.get_bind()
        after_commit(session, lambda: sealer.wake_for(bind))
        return
    head = session.execute(chain_head()).one_or_none()
    prev_hash, seq = (head[0] or GENESIS_HASH, head[1] or 0) if head is not None else (GENESIS_HASH, 0)
    for line in lines:
        seq += 1
        line.prev_hash, line.chain_seq = prev_hash, seq
        line.hash = prev_hash = line_hash(line, prev_hash)
    session.add_all(lines)
    session.flush(lines)


def chain_head() -> Select[tuple[str | None, int | None]]:
    """The last sealed line's hash and place: the highest ``chain_seq``, else (only lines sealed before
    migration 0041) the highest id. Each alternative is one index lookup."""
    last_seq = select(func.max(AuditEvent.chain_seq)).scalar_subquery()
    legacy = (select(AuditEvent.id).where(AuditEvent.chain_seq.is_(None), AuditEvent.hash.is_not(None))
              .order_by(AuditEvent.id.desc()).limit(1).scalar_subquery())
    head_id = func.coalesce(select(AuditEvent.id).where(AuditEvent.chain_seq == last_seq).scalar_subquery(), legacy)
    return select(AuditEvent.hash, AuditEvent.chain_seq).where(AuditEvent.id == head_id)


@event.listens_for(Session, "after_soft_rollback")
def _drop_unwritten(session: Session, _previous: Any) -> None:
    session.info.pop(_UNWRITTEN, None)


async def verify_chain(
    session: AsyncSession, *, batch: int = 2000, progress: Callable[[int, int], None] | None = None
) -> tuple[int, ChainBreak | None]:
    """Walk the sealed lines in chain order — those sealed before migration 0041 by id, then by ``chain_seq`` —
    and return (lines checked, first break or None). Lines not yet sealed are not walked (``unsealed``)."""
    total = (await session.execute(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.hash.is_not(None)))).scalar_one()
    checker = ChainChecker()
    legacy = and_(AuditEvent.chain_seq.is_(None), AuditEvent.hash.is_not(None))
    for column, where in ((AuditEvent.id, legacy), (AuditEvent.chain_seq, AuditEvent.chain_seq.is_not(None))):
        last: int | None = None
        while True:
            rows = (await session.execute(
                select(AuditEvent).where(where, column > last if last is not None else true())
                .order_by(column).limit(batch))).scalars().all()
            if not rows:
                break
            checker.feed(rows)
            last = getattr(rows[-1], column.key)
            session.expunge_all()
            if progress:
                progress(checker.checked, total)
    return checker.checked, checker.first_break


async def unsealed(session: AsyncSession) -> int:
    """Lines committed and not yet sealed (PostgreSQL: the sealer reaches them within moments)."""
    return int((await session.execute(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.hash.is_(None)))).scalar_one())

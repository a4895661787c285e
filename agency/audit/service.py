"""Writing to the audit log (inside the caller's transaction) and verifying the chain."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from agency import timeutil
from agency.access import Actor
from agency.audit.chain import ChainBreak, ChainChecker, canonical_time, line_hash, line_tail
from agency.audit.models import GENESIS_HASH, AuditEvent

# Any constant works; it names "the audit chain" among PostgreSQL advisory locks.
_CHAIN_LOCK_KEY = 0x41474E43
_APPEND = text("SELECT line_id, line_prev_hash, line_hash FROM agency_audit_append(:key, CAST(:lines AS jsonb))")


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

    The line is chained when the transaction commits, not now: chaining needs the last line of the
    log, and on PostgreSQL a lock that serialises every writer until its commit. Taken here, that
    lock was held through the rest of the request (papers rendered, notifications queued) and every
    other action waited behind it; taken at commit, it is held for one INSERT."""
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
    session.info.setdefault(_UNCHAINED, []).append(line)
    return line


_UNCHAINED = "unchained_audit_lines"


@event.listens_for(Session, "before_commit")
def _chain(session: Session) -> None:
    lines: list[AuditEvent] = session.info.pop(_UNCHAINED, [])
    if not lines:
        return
    if session.get_bind().dialect.name == "postgresql":
        # One round trip (migration 0039's function): the chain's advisory lock, which serialises appenders until
        # commit so two transactions never chain to the same line; the head, read once the lock is granted; and
        # the lines, each hashed there from its fields' canonical text (``line_tail``) and the hash before it.
        appended = session.execute(_APPEND, {"key": _CHAIN_LOCK_KEY,
                                             "lines": json.dumps([_wire(line) for line in lines])}).all()
        for line, (line_id, prev_hash, hash_) in zip(lines, appended, strict=True):
            line.id, line.prev_hash, line.hash = line_id, prev_hash, hash_  # as written; not in the session
        return
    head = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
    prev_hash = head or GENESIS_HASH
    for line in lines:
        line.prev_hash = prev_hash
        line.hash = prev_hash = line_hash(line, prev_hash)
        session.add(line)
    session.flush()


def _wire(line: AuditEvent) -> dict[str, Any]:
    """A line's columns as agency_audit_append inserts them, with the text its hash is computed from."""
    return {"occurred_at": canonical_time(line.occurred_at), "actor_id": line.actor_id,
            "actor_username": line.actor_username, "actor_role": line.actor_role, "action": line.action,
            "object_type": line.object_type, "object_id": line.object_id, "project_id": line.project_id,
            "result": line.result, "before": line.before, "after": line.after, "client_addr": line.client_addr,
            "tail": line_tail(line)}


@event.listens_for(Session, "after_soft_rollback")
def _drop_unchained(session: Session, _previous: Any) -> None:
    session.info.pop(_UNCHAINED, None)


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

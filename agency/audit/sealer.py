"""Sealing the audit lines after their commit (PostgreSQL).

A line is written in its action's transaction without its seal (``prev_hash``, ``hash``, ``chain_seq``): no
lock is taken there. Chaining under a lock held until each action's COMMIT made every action wait for the
slowest committer — a transaction whose worker was busy elsewhere held the lock while dozens queued behind it.
One sealer at a time (the chain's advisory lock, taken by sealers only) seals what has been committed, in id
order, each line chained to the one sealed before it; the hash is the same digest as before
(``agency.audit.chain``), computed by PostgreSQL from the line's canonical text as Python reads it back.

Each process that writes keeps one ``Sealer``: a commit that wrote lines wakes it, and it seals within
milliseconds. Lines a stopped process committed and never sealed are sealed by the worker's round every
minute (agency/worker.py). A command-line tool seals before it exits (agency/cli.py). `agency audit verify`
seals what is waiting, then walks the chain; lines still unsealed are reported, not taken for a break.

SQLite serialises writers from BEGIN and seals at commit (agency/audit/service.py): no sealer there.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, cast

from sqlalchemy import Engine, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agency.audit.chain import ChainedLine, line_tail
from agency.audit.models import AuditEvent

log = logging.getLogger(__name__)

# Any constant works; it names "the audit chain" among PostgreSQL advisory locks.
CHAIN_LOCK_KEY = 0x41474E43
# Lines sealed per round trip; a busy minute of an office writes far fewer.
SEAL_BATCH = 500

_SEAL = text("SELECT agency_audit_seal(:key, CAST(:lines AS jsonb))")
_CONTENT = (AuditEvent.id, AuditEvent.occurred_at, AuditEvent.actor_id, AuditEvent.actor_username,
            AuditEvent.actor_role, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
            AuditEvent.project_id, AuditEvent.result, AuditEvent.before, AuditEvent.after, AuditEvent.client_addr)


async def seal_pending(session: AsyncSession, batch: int = SEAL_BATCH) -> int:
    """Seal up to ``batch`` committed lines still without their seal, in id order, in the caller's transaction
    (the lock is held until it commits); returns how many. On SQLite there are none."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    rows = (await session.execute(select(*_CONTENT).where(AuditEvent.hash.is_(None))
                                  .order_by(AuditEvent.id).limit(batch))).all()
    if not rows:
        return 0
    # The text each hash is computed from, as the line reads back — what `audit verify` will recompute.
    lines = [{"id": row.id, "tail": line_tail(cast(ChainedLine, row))} for row in rows]
    sealed: int = (await session.execute(_SEAL, {"key": CHAIN_LOCK_KEY, "lines": json.dumps(lines)})).scalar_one()
    return sealed


async def seal_all(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Seal every line waiting, a batch per transaction."""
    total = 0
    while True:
        async with sessions() as session:
            sealed = await seal_pending(session)
            await session.commit()
        total += sealed
        if sealed < SEAL_BATCH:
            return total


class Sealer:
    """This process's sealer of one database: a commit that wrote lines wakes it; it seals in a task of the
    committing event loop, once more if woken meanwhile, so no commit's lines wait for a later one."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def wake(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True  # the running pass may have read the waiting lines before this commit
            return
        self._task = asyncio.get_running_loop().create_task(self._seal(), name="audit-sealer")

    async def _seal(self) -> None:
        while True:
            self._again = False
            try:
                await seal_all(self._sessions)
            except Exception:  # the database away for a moment: the next commit, or the worker's round, seals them
                log.exception("sealing the audit log failed; the lines wait for the next pass")
                return
            if not self._again:
                return

    async def close(self) -> None:
        """Let a pass under way finish (the last commits' lines)."""
        task = self._task
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            await task


_sealers: dict[Engine, Sealer] = {}


def start(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> Sealer | None:
    """The sealer of this process's engine (PostgreSQL; None on SQLite, which seals at commit)."""
    if engine.dialect.name != "postgresql":
        return None
    sealer = _sealers[engine.sync_engine] = Sealer(sessions)
    return sealer


async def stop(engine: AsyncEngine) -> None:
    sealer = _sealers.pop(engine.sync_engine, None)
    if sealer is not None:
        await sealer.close()


def wake_for(bind: Any) -> None:
    """After a commit that wrote lines: wake the sealer of the engine it went through, if this process has
    one (a tool or test without one seals explicitly)."""
    sealer = _sealers.get(getattr(bind, "engine", bind))
    if sealer is not None:
        sealer.wake()

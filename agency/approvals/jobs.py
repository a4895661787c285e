"""Background work of the approvals: the clocks a calendar change moves (agency/approvals/calendar_change.py)."""

from __future__ import annotations

from typing import Any

from agency import timeutil
from agency.approvals.calendar_change import RECOMPUTE_CLOCKS, prepare_batch, stale_count, write_batch
from agency.jobs.runner import JobContext
from agency.jobs.sessions import transaction

__all__ = ["RECOMPUTE_CLOCKS", "recompute_clocks"]


async def recompute_clocks(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Every stale clock row, a batch per transaction, until none is left — those written meanwhile by
    processes still on the old calendar included."""
    async with ctx.sessions() as session:
        total = await stale_count(session)
    await ctx.progress(0, total)
    done = 0
    while True:
        # Computed in one transaction without locks, written in another that holds the approvals' locks only
        # for its three statements: actions meanwhile wait milliseconds, not a batch's computation.
        async with ctx.sessions() as session:
            batch = await prepare_batch(session, timeutil.today())
        if batch is None:
            break
        async with transaction(ctx) as session:
            await write_batch(session, batch)
        done += len(batch.versions)
        await ctx.progress(done, max(total, done))
    return {"recomputed": done, "revision": payload.get("revision")}

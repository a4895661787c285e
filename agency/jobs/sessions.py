"""One transaction of a job: committed when the block succeeds, rolled back (and the objects it wrote to
storage removed) when it fails — the same boundary a request has (agency/db/session.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from agency.db.session import undo_side_effects
from agency.jobs.runner import JobContext
from agency.jobs.service import committed


@asynccontextmanager
async def transaction(ctx: JobContext) -> AsyncIterator[AsyncSession]:
    session = ctx.sessions()
    try:
        yield session
        await session.commit()
        session.info.pop("undo", None)
        ctx.follow_ups.extend(committed(session))
    except BaseException:
        await session.rollback()
        await undo_side_effects(session)
        raise
    finally:
        await session.close()

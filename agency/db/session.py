"""One database transaction per request: committed when the handler succeeds, rolled back otherwise."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("agency.db")


def on_rollback(session: AsyncSession, undo: Callable[[], Awaitable[object]]) -> None:
    """Registers how to undo a side effect outside the database (an object written to storage)."""
    session.info.setdefault("undo", []).append(undo)


async def undo_side_effects(session: AsyncSession) -> None:
    for undo in reversed(session.info.pop("undo", [])):
        try:
            await undo()
        except Exception:  # the request's own error matters more; the storage check finds leftovers
            log.exception("could not undo a side effect after rollback")


_JOBS_KEY = "jobs_after_response"


async def provide_db(state: State, request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    # Litestar throws the handler's exception into this generator, so a failed request rolls back;
    # the commit runs before the response is sent, so a failing commit still gets a proper error.
    session: AsyncSession = state.sessionmaker()
    try:
        yield session
        # A read served from memory never began a transaction: nothing to commit (nor to hook into).
        if session.in_transaction() or session.info:
            await session.commit()
        session.info.pop("undo", None)
        if session.info.pop("kick_delivery", False) and hasattr(state, "queue"):
            # Only now that the messages are committed may a worker look for them.
            await state.queue.kick_delivery()
        if hasattr(state, "jobs") and (job_ids := state.jobs.committed(session)):
            # What the request asked for after its commit (its papers, a rating link) runs once the answer is
            # sent (``run_jobs_after_response``): the act stands whatever happens to them, and its answer does
            # not wait for a paper to render. A job that fails is kept, retried, and shown.
            request.state[_JOBS_KEY] = job_ids
    except BaseException:
        session.info.pop("jobs_after_commit", None)
        await session.rollback()
        await undo_side_effects(session)
        raise
    finally:
        await session.close()


async def run_jobs_after_response(request: Request[Any, Any, Any]) -> None:
    """The app's ``after_response`` hook: the jobs the request's transaction asked for, its answer now sent.
    Never raises (``JobRunner.run_many``); a job nobody ran stays pending for the scheduler's ``run_due``."""
    if job_ids := request.state.get(_JOBS_KEY):
        await request.app.state.jobs.run_many(job_ids)

"""Running jobs: each in its own transactions, its failures kept on its row and retried with back-off.

The handlers come from the composition of the app (``agency/job_handlers.py``), by kind: a domain
asks for work by name and never imports the domain that does it. A handler is given the job's
payload and a ``JobContext`` (sessions, storage, settings, and a way to report progress); it opens
and commits its own sessions, so a long job (the clocks of a calendar change) commits batch by batch.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agency import timeutil
from agency.jobs.models import Job
from agency.jobs.service import backoff, committed, report_progress

log = logging.getLogger("agency.jobs")
MAX_ATTEMPTS = 8
# A job still "running" this long after it started was left by a process that stopped.
LEASE = timedelta(minutes=30)


@dataclass(slots=True)
class JobContext:
    sessions: async_sessionmaker[AsyncSession]
    job_id: int
    # What the handlers of this app need (the blob store, the settings, the renderer): by name.
    services: Mapping[str, Any] = field(default_factory=dict)
    # Jobs asked for by the transactions of this job: run when it has finished.
    follow_ups: list[int] = field(default_factory=list)

    async def progress(self, done: int, total: int | None) -> None:
        async with self.sessions() as session:
            await report_progress(session, self.job_id, done, total)
            await session.commit()


Handler = Callable[[JobContext, dict[str, Any]], Awaitable[dict[str, Any] | None]]
# Gives job ids to another process; returns those it could not give. Never raises.
HandOver = Callable[[list[int]], Awaitable[list[int]]]


class UnknownJob(LookupError):
    pass


class JobRunner:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], handlers: Mapping[str, Handler],
                 services: Mapping[str, Any] | None = None, *, background: Iterable[str] = (),
                 hand_over: HandOver | None = None) -> None:
        self.sessions = sessions
        self.handlers = handlers
        self.services = dict(services or {})
        # Where the jobs go when another process runs them (the arq workers): what it could not take runs here.
        self.hand_over = hand_over
        # Kinds too long to run before a response is sent (a calendar change's clocks): a task of their own.
        self.background = frozenset(background)
        self._tasks: set[asyncio.Task[bool]] = set()

    async def after_commit(self, session: AsyncSession) -> None:
        """Runs what ``session`` asked for, now that it has committed."""
        await self.run_many(committed(session))

    @staticmethod
    def committed(session: AsyncSession) -> list[int]:
        """What ``session`` asked for (call after its commit), to run later with ``run_many``."""
        return committed(session)

    async def run_many(self, job_ids: Iterable[int]) -> None:
        """Runs them (the long kinds in tasks of their own), or hands them to the workers. Never raises: whatever
        asked for them has committed, and a job that could not even start stays pending for ``run_due``."""
        job_ids = list(job_ids)
        if self.hand_over is not None and job_ids:
            job_ids = await self.hand_over(job_ids)
        for job_id in job_ids:
            try:
                kind = await self._kind(job_id)
                if kind in self.background:
                    task = asyncio.create_task(self.run(job_id), name=f"agency-job-{job_id}")
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                else:
                    await self.run(job_id)
            except Exception:
                log.exception("job %s could not be run now; the scheduler tries again", job_id)

    async def _kind(self, job_id: int) -> str | None:
        async with self.sessions() as session:
            return (await session.execute(select(Job.kind).where(Job.id == job_id))).scalar_one_or_none()

    async def run(self, job_id: int) -> bool:
        """Runs the job if it is still pending (another runner may have taken it): True if it succeeded."""
        async with self.sessions() as session:
            claimed = (await session.execute(
                update(Job).where(Job.id == job_id, Job.status == "pending")
                .values(status="running", attempts=Job.attempts + 1, started_at=timeutil.now())
                .returning(Job.kind, Job.payload, Job.attempts))).one_or_none()
            await session.commit()
        if claimed is None:
            return False
        kind, payload, attempts = claimed
        try:
            handler = self.handlers.get(kind)
            if handler is None:
                raise UnknownJob(f"no handler for jobs of kind {kind!r}")
            context = JobContext(self.sessions, job_id, self.services)
            result = await handler(context, payload)
        except Exception as error:
            log.exception("job %s (%s) failed, attempt %s", job_id, kind, attempts)
            await self._failed(job_id, attempts, error)
            return False
        async with self.sessions() as session:
            await session.execute(update(Job).where(Job.id == job_id).values(
                status="done", finished_at=timeutil.now(), result=result, error=None))
            await session.commit()
        await self.run_many(context.follow_ups)
        return True

    async def _failed(self, job_id: int, attempts: int, error: Exception) -> None:
        text = "".join(traceback.format_exception_only(error)).strip()[:2000]
        final = attempts >= MAX_ATTEMPTS
        async with self.sessions() as session:
            await session.execute(update(Job).where(Job.id == job_id).values(
                status="failed" if final else "pending", error=text, finished_at=timeutil.now() if final else None,
                run_after=timeutil.now() + backoff(attempts)))
            await session.commit()

    async def run_due(self, limit: int = 50) -> int:
        """Jobs whose time has come (retries, and those no runner took): how many ran. A job left running by a
        process that stopped is taken again once its lease has passed."""
        async with self.sessions() as session:
            await session.execute(update(Job).where(Job.status == "running", Job.started_at < timeutil.now() - LEASE)
                                  .values(status="pending"))
            await session.commit()
            due = list((await session.execute(
                select(Job.id).where(Job.status == "pending", Job.run_after <= timeutil.now())
                .order_by(Job.id).limit(limit))).scalars())
        await self.run_many(due)
        return len(due)

    async def drain(self) -> None:
        """Waits for the background jobs this runner started (tests, and a clean shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

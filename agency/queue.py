"""The job queue, behind one small module so arq could be swapped: with Redis, jobs go to arq
workers; without it (the embedded default) the same jobs run on a timer inside the API process.

Jobs take ids or nothing, are idempotent, and are only ever kicked after the transaction that
caused them has committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Protocol

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import storage
from agency.documents.service import render_here
from agency.job_handlers import job_runner
from agency.jobs.runner import JobRunner
from agency.notifications.channels import channels_from_settings
from agency.notifications.delivery import deliver_due
from agency.settings import Settings
from agency.supervision import service as supervision
from agency.timeutil import today_local

log = logging.getLogger("agency.queue")
DELIVERY_JOB = "deliver_outbox"
SWEEP_JOB = "sweep_escalations"
RENDER_JOB = "render_paper"
JOBS_JOB = "run_due_jobs"
RUN_JOB = "run_job"
HEALTH_KEY = "arq:queue:health-check"  # written by live arq workers on the default queue
RENDER_TIMEOUT = 120


class Queue(Protocol):
    async def kick_delivery(self) -> None: ...

    async def close(self) -> None: ...


async def run_sweep(sessions: async_sessionmaker[AsyncSession], store: storage.BlobStore, settings: Settings,
                    as_of: date | None = None, jobs: JobRunner | None = None) -> dict[str, Any]:
    async with sessions() as session:
        result = await supervision.run(session, as_of or today_local(), settings)
        await session.commit()
        # Its supervision notices, now that the red cards are committed.
        await (jobs or job_runner(sessions, store, settings)).after_commit(session)
    log.info("sweep: checked %s, fired %s", result.checked, result.fired)
    return {"checked": result.checked, "fired": result.fired}


async def render_paper(code: str, template: bytes, context_json: bytes, output: str) -> bytes:
    """The worker's side of ``ArqQueue.render``: data in (no pickled objects), bytes out."""
    import documents as paper

    context = msgspec.json.decode(context_json, type=paper.get_spec(code).context_type)
    return await render_here(template, context, output)


async def run_delivery(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> dict[str, int]:
    report = await deliver_due(sessions, channels_from_settings(settings), max_attempts=settings.outbox_max_attempts)
    return {"sent": report.sent, "retried": report.retried, "dead": report.dead}


class ArqQueue:
    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._pool: Any = None
        self._kicked_slot = -1

    async def _connected(self) -> Any:
        from arq import create_pool
        from arq.connections import RedisSettings

        if self._pool is None:
            self._pool = await create_pool(RedisSettings.from_dsn(self._redis_url), retry=0)
        return self._pool

    async def kick_delivery(self) -> None:
        # One job id per 10 s: a burst of changes kicks one delivery, not hundreds. arq refuses the same id
        # again; remembering the slot here spares each request of a burst arq's four round trips to say so.
        slot = int(time.time() // 10)
        if slot == self._kicked_slot:
            return
        try:
            pool = await self._connected()
            await pool.enqueue_job(DELIVERY_JOB, _job_id=f"{DELIVERY_JOB}:{slot}")
            self._kicked_slot = slot
        except Exception as error:  # Redis down: the cron delivery catches up when it is back
            log.warning("could not enqueue delivery (the next scheduled run will send): %r", error)
            self._pool = None

    async def hand_over(self, job_ids: list[int]) -> list[int]:
        """Gives jobs (an action's papers) to the workers when one is alive, so that this process does not render
        them; returns those it could not give, to run here. Running a job twice is harmless: a runner claims it
        only while it is pending (``JobRunner.run``)."""
        try:
            pool = await self._connected()
            if not await pool.exists(HEALTH_KEY):
                return job_ids
            for index, job_id in enumerate(job_ids):
                # No arq job id of our own: arq keeps one taken for an hour, and job ids restart with a new database.
                if await pool.enqueue_job(RUN_JOB, job_id) is None:
                    return job_ids[index:]
        except Exception as error:
            log.warning("queue unavailable, running the jobs here: %r", error)
            self._pool = None
            return job_ids
        return []

    async def render(self, code: str, template: bytes, context: msgspec.Struct, output: str) -> bytes:
        """Rendering (and PDF) in a worker when one is alive; here, in a thread, when none is."""
        try:
            pool = await self._connected()
            alive = await pool.exists(HEALTH_KEY)
        except Exception as error:
            log.warning("queue unavailable, rendering here: %r", error)
            self._pool, alive = None, False
        if not alive:
            return await render_here(template, context, output)
        job = await pool.enqueue_job(RENDER_JOB, code, template, msgspec.json.encode(context), output)
        try:
            result: bytes = await job.result(timeout=RENDER_TIMEOUT)
        except TimeoutError:
            log.warning("render job %s timed out; rendering here", job.job_id)
            return await render_here(template, context, output)
        return result

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


class InProcessQueue:
    """The embedded default: sweep every interval and deliver when kicked (or every 30 s)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], store: storage.BlobStore,
                 settings: Settings) -> None:
        self._sessions, self._store, self._settings = sessions, store, settings
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._jobs: JobRunner | None = None

    def attach_jobs(self, jobs: JobRunner) -> None:
        """The app's job runner: the scheduler retries its failed jobs and takes those nobody ran."""
        self._jobs = jobs

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="agency-scheduler")

    async def kick_delivery(self) -> None:
        self._wake.set()

    async def _guarded(self, what: str, job: Callable[[], Awaitable[object]]) -> None:
        try:
            await job()
        except Exception:  # a failing run must not stop the scheduler; the next tick tries again
            log.exception("in-process %s failed", what)

    async def _loop(self) -> None:
        next_sweep = 0.0
        while True:
            if time.monotonic() >= next_sweep:
                await self._guarded("sweep", lambda: run_sweep(self._sessions, self._store, self._settings,
                                                               jobs=self._jobs))
                next_sweep = time.monotonic() + self._settings.sweep_interval_seconds
            await self._guarded("delivery", lambda: run_delivery(self._sessions, self._settings))
            if self._jobs is not None:
                await self._guarded("jobs", self._jobs.run_due)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 30)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class NoQueue:
    async def kick_delivery(self) -> None:
        return None

    async def close(self) -> None:
        return None

"""The arq worker: the escalation sweep as a cron job (unique across workers) and outbox delivery.

Run with `agency worker`. Job arguments are never objects (arq pickles them): the jobs read what
they need from the database.

arq stops its worker when Redis goes away; ``run_worker`` starts it again once Redis answers, so a
Redis restart needs no operator. Each (re)start delivers the outbox at once: messages written while
Redis was down do not wait for the next cron minute.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from agency.settings import Settings

log = logging.getLogger("agency.worker")
RECONNECT_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


def worker_settings(settings: Settings) -> type:
    from arq import cron, func
    from arq.connections import RedisSettings

    import storage
    from agency.audit import sealer as audit_sealer
    from agency.db.engine import create_engine, create_sessionmaker
    from agency.job_handlers import job_runner
    from agency.queue import (
        DELIVERY_JOB,
        JOBS_JOB,
        RENDER_JOB,
        RUN_JOB,
        SWEEP_JOB,
        render_paper,
        run_delivery,
        run_sweep,
    )

    async def startup(ctx: dict[str, Any]) -> None:
        # Created in the worker process, after any fork: database pool and storage client.
        ctx["engine"] = create_engine(settings.database_url)
        ctx["sessions"] = create_sessionmaker(ctx["engine"])
        ctx["store"] = storage.open_store(settings.storage_url, public_endpoint=settings.storage_public_endpoint)
        ctx["jobs"] = job_runner(ctx["sessions"], ctx["store"], settings)
        audit_sealer.start(ctx["engine"], ctx["sessions"])

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["jobs"].drain()
        await audit_sealer.stop(ctx["engine"])
        await ctx["store"].aclose()
        await ctx["engine"].dispose()

    async def sweep_escalations(ctx: dict[str, Any], as_of: str | None = None) -> dict[str, Any]:
        from datetime import date

        result = await run_sweep(ctx["sessions"], ctx["store"], settings, date.fromisoformat(as_of) if as_of else None,
                                 jobs=ctx["jobs"])
        await ctx["redis"].enqueue_job(DELIVERY_JOB)
        return result

    async def deliver_outbox(ctx: dict[str, Any]) -> dict[str, int]:
        return await run_delivery(ctx["sessions"], settings)

    async def run_due_jobs(ctx: dict[str, Any]) -> int:
        # Retries of failed jobs, and those a stopped process left behind (agency/jobs/runner.py).
        ran: int = await ctx["jobs"].run_due()
        return ran

    async def seal_audit(ctx: dict[str, Any]) -> int:
        # Lines a process committed and stopped before sealing (agency/audit/sealer.py): a minute at most.
        return await audit_sealer.seal_all(ctx["sessions"])

    async def run_job(ctx: dict[str, Any], job_id: int) -> bool:
        # A job the API handed over after its request's commit (agency.queue.ArqQueue.hand_over).
        ran: bool = await ctx["jobs"].run(job_id)
        return ran

    async def render_job(ctx: dict[str, Any], code: str, template: bytes, context_json: bytes, output: str) -> bytes:
        return await render_paper(code, template, context_json, output)

    render_job.__qualname__ = RENDER_JOB
    sweep_escalations.__qualname__ = SWEEP_JOB
    deliver_outbox.__qualname__ = DELIVERY_JOB
    run_due_jobs.__qualname__ = JOBS_JOB
    run_job.__qualname__ = RUN_JOB
    every = max(1, settings.sweep_interval_seconds // 60)

    class WorkerSettings:
        # A handed-over job may be a calendar change's clocks on a large book: the hour run_due_jobs has too.
        functions = [sweep_escalations, deliver_outbox, render_job, run_due_jobs, func(run_job, timeout=3600)]
        cron_jobs = [
            cron(sweep_escalations, name=SWEEP_JOB, minute=set(range(0, 60, every)), unique=True, timeout=600),
            cron(deliver_outbox, name=f"{DELIVERY_JOB}_cron", unique=True, timeout=300, run_at_startup=True),
            cron(run_due_jobs, name=JOBS_JOB, unique=True, timeout=3600, run_at_startup=True),
            cron(seal_audit, name="seal_audit", unique=True, timeout=300, run_at_startup=True),
        ]
        on_startup = startup
        on_shutdown = shutdown
        redis_settings = RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379/0")
        max_jobs = 4
        health_check_interval = 30
        job_timeout = 600

    return WorkerSettings


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """Runs until stopped by a signal (or, with ``burst``, until the queue is empty)."""
    from arq.worker import create_worker
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    failures = 0
    while True:
        worker = create_worker(worker_settings(settings), burst=burst)
        try:
            worker.run()
            return
        except (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError) as error:
            if burst:
                raise
            _release(worker)
            delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
            failures = 0 if worker.jobs_complete or worker.jobs_failed else failures + 1
            log.error("lost Redis (%r); the worker starts again in %.0f s", error, delay)
            time.sleep(delay)


def _release(worker: Any) -> None:
    """What arq's own shutdown skipped because Redis was gone: the database pool and storage client."""
    if "engine" not in worker.ctx or worker.on_shutdown is None:
        return
    try:
        worker.loop.run_until_complete(worker.on_shutdown(worker.ctx))
    except Exception:  # a pool that cannot close cleanly must not stop the worker from starting again
        log.exception("could not release the worker's resources")

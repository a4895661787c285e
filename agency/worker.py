"""The arq worker: the escalation sweep as a cron job (unique across workers) and outbox delivery.

Run with `agency worker`. Job arguments are never objects (arq pickles them): the jobs read what
they need from the database.
"""

from __future__ import annotations

from typing import Any

from agency.settings import Settings


def worker_settings(settings: Settings) -> type:
    from arq import cron
    from arq.connections import RedisSettings

    import storage
    from agency.db.engine import create_engine, create_sessionmaker
    from agency.queue import DELIVERY_JOB, RENDER_JOB, SWEEP_JOB, render_paper, run_delivery, run_sweep

    async def startup(ctx: dict[str, Any]) -> None:
        # Created in the worker process, after any fork: database pool and storage client.
        ctx["engine"] = create_engine(settings.database_url)
        ctx["sessions"] = create_sessionmaker(ctx["engine"])
        ctx["store"] = storage.open_store(settings.storage_url, public_endpoint=settings.storage_public_endpoint)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["store"].aclose()
        await ctx["engine"].dispose()

    async def sweep_escalations(ctx: dict[str, Any], as_of: str | None = None) -> dict[str, Any]:
        from datetime import date

        result = await run_sweep(ctx["sessions"], ctx["store"], settings, date.fromisoformat(as_of) if as_of else None)
        await ctx["redis"].enqueue_job(DELIVERY_JOB)
        return result

    async def deliver_outbox(ctx: dict[str, Any]) -> dict[str, int]:
        return await run_delivery(ctx["sessions"], settings)

    async def render_job(ctx: dict[str, Any], code: str, template: bytes, context_json: bytes, output: str) -> bytes:
        return await render_paper(code, template, context_json, output)

    render_job.__qualname__ = RENDER_JOB
    sweep_escalations.__qualname__ = SWEEP_JOB
    deliver_outbox.__qualname__ = DELIVERY_JOB
    every = max(1, settings.sweep_interval_seconds // 60)

    class WorkerSettings:
        functions = [sweep_escalations, deliver_outbox, render_job]
        cron_jobs = [
            cron(sweep_escalations, name=SWEEP_JOB, minute=set(range(0, 60, every)), unique=True, timeout=600),
            cron(deliver_outbox, name=f"{DELIVERY_JOB}_cron", unique=True, timeout=300),
        ]
        on_startup = startup
        on_shutdown = shutdown
        redis_settings = RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379/0")
        max_jobs = 4
        health_check_interval = 30
        job_timeout = 600

    return WorkerSettings


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    from arq import run_worker as arq_run_worker

    arq_run_worker(worker_settings(settings), burst=burst)

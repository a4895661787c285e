"""The arq worker. Until the escalation issue lands it only answers a health job.

arq stays behind this module so the queue can be swapped without touching the domains.
"""

from __future__ import annotations

from typing import Any

from agency.settings import Settings


async def ping(ctx: dict[str, Any]) -> str:
    return "pong"


def worker_settings(settings: Settings) -> type:
    from arq.connections import RedisSettings

    class WorkerSettings:
        functions = [ping]
        redis_settings = RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379/0")

    return WorkerSettings


def run_worker(settings: Settings) -> None:
    from arq import run_worker as arq_run_worker

    arq_run_worker(worker_settings(settings))

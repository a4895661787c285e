"""``GET /health``: is the service usable, and which of its servers is not."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from litestar import get
from litestar.datastructures import State
from sqlalchemy import text

from agency.schemas import ResponseBody

log = logging.getLogger("agency.health")
CHECK_TIMEOUT = 3.0

Component = Literal["ok", "unavailable", "in-process"]


class Health(ResponseBody):
    status: Literal["ok", "degraded"]
    database: Component
    storage: Component
    queue: Component


async def _probe(name: str, check: object) -> Component:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT)  # type: ignore[arg-type]
    except Exception as error:
        log.warning("health: %s unavailable: %r", name, error)
        return "unavailable"
    return "ok"


async def _database(state: State) -> None:
    async with state.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


@get("/health", tags=["运维 ops"], exclude_from_auth=True, security=[], cache=False)
async def health(state: State) -> Health:
    """Liveness and readiness in one: 200 always, ``degraded`` when a server is unreachable."""
    database = await _probe("database", _database(state))
    storage = await _probe("storage", state.storage_check())
    queue: Component = "in-process"
    if state.settings.redis_url:
        queue = await _probe("queue", state.queue_check())
    status: Literal["ok", "degraded"] = "ok" if "unavailable" not in (database, storage, queue) else "degraded"
    return Health(status=status, database=database, storage=storage, queue=queue)

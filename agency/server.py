"""The production ASGI server.

granian was measured against uvicorn[standard] on this 2-core machine (see docs/PERFORMANCE.md and
tests/benchmarks/bench_servers.py) and serves the same app with more requests per second.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Litestar


# The cyclic collector's pauses were the slowest percent of cached reads (p99 125 ms → 44 ms with
# the collector off, 2026-11-25, docs/PERFORMANCE.md): each worker freezes what startup and its
# first minute built (framework, compiled statements, calendar index) out of the collector's reach,
# and collects the young generation less often. Reference cycles are still collected.
GC_THRESHOLDS = (50_000, 20, 100)
SETTLED_AFTER_SECONDS = 60.0


def production_app() -> Litestar:
    """The app as each server worker runs it (see GC_THRESHOLDS)."""
    from agency.app import create_app

    app = create_app()
    app.on_startup.append(_freeze_long_lived_objects)
    return app


def _freeze_long_lived_objects() -> None:
    import asyncio

    _freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    asyncio.get_running_loop().call_later(SETTLED_AFTER_SECONDS, _freeze)


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def run_server(*, host: str, port: int, workers: int = 1, log_level: str = "INFO") -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    Granian(
        target="agency.server:production_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        log_level=LogLevels(log_level.lower()),
        # Large scans stream through; keep-alive for the clerk's browser.
        http1_settings=None,
    ).serve()

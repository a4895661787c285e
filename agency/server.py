"""The production ASGI server.

granian was measured against uvicorn[standard] on this 2-core machine (see docs/PERFORMANCE.md and
tests/benchmarks/bench_servers.py) and serves the same app with more requests per second.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Litestar


def production_app() -> Litestar:
    """The app as each server worker runs it: what startup built is frozen out of the collector's
    reach, so a full collection walks the requests' objects, not the whole framework (its pauses
    were the slowest percent of cached reads)."""
    from agency.app import create_app

    app = create_app()
    app.on_startup.append(_freeze_startup_objects)
    return app


def _freeze_startup_objects() -> None:
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

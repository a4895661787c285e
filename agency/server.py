"""The production ASGI server.

granian was measured against uvicorn[standard] on this 2-core machine (see docs/PERFORMANCE.md and
tests/benchmarks/bench_servers.py) and serves the same app with more requests per second.
"""

from __future__ import annotations


def run_server(*, host: str, port: int, workers: int = 1, log_level: str = "INFO") -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    Granian(
        target="agency.app:create_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        log_level=LogLevels(log_level.lower()),
        # Large scans stream through; keep-alive for the clerk's browser.
        http1_settings=None,
    ).serve()

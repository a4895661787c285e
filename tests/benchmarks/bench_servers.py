"""granian vs uvicorn[standard], one worker each, on the bare route and on Agency's /health.

Run: python tests/benchmarks/bench_servers.py   (needs `wrk`: apt-get install wrk)
Prints requests/s and latency percentiles for each server and path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.loadgen import free_port, wait_up  # noqa: E402

DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "50")


def server_command(server: str, target: str, factory: bool, port: int) -> list[str]:
    python = sys.executable
    if server == "granian":
        cmd = [python, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--log-level", "warning"]
        return [*cmd, "--factory", target] if factory else [*cmd, target]
    cmd = [python, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
           "--log-level", "warning", "--no-access-log", "--loop", "uvloop", "--http", "httptools"]
    return [*cmd, "--factory", target] if factory else [*cmd, target]


def wrk(url: str) -> str:
    result = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
                            capture_output=True, text=True, check=True)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    p50 = re.search(r"^\s+50%\s+(\S+)", result.stdout, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", result.stdout, re.M)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    return (f"{float(rps.group(1)) if rps else 0:>9.0f} req/s  p50 {p50.group(1) if p50 else '?':>8}  "
            f"p99 {p99.group(1) if p99 else '?':>8}  non-2xx {errors.group(1) if errors else 0}")


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    data = Path(tempfile.mkdtemp(prefix="agency-bench-"))
    env = {**os.environ, "AGENCY_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "agency.cli", "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    print(f"wrk -c{CONNECTIONS} -d{DURATION}, one server worker, {os.cpu_count()} cores")
    for server in ("granian", "uvicorn"):
        for label, target, factory, path in (
            ("bare route", "tests.benchmarks.bare_app:app", False, "/bare"),
            ("agency /health", "agency.app:create_app", True, "/health"),
        ):
            port = free_port()
            process = subprocess.Popen(server_command(server, target, factory, port), env=env, cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                url = f"http://127.0.0.1:{port}{path}"
                wait_up(url)
                print(f"{server:8} {label:15} {wrk(url)}")
            finally:
                process.terminate()
                process.wait(10)
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

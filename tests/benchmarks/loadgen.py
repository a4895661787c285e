"""Load generation for the HTTP benchmarks: wrk (in its own process) with a Lua script per scenario.

wrk's own summary has no 95th percentile, so every script ends with a `done` hook that prints one
machine-readable line with requests/s, p50/p95/p99 and the errors (non-2xx answers and socket errors).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPORT_LUA = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %f %f %f %f %d %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.status, errors))
end
"""


@dataclass(slots=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors

    def line(self) -> str:
        return (f"{self.rps:8.0f} req/s  p50 {self.p50_ms:7.1f} ms  p95 {self.p95_ms:7.1f} ms  "
                f"p99 {self.p99_ms:7.1f} ms  errors {self.errors}")


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for our ASCII/UTF-8 values


def wrk(url: str, *, connections: int, duration: str, script: str = "", threads: int = 2,
        timeout: str = "10s") -> LoadResult:
    """Runs wrk against `url` with `script` (Lua, setting up requests) plus the report hook."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script + REPORT_LUA)
    try:
        result = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", f"--timeout={timeout}",
                                 "-s", file.name, url], capture_output=True, text=True, check=True)
    finally:
        Path(file.name).unlink()
    match = re.search(r"^RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)$", result.stdout, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
    g = match.groups()
    return LoadResult(int(g[0]), float(g[1]), float(g[2]), float(g[3]), float(g[4]), int(g[5]), int(g[6]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes] | None = None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")

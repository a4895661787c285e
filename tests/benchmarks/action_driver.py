"""The approval-action load: each client owns one accepted approval and loops suspend → resume.

Run by bench_http.py in its own process: python tests/benchmarks/action_driver.py BASE TOKEN IDS SECONDS
Prints one JSON line with the LoadResult fields. Every request carries the version the previous
answer gave, as a real officer's page does; a 409 (someone else moved it) counts as an error.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agency.approvals.models import Approval, ClockEventRow
from agency.catalog.models import Department
from agency.db.engine import create_engine, create_sessionmaker


async def pick_approvals(url: str, status: str, count: int) -> tuple[str, list[int]]:
    """The online department with the most approvals in `status`, and `count` of those approvals."""
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        department = (await session.execute(
            select(Approval.department_code).join(Department, Department.code == Approval.department_code)
            .where(Approval.status == status, Department.mode == "online")
            .group_by(Approval.department_code).order_by(func.count().desc()).limit(1))).scalar_one()
        # Those with the fewest clock events: each run adds a pause and a resume per round to the approvals it
        # acts on, so the same approvals run after run would carry hundreds of events and slow every later run.
        events = (select(func.count()).select_from(ClockEventRow).where(ClockEventRow.approval_id == Approval.id)
                  .scalar_subquery())
        ids = list((await session.execute(select(Approval.id).where(
            Approval.status == status, Approval.department_code == department).order_by(events, Approval.id)
            .limit(count))).scalars())
    await engine.dispose()
    return department, ids


async def current(http: httpx.AsyncClient, approval_id: int, errors: list[int]) -> dict[str, Any]:
    while True:
        response = await http.get(f"/api/approvals/{approval_id}")
        if response.status_code == 200:
            return dict(response.json())
        errors.append(response.status_code)
        await asyncio.sleep(0.1)


async def client(http: httpx.AsyncClient, approval_id: int, deadline: float, latencies: list[float],
                 errors: list[int], timeouts: list[int], starts: list[float]) -> None:
    approval = await current(http, approval_id, errors)
    version = approval["version"]
    step = ("resume", "suspend") if approval["status"] == "suspended" else ("suspend", "resume")
    n = 0
    while time.monotonic() < deadline:
        action = step[n % 2]
        started = time.perf_counter()
        starts.append(time.monotonic())
        try:
            response = await http.post(f"/api/approvals/{approval_id}/actions",
                                   json={"action": action, "version": version, "days": 5,
                                         "reason": "基准测试：等待企业补充说明"})
        except httpx.TimeoutException:  # no answer within the client's 60 s: a failed request
            latencies.append(time.perf_counter() - started)
            timeouts.append(approval_id)
            version = (await current(http, approval_id, errors))["version"]
            continue
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            errors.append(response.status_code)
            version = (await current(http, approval_id, errors))["version"]
            continue
        version = response.json()["version"]
        n += 1


async def main(base: str, token: str, ids: list[int], seconds: float) -> None:
    latencies: list[float] = []
    starts: list[float] = []  # when each request of ``latencies`` began (monotonic), same order
    errors: list[int] = []
    timeouts: list[int] = []
    limits = httpx.Limits(max_connections=len(ids), max_keepalive_connections=len(ids))
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=60) as http:
        started = time.monotonic()
        await asyncio.gather(*(client(http, i, started + seconds, latencies, errors, timeouts, starts) for i in ids))
        elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

    print(f"slowest 1 %: {slow_seconds(latencies, starts, started)}", file=sys.stderr)
    if errors:  # which answers, for whoever reads the figures
        print(f"non-2xx answers: {dict(Counter(errors))}", file=sys.stderr)
    print(json.dumps({"requests": len(latencies), "seconds": elapsed, "p50_ms": pct(0.5), "p95_ms": pct(0.95),
                      "p99_ms": pct(0.99), "non_2xx": len(errors), "socket_errors": len(timeouts)}))


def slow_seconds(latencies: list[float], starts: list[float], started: float) -> str:
    """When the slowest 1 % of the requests began, by second of the run: a tail that comes in one or two
    seconds is a stall of everything (a checkpoint, a collection, a lock); one spread over the run is not."""
    count = max(1, len(latencies) // 100)
    slowest = sorted(zip(latencies, starts, strict=True), reverse=True)[:count]
    by_second = Counter(int(start - started) for _, start in slowest)
    return ", ".join(f"second {second} ×{n}" for second, n in sorted(by_second.items())) + (
        f" (≥ {slowest[-1][0] * 1000:,.0f} ms)" if slowest else "")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], [int(i) for i in sys.argv[3].split(",")], float(sys.argv[4])))

"""Time to open (plan) a dossier on the 14-item new-industrial route, and to read it back with its forecast.

Run: python tests/benchmarks/bench_plan_project.py [N]   (PostgreSQL; creates and drops its own database)
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.agency.approvals.flow import open_dossier
from tests.support import FreshApi


async def main(count: int) -> None:
    async with FreshApi("postgresql", Path("/tmp/agency-bench-plan")) as api:
        d = await open_dossier(api)  # warms the catalog, calendar and enterprise
        body = {"enterprise_id": d.enterprise_id, "name": "基准项目", "route_code": "new_industrial",
                "investment_wan": 1000, "location": "示范县开发区"}
        create, read = [], []
        for _ in range(count):
            started = time.perf_counter()
            response = await api.client.post("/api/projects", headers=d.clerk, json=body)
            create.append(time.perf_counter() - started)
            assert response.status_code == 201 and len(response.json()["approvals"]) == 14
            started = time.perf_counter()
            detail = await api.client.get(f"/api/projects/{response.json()['id']}", headers=d.clerk)
            read.append(time.perf_counter() - started)
            assert detail.json()["forecast"]["completion_date"]
        print(f"plan a 14-item dossier over HTTP (in-process client, PostgreSQL): median "
              f"{statistics.median(create) * 1000:.1f} ms, p90 {sorted(create)[int(count * 0.9)] * 1000:.1f} ms "
              f"over {count}")
        print(f"read it back with clocks, forecast and critical path: median {statistics.median(read) * 1000:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))

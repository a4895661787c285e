"""The escalation sweep over 1,000,000 approvals (200,000 of them open) in PostgreSQL.

Run: python tests/benchmarks/bench_sweep.py [TOTAL] [OPEN]   (creates and drops its own database)
Prints the time and peak memory growth of: a steady-state sweep (nothing new to fire) and a sweep
that finds the day's new firings; the first sweep over the whole backlog is reported separately.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agency.db import migrate
from agency.db.engine import create_engine, create_sessionmaker
from agency.escalation import service as escalation
from agency.escalation.models import Escalation
from tests.conftest import drop_database, make_settings, new_database, seed_reference_data

TODAY = date(2026, 11, 25)

SEED = """
INSERT INTO enterprises (credit_code, name, legal_representative, contact_name, contact_phone, address, park,
                         key_enterprise, version)
VALUES ('91330521MA2B3C4D1C', '基准测试企业', '甲', '乙', '13800000000', '地址', '园区', true, 1);
INSERT INTO users (username, display_name, role, password_hash, must_change_password, failed_logins, is_active,
                   version)
VALUES ('bench-clerk', '基准代办员', 'clerk', 'x', false, 0, true, 1);
INSERT INTO projects (code, enterprise_id, name, route_id, route_code, catalog_version, investment_wan, location,
                      description, clerk_id, status, green_channel_status, facts, version)
SELECT 'DB-BENCH-' || g, 1, '基准项目' || g, (SELECT min(id) FROM routes), 'new_industrial', '2026.1', 100, '地点',
       '', 1, 'in_progress', CASE WHEN g % 50 = 0 THEN 'approved' ELSE 'none' END, '{}', 1
FROM generate_series(1, :projects) AS g;
INSERT INTO approvals (project_id, catalog_item_id, item_code, name, department_code, stage, status, required,
                       snapshot, waits_for_milestones, version, submitted_on, status_since)
SELECT 1 + (g % :projects), i.id, i.code, i.name, i.department_code, i.stage,
       CASE WHEN g <= :open THEN 'accepted' WHEN g % 3 = 0 THEN 'planned' ELSE 'approved' END, true,
       jsonb_build_object('promised_limit', jsonb_build_object('count', 5 + g % 10, 'unit', 'workday')),
       '[]', 2, DATE '2026-09-01', DATE '2026-09-02'
FROM generate_series(1, :total) AS g
JOIN (SELECT id, code, name, department_code, stage, row_number() OVER (ORDER BY id) - 1 AS n
      FROM catalog_items) AS i ON i.n = g % 16;
INSERT INTO clock_events (approval_id, kind, "on", days, reason, action, recorded_at)
SELECT id, 'started', DATE '2026-11-24' - (id % 30)::int, 0, '', 'accept', now() FROM approvals
WHERE status = 'accepted';
INSERT INTO clock_events (approval_id, kind, "on", days, reason, action, recorded_at)
SELECT id, 'extended', DATE '2026-11-24' - (id % 30)::int + 1, 3, '', 'extend', now()
FROM approvals WHERE status = 'accepted' AND id % 7 = 0 AND id % 30 > 1;
ANALYZE;
"""


class PeakRss:
    """Samples this process's resident memory in a thread; the growth over the start is the figure."""

    def __init__(self) -> None:
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / 1024 / 1024


async def timed_sweep(sessions, settings, as_of: date, label: str) -> None:  # type: ignore[no-untyped-def]
    with PeakRss() as rss:
        started = time.perf_counter()
        async with sessions() as session:
            result = await escalation.run(session, as_of, settings)
            await session.commit()
        elapsed = time.perf_counter() - started
    print(f"{label:38} {elapsed:7.2f} s  peak RSS +{rss.growth_mb:6.1f} MB  checked {result.checked} "
          f"fired {result.fired}")


async def main(total: int, open_count: int) -> None:
    url = await asyncio.to_thread(new_database, "postgresql", Path("/tmp"))
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        await seed_reference_data(url)
        settings = make_settings(url, Path("/tmp/agency-bench-sweep"))
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        started = time.perf_counter()
        async with sessions() as session:
            for statement in SEED.split(";\n"):
                if statement.strip():
                    await session.execute(text(statement), {"projects": max(1, total // 16), "open": open_count,
                                                            "total": total})
            await session.commit()
        print(f"seeded {total} approvals ({open_count} open) in {time.perf_counter() - started:.0f} s")
        await timed_sweep(sessions, settings, TODAY, "first sweep over the whole backlog")
        await timed_sweep(sessions, settings, TODAY, "steady state (nothing new)")
        await timed_sweep(sessions, settings, date(2026, 11, 26), "next day (the day's new firings)")
        async with sessions() as session:
            count = (await session.execute(select(func.count()).select_from(Escalation))).scalar_one()
        print(f"{count} escalation rows in total")
        await engine.dispose()
    finally:
        await asyncio.to_thread(drop_database, url)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(args[0] if args else 1_000_000, args[1] if len(args) > 1 else 200_000))

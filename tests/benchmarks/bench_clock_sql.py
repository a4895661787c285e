"""Clock of 100,000 open approvals: the pure function (events loaded from the database) vs one SQL query.

Run: python tests/benchmarks/bench_clock_sql.py [N]   (PostgreSQL at AGENCY_TEST_POSTGRES_URL or
postgresql://postgres@127.0.0.1:5432/postgres; it creates and drops its own database).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agency.approvals.clock_sql import running_clocks
from agency.approvals.clocks import clock_of, events_of
from agency.calendar.service import get_calendar
from agency.db import migrate
from agency.db.engine import create_engine, create_sessionmaker
from agency.projects.models import Approval
from tests.conftest import drop_database, new_database, seed_reference_data

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
SELECT 1 + (g % :projects), i.id, i.code, i.name, i.department_code, i.stage, 'accepted', true,
       jsonb_build_object('promised_limit', jsonb_build_object('count', 5 + g % 10, 'unit', 'workday')),
       '[]', 2, DATE '2026-09-01', DATE '2026-09-02'
FROM generate_series(1, :approvals) AS g
JOIN (SELECT id, code, name, department_code, stage, row_number() OVER (ORDER BY id) - 1 AS n
      FROM catalog_items) AS i ON i.n = g % 16;
INSERT INTO clock_events (approval_id, kind, "on", days, reason, action, recorded_at)
SELECT id, 'started', DATE '2026-11-25' - (id % 40)::int, 0, '', 'accept', now() FROM approvals;
INSERT INTO clock_events (approval_id, kind, "on", days, reason, action, recorded_at)
SELECT id, 'paused', DATE '2026-11-25' - (id % 40)::int + 1, 0, '', 'request_supplement', now()
FROM approvals WHERE id % 10 = 0 AND id % 40 > 3;
INSERT INTO clock_events (approval_id, kind, "on", days, reason, action, recorded_at)
SELECT id, 'resumed', DATE '2026-11-25' - (id % 40)::int + 3, 0, '', 'resubmit', now()
FROM approvals WHERE id % 10 = 0 AND id % 40 > 3;
INSERT INTO clock_events (approval_id, kind, "on", days, reason, action, recorded_at)
SELECT id, 'extended', DATE '2026-11-25' - (id % 40)::int + 1, 5, '', 'extend', now()
FROM approvals WHERE id % 7 = 0 AND id % 40 > 1;
ANALYZE;
"""


async def main(count: int) -> None:
    url = await asyncio.to_thread(new_database, "postgresql", Path("/tmp"))
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        await seed_reference_data(url)
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            for statement in SEED.split(";\n"):
                if statement.strip():
                    await session.execute(text(statement), {"projects": max(1, count // 16),
                                                            "approvals": count})
            await session.commit()
            total = (await session.execute(select(func.count()).select_from(Approval))).scalar_one()
        print(f"{total} accepted approvals seeded in PostgreSQL")
        sql_times, pure_times = [], []
        for _ in range(3):
            async with sessions() as session:
                started = time.perf_counter()
                rows = (await session.execute(running_clocks(TODAY))).all()
                sql_times.append(time.perf_counter() - started)
            async with sessions() as session:
                started = time.perf_counter()
                calendar = await get_calendar(session)
                approvals = (await session.execute(select(Approval))).scalars().all()
                events = await events_of(session, [a.id for a in approvals])
                states = [clock_of(a, events[a.id], calendar, TODAY, green_channel=False) for a in approvals]
                pure_times.append(time.perf_counter() - started)
        levels: dict[str, int] = {}
        for row in rows:
            levels[row.level] = levels.get(row.level, 0) + 1
        print(f"SQL form  : {statistics.median(sql_times):.2f} s median of 3 ({len(rows)} clocks) levels {levels}")
        print(f"pure form : {statistics.median(pure_times):.2f} s median of 3 ({len(states)} clocks, "
              "including loading approvals and events)")
        await engine.dispose()
    finally:
        await asyncio.to_thread(drop_database, url)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))

"""Clocks of the seeded book's running approvals: the pure function (events loaded from the database) vs one SQL query.

Run: python tests/benchmarks/bench_clock_sql.py [--projects N]   (default 66,667 projects ≈ 1,000,000
approvals, the book bench_sweep.py measures; seeds its own database agency_bench_clock_sql with
tests/benchmarks/seed.py on the PostgreSQL at AGENCY_TEST_POSTGRES_URL or
postgresql://postgres@127.0.0.1:5432/postgres, drops and re-creates it, and drops it at the end)

Prints the seed's figures (approvals, open ones, clocked ones), then, as of seed.TODAY, the median of
three runs of each form over the same approvals — the accepted ones with a working-day promised
limit, which is what `running_clocks` (the sweep's query) covers:
- SQL form: `agency.approvals.clock_sql.running_clocks`, rows fetched into Python;
- pure form: those approvals and their clock events loaded through the ORM, each clock computed by
  `agency.approvals.clocks.clock_of` (green-channel projects as such).
The levels each form finds are printed side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agency.approvals.clock_sql import running_clocks
from agency.approvals.clocks import clock_of, events_of
from agency.approvals.models import Approval
from agency.calendar.service import get_calendar
from agency.db.engine import create_engine, create_sessionmaker
from agency.projects.models import Project
from tests.benchmarks import seed

DATABASE = "agency_bench_clock_sql"
DEFAULT_PROJECTS = 66_667  # ≈ 1,000,000 approvals

# The approvals running_clocks looks at: accepted, with a working-day promised limit.
SCOPE = (select(Approval, Project.green_channel_status == "approved").join(Project, Project.id == Approval.project_id)
         .where(Approval.status == "accepted", Approval.snapshot["promised_limit"]["unit"].as_string() == "workday"))


def tally(levels: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for level in levels:
        counts[level] = counts.get(level, 0) + 1
    return dict(sorted(counts.items()))


async def main(project_count: int) -> None:
    try:
        seeded = await seed.seeded_database(DATABASE, project_count)
        print(f"seeded {seeded.summary()}", flush=True)
        engine = create_engine(seeded.url)
        sessions = create_sessionmaker(engine)
        sql_times, pure_times = [], []
        for _ in range(3):
            async with sessions() as session:
                started = time.perf_counter()
                rows = (await session.execute(running_clocks(seed.TODAY))).all()
                sql_times.append(time.perf_counter() - started)
            async with sessions() as session:
                started = time.perf_counter()
                calendar = await get_calendar(session)
                approvals = (await session.execute(SCOPE)).tuples().all()
                events = await events_of(session, [a.id for a, _ in approvals])
                states = [clock_of(a, events[a.id], calendar, seed.TODAY, green_channel=green)
                          for a, green in approvals]
                pure_times.append(time.perf_counter() - started)
        print(f"{len(approvals):,} accepted approvals with a working-day limit, as of {seed.TODAY}")
        print(f"SQL form  : {statistics.median(sql_times):.2f} s median of 3 ({len(rows):,} clocks) "
              f"levels {tally([row.level for row in rows])}")
        print(f"pure form : {statistics.median(pure_times):.2f} s median of 3 ({len(states):,} clocks, "
              f"including loading approvals and events) levels {tally([state.level for state in states])}")
        await engine.dispose()
    finally:
        await seed.drop_database(DATABASE)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=DEFAULT_PROJECTS,
                        help=f"projects to seed (default {DEFAULT_PROJECTS:,} ≈ 1,000,000 approvals)")
    asyncio.run(main(parser.parse_args().projects))

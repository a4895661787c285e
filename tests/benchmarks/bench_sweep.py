"""The escalation sweep over the seeded book (tests/benchmarks/seed.py) in PostgreSQL.

Run: python tests/benchmarks/bench_sweep.py [--projects N]   (default 66,667 projects ≈ 1,000,000
approvals; seeds its own database agency_bench_sweep with seed.py, drops and re-creates it, and drops
it at the end)

The book is seed.py's realistic one (route plans copied from the planning code, progress spread
evenly, clock events as the service writes them), as of seed.TODAY; the figures of the seed are
printed first (approvals, open ones, clocked ones). Prints the time and peak memory growth of this
process for: the first sweep over the whole backlog (reported separately, as a deployment's first
cron run), a steady-state sweep on the same day (nothing new to fire), and a sweep that finds a
day's new firings — as of the next working day of the official calendar after seed.TODAY, when the
clocks (and stalls) have moved on by one working day; the seed's dates are not shifted. Between the
first sweep and the steady state the database is analysed (untimed), as autovacuum would after that
burst of escalations.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agency.calendar.service import get_calendar
from agency.db.engine import create_engine, create_sessionmaker
from agency.escalation.models import Escalation
from agency.supervision import service as supervision
from tests.benchmarks import seed
from tests.conftest import make_settings

DATABASE = "agency_bench_sweep"
DEFAULT_PROJECTS = 66_667  # ≈ 1,000,000 approvals


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
            result = await supervision.run(session, as_of, settings)
            await session.commit()
        elapsed = time.perf_counter() - started
    print(f"{label:44} {elapsed:7.2f} s  peak RSS +{rss.growth_mb:6.1f} MB  checked {result.checked:,} "
          f"fired {sum(result.fired.values()):,} {result.fired}, deemed accepted {len(result.deemed):,}", flush=True)


async def main(project_count: int, without_stages: bool) -> None:
    if without_stages:
        # The stage deadlines (a stage past its limit, computed in Python for every running project) left out:
        # the sweep as it was before them, to compare the clocks' part with earlier figures.
        from agency.coordination import deadlines

        async def no_stage_firings(*_: object) -> list[tuple[object, ...]]:
            return []
        deadlines.stage_firings = no_stage_firings  # type: ignore[assignment]
        print("stage deadlines left out (--without-stages)", flush=True)
    try:
        seeded = await seed.seeded_database(DATABASE, project_count)
        print(f"seeded {seeded.summary()}", flush=True)
        settings = make_settings(seeded.url, Path("/tmp/agency-bench-sweep"))
        engine = create_engine(seeded.url)
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            next_day = (await get_calendar(session)).next_workday(seed.TODAY)
        await timed_sweep(sessions, settings, seed.TODAY, "first sweep over the whole backlog")
        async with sessions() as session:
            await session.execute(text("ANALYZE"))
            await session.commit()
        await timed_sweep(sessions, settings, seed.TODAY, "steady state (nothing new)")
        await timed_sweep(sessions, settings, next_day, f"next working day {next_day} (new firings)")
        async with sessions() as session:
            count = (await session.execute(select(func.count()).select_from(Escalation))).scalar_one()
        print(f"{count:,} escalation rows in total")
        await engine.dispose()
    finally:
        await seed.drop_database(DATABASE)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=DEFAULT_PROJECTS,
                        help=f"projects to seed (default {DEFAULT_PROJECTS:,} ≈ 1,000,000 approvals)")
    parser.add_argument("--without-stages", action="store_true",
                        help="leave the stage deadlines out of every sweep (the clocks' part alone)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.projects, arguments.without_stages))

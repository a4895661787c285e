"""What an admin's change of one calendar day costs the other writers, on the seeded book in PostgreSQL.

Run: python tests/benchmarks/seed.py --projects 100000          (once: the 1.5M-approval book, agency_bench)
     python tests/benchmarks/bench_calendar_change.py [--database agency_bench] [--writers 4]

A working day a week after seed.TODAY becomes a day off, through the service the admin's
``PUT /api/calendar/{date}`` calls: its preview (how many open clocks it moves), the change itself (one
transaction) and the recompute of the clocks it moves, run here batch by batch as the background job runs
it. Meanwhile ``--writers`` connections each loop as an approval action locks: the approval's row, then its
clock row, then commit — over open clocks, most of them among those the change moves. Printed: the change's
own time, the batches (count, median and longest transaction: no writer waits longer on a batch than it
holds its locks), and the writers' latencies before and during the recompute. The day is then changed back
and recomputed again (printed too), so the book is left as it was.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agency.access import SYSTEM
from agency.approvals import calendar_change
from agency.approvals.models import ApprovalClock
from agency.calendar.service import get_calendar
from agency.db.engine import create_engine, create_sessionmaker
from tests.benchmarks import seed

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"


def _figures(latencies: list[float]) -> str:
    if not latencies:
        return "no write"
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"{len(ordered):,} writes, p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, "
            f"longest {ordered[-1]:.1f} ms")


class Writers:
    """Connections that take an action's locks on open approvals, over and over, timing each transaction."""

    def __init__(self, sessions, ids: list[int], count: int) -> None:  # type: ignore[no-untyped-def]
        self.sessions, self.ids, self.count = sessions, ids, count
        self.latencies: list[float] = []
        self.running = True

    async def _loop(self, seed_value: int) -> None:
        chooser = random.Random(seed_value)
        while self.running:
            approval_id = chooser.choice(self.ids)
            started = time.perf_counter()
            async with self.sessions() as session:
                await session.execute(text("UPDATE approvals SET updated_at = updated_at WHERE id = :id"),
                                      {"id": approval_id})
                await session.execute(select(ApprovalClock.approval_id).where(
                    ApprovalClock.approval_id == approval_id).with_for_update())
                await session.commit()
            self.latencies.append((time.perf_counter() - started) * 1000)

    async def run_while(self, work):  # type: ignore[no-untyped-def]
        self.latencies = []
        self.running = True
        loops = [asyncio.create_task(self._loop(n)) for n in range(self.count)]
        try:
            return await work
        finally:
            self.running = False
            await asyncio.gather(*loops)


async def recompute(sessions, today: date) -> tuple[int, list[float]]:  # type: ignore[no-untyped-def]
    """The background job's loop (agency/approvals/jobs.py): each batch computed without a lock, then written
    in a transaction of its own, which alone holds the approvals' locks (timed here)."""
    done, batches = 0, []
    while True:
        async with sessions() as session:
            batch = await calendar_change.prepare_batch(session, today)
        if batch is None:
            return done, batches
        started = time.perf_counter()
        async with sessions() as session:
            await calendar_change.write_batch(session, batch)
            await session.commit()
        batches.append((time.perf_counter() - started) * 1000)
        done += len(batch.versions)


async def change(sessions, writers: Writers, day: date, workday: bool, label: str,  # type: ignore[no-untyped-def]
                 with_preview: bool = True) -> None:
    preview, preview_ms = None, 0.0
    if with_preview:
        async with sessions() as session:
            started = time.perf_counter()
            preview = await calendar_change.preview(session, SYSTEM, day, workday, label, seed.TODAY)
            preview_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()

    async def made() -> None:
        async with sessions() as session:
            await calendar_change.change_day(session, SYSTEM, day, workday, label)
            await session.commit()

    await writers.run_while(made())
    change_ms = (time.perf_counter() - started) * 1000
    during_change = _figures(writers.latencies)
    started = time.perf_counter()
    done, batches = await writers.run_while(recompute(sessions, seed.TODAY))
    total = time.perf_counter() - started
    print(f"\n{label}: {day} {'工作日' if workday else '休息日'}")
    if preview is not None:
        print(f"  preview (dry_run): {preview.total_moved:,} open clocks move, of {preview.checked:,} checked, "
              f"in {preview_ms:.0f} ms")
    print(f"  the change itself (one transaction): {change_ms:.1f} ms; writers meanwhile: {during_change}")
    if batches:
        print(f"  recompute: {done:,} clock rows in {len(batches)} batches of ≤{calendar_change.BATCH}, {total:.1f} s; "
              f"a batch holds its locks median {statistics.median(batches):.1f} ms, "
              f"longest {max(batches):.1f} ms")
    else:
        print("  recompute: no stale clock row")
    print(f"  writers during the recompute: {_figures(writers.latencies)}")


async def main(database: str, writer_count: int, baseline_seconds: float, with_preview: bool = True,
               restore: bool = True) -> None:
    engine = create_engine(f"{PG}/{database}", pool_size=writer_count + 2)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        calendar = await get_calendar(session)
        ids = [int(i) for i in (await session.execute(select(ApprovalClock.approval_id))).scalars()]
    day = calendar.add_workdays(seed.TODAY, 5)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    print(f"{database}: {len(ids):,} open clock rows; writers: {writer_count} connections, each an action's locks "
          "(approval row, clock row, commit) on a random open clock")
    writers = Writers(sessions, ids, writer_count)
    await writers.run_while(asyncio.sleep(baseline_seconds))
    print(f"writers alone for {baseline_seconds:.0f} s: {_figures(writers.latencies)}")
    try:
        await change(sessions, writers, day, False, "基准测试：临时调整为休息日", with_preview)
    finally:
        if restore:
            await change(sessions, writers, day, True, "基准测试：恢复为工作日", with_preview)
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="agency_bench")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of writers alone first")
    parser.add_argument("--no-preview", action="store_true", help="skip the dry run (minutes on the big book)")
    parser.add_argument("--no-restore", action="store_true", help="leave the day changed (a throw-away book)")
    args = parser.parse_args()
    asyncio.run(main(args.database, args.writers, args.baseline, not args.no_preview, not args.no_restore))

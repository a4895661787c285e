"""Working-day arithmetic speed. Run: python tests/benchmarks/bench_workdays.py

Prints the figures; not collected by pytest.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from agency.calendar.seed import default_calendar

CALLS = 1_000_000


def main() -> None:
    started = time.perf_counter()
    cal = default_calendar()
    print(f"build default calendar 2004–2040 (cold, with seeding): {time.perf_counter() - started:.3f} s")
    started = time.perf_counter()
    cal = default_calendar()
    print(f"rebuild (seed cached):                                {time.perf_counter() - started:.3f} s")
    started = time.perf_counter()
    rows = sum(1 for _ in cal.rows())
    print(f"rows() for the ordinal table ({rows:,} rows):           {time.perf_counter() - started:.3f} s")

    rng = random.Random(7)
    base = date(2005, 1, 1)
    span = (date(2039, 1, 1) - base).days
    days = [base + timedelta(days=rng.randrange(span)) for _ in range(CALLS)]
    counts = [rng.randint(1, 60) for _ in range(CALLS)]

    add = cal.add_workdays
    started = time.perf_counter()
    for d, n in zip(days, counts, strict=True):
        add(d, n)
    elapsed = time.perf_counter() - started
    print(f"{CALLS:,} add_workdays:      {elapsed:.3f} s  ({elapsed / CALLS * 1e9:.0f} ns/call)")

    between = cal.workdays_between
    ends = [d + timedelta(days=rng.randint(-300, 300)) for d in days]
    started = time.perf_counter()
    for a, b in zip(days, ends, strict=True):
        between(a, b)
    elapsed = time.perf_counter() - started
    print(f"{CALLS:,} workdays_between:  {elapsed:.3f} s  ({elapsed / CALLS * 1e9:.0f} ns/call)")

    started = time.perf_counter()
    for d, n in zip(days, counts, strict=True):
        add(d, -n)
    elapsed = time.perf_counter() - started
    print(f"{CALLS:,} add_workdays(<0):  {elapsed:.3f} s  ({elapsed / CALLS * 1e9:.0f} ns/call)")


if __name__ == "__main__":
    main()

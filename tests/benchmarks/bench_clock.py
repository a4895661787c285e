"""Clock speed: the pure function over 100,000 open approvals. Run: python tests/benchmarks/bench_clock.py

Prints the figures; not collected by pytest.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date

from agency.approvals.clock import ClockEvent, Limit, compute_clock
from agency.calendar.seed import default_calendar
from agency.calendar.workdays import WorkCalendar

APPROVALS = 100_000
TODAY = date(2026, 11, 16)


def make_events(rng: random.Random, cal: WorkCalendar) -> list[ClockEvent]:
    cal_add = cal.add_workdays
    accepted = cal_add(TODAY, -rng.randint(0, 20))
    events = [ClockEvent("started", accepted)]
    roll = rng.random()
    if roll < 0.25:
        # A supplement: paused a few days after acceptance, resumed later or still paused.
        paused = cal_add(accepted, rng.randint(0, 3))
        if paused <= TODAY:
            events.append(ClockEvent("paused", paused))
            resumed = cal_add(paused, rng.randint(1, 10))
            if resumed <= TODAY and rng.random() < 0.7:
                events.append(ClockEvent("resumed", resumed))
    elif roll < 0.35:
        events.append(ClockEvent("extended", accepted, days=10))
    return events


def main() -> None:
    cal = default_calendar()
    rng = random.Random(11)
    limits = [
        (Limit(5, "workday"), Limit(20, "workday")),
        (Limit(7, "workday"), Limit(20, "workday")),
        (Limit(10, "workday"), Limit(30, "calendar_day")),
        (Limit(5, "workday"), None),
        (Limit(15, "calendar_day"), Limit(15, "calendar_day")),
    ]
    cases = [(*rng.choice(limits), make_events(rng, cal), rng.random() < 0.1) for _ in range(APPROVALS)]
    paused = sum(1 for c in cases if c[2][-1].kind == "paused")

    started = time.perf_counter()
    levels: Counter[str] = Counter()
    for promised, statutory, events, green in cases:
        state = compute_clock(promised, statutory, events, TODAY, cal, green_channel=green)
        levels[state.level] += 1
    elapsed = time.perf_counter() - started
    print(
        f"{APPROVALS:,} open approvals ({paused:,} paused): {elapsed:.3f} s ({elapsed / APPROVALS * 1e6:.1f} µs each)"
    )
    print("levels:", dict(sorted(levels.items())))


if __name__ == "__main__":
    main()

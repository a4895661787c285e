"""The project plan as bars on a date axis: pure layout from ProjectDetail (no business rules here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from agency.dossiers.planning import approval_key, milestone_key
from agency.dossiers.service import ProjectDetail


@dataclass(slots=True)
class Bar:
    label: str
    href: str | None
    left: float
    width: float
    start: date
    end: date
    level: str
    done: bool
    critical: bool
    milestone: bool


@dataclass(slots=True)
class Plan:
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    today: float | None


def _pos(day: date, first: date, span: int) -> float:
    return round(100 * (day - first).days / span, 2)


def build_plan(d: ProjectDetail, today: date) -> Plan:
    schedule = d.forecast.schedule if d.forecast else {}
    critical = set(d.forecast.critical_path) if d.forecast else set()
    rows: list[tuple[str, str | None, date, date, str, bool, bool, bool]] = []
    for a in d.approvals:
        clock = d.clocks[a.id]
        planned = schedule.get(approval_key(a))
        start = clock.accepted_on or (planned[0] if planned else None)
        end = clock.finished_on or clock.due_on or (planned[1] if planned else None)
        if start is None or end is None:
            continue
        rows.append((a.name, f"/app/approvals/{a.id}", start, max(start, end), clock.level, a.status == "approved",
                     approval_key(a) in critical, False))
    for m in d.milestones:
        when = m.done_on or m.expected_on or (schedule.get(milestone_key(m)) or (None, None))[1]
        if when is not None:
            rows.append((f"◆ {m.name}", None, when, when, "none", m.done_on is not None, milestone_key(m) in critical,
                         True))
    if not rows:
        return Plan([], [], None)
    rows.sort(key=lambda r: (r[2], r[3]))
    first = min(r[2] for r in rows)
    last = max(max(r[3] for r in rows), first + timedelta(days=14))
    span = max(1, (last - first).days + 1)
    bars = [Bar(label, href, _pos(start, first, span), max(0.8, _pos(end + timedelta(days=1), first, span)
                                                          - _pos(start, first, span)),
                start, end, level, done, crit, ms) for label, href, start, end, level, done, crit, ms in rows]
    ticks: list[tuple[float, str]] = []
    step = max(7, span // 6)
    day = first
    while day <= last:
        ticks.append((_pos(day, first, span), day.strftime("%m-%d")))
        day += timedelta(days=step)
    return Plan(bars, ticks, _pos(today, first, span) if first <= today <= last else None)

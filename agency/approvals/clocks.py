"""The clocks of approvals, from their clock events, the calendar and the route's thresholds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.approvals.clock import (
    DEFAULT_THRESHOLDS,
    NOT_STARTED,
    ClockError,
    ClockEvent,
    ClockState,
    Limit,
    Thresholds,
    compute_clock,
)
from agency.approvals.models import ClockEventRow
from agency.calendar.workdays import WorkCalendar
from agency.errors import Conflict
from agency.projects.models import Approval
from agency.projects.planning import limit_of

_BATCH = 5000


# A green-channel project is watched more closely unless its route says otherwise: yellow earlier,
# the prompt a day sooner (and any red on it is L3, by the clock's own rule).
GREEN_DEFAULTS = {"yellow_ratio": 0.6, "prompt_days": 2}


def thresholds_of(route_definition: Mapping[str, Any] | None, green_channel: bool) -> Thresholds:
    """The route's escalation thresholds (stricter ones for a green-channel project), else the defaults."""
    escalation = (route_definition or {}).get("escalation") or {}
    chosen = {k: v for k, v in escalation.items() if k != "green_channel"}
    if green_channel:
        chosen.update(GREEN_DEFAULTS)
        chosen.update({k: v for k, v in (escalation.get("green_channel") or {}).items() if v is not None})

    def pick(key: str, default: Any) -> Any:
        value = chosen.get(key)
        return default if value is None else value

    return Thresholds(yellow_ratio=float(pick("yellow_ratio", DEFAULT_THRESHOLDS.yellow_ratio)),
                      prompt_days=int(pick("prompt_days", DEFAULT_THRESHOLDS.prompt_days)),
                      l3_after_workdays=int(pick("l3_after_workdays", DEFAULT_THRESHOLDS.l3_after_workdays)))


def clock_of(approval: Approval, events: Sequence[ClockEvent], calendar: WorkCalendar, today: date, *,
             green_channel: bool, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> ClockState:
    promised = limit_of(approval.snapshot, "promised_limit") or Limit(0, "workday")
    try:
        return compute_clock(promised, limit_of(approval.snapshot, "statutory_limit"), events, today, calendar,
                             green_channel=green_channel, thresholds=thresholds)
    except ClockError as error:
        raise Conflict(f"事项 {approval.id} 的时限记录不一致：{error}（inconsistent clock events）") from None


async def events_of(session: AsyncSession, approval_ids: Sequence[int]) -> dict[int, list[ClockEvent]]:
    grouped: dict[int, list[ClockEvent]] = defaultdict(list)
    # Batched: PostgreSQL takes at most 32,767 bound parameters in one statement.
    for start in range(0, len(approval_ids), _BATCH):
        batch = list(approval_ids[start:start + _BATCH])
        rows = await session.execute(select(ClockEventRow).where(ClockEventRow.approval_id.in_(batch))
                                     .order_by(ClockEventRow.approval_id, ClockEventRow.id))
        for row in rows.scalars():
            grouped[row.approval_id].append(ClockEvent(row.kind, row.on, row.days))  # type: ignore[arg-type]
    return grouped


async def load_clocks(session: AsyncSession, approvals: Sequence[Approval], calendar: WorkCalendar, today: date,
                      *, green_channel: bool = False, thresholds: Thresholds = DEFAULT_THRESHOLDS
                      ) -> dict[int, ClockState]:
    events = await events_of(session, [a.id for a in approvals])
    return {a.id: clock_of(a, events[a.id], calendar, today, green_channel=green_channel, thresholds=thresholds)
            if events.get(a.id) else NOT_STARTED for a in approvals}

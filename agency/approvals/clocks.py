"""Reading an approval's clock: its limits, its dossier's thresholds, its events, and the one function
(``read_clock``) every view reads it through."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

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
from agency.approvals.models import Approval, ClockEventRow
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import Route
from agency.errors import Conflict

_BATCH = 5000


# A green-channel project is watched more closely unless its route says otherwise: yellow earlier,
# the prompt a day sooner (and any red on it is L3, by the clock's own rule).
GREEN_DEFAULTS = {"yellow_ratio": 0.6, "prompt_days": 2}


def limit_of(snapshot: Mapping[str, object], name: str) -> Limit | None:
    value = snapshot.get(name)
    if not isinstance(value, Mapping):
        return None
    return Limit(int(value["count"]), value["unit"])


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


def promised_of(snapshot: Mapping[str, object]) -> Limit:
    """The promised limit of an approval's snapshot; none given counts as 0 working days (即办)."""
    return limit_of(snapshot, "promised_limit") or Limit(0, "workday")


def statutory_of(snapshot: Mapping[str, object]) -> Limit | None:
    return limit_of(snapshot, "statutory_limit")


class Dossier(Protocol):
    """What a clock needs of its dossier (a Project, or a list's row of one)."""

    @property
    def id(self) -> int: ...

    @property
    def route_id(self) -> int: ...

    @property
    def green_channel_status(self) -> str: ...


def read_clock(approval: Approval, project: Dossier, route_definition: Mapping[str, Any] | None,
               events: Sequence[ClockEvent], calendar: WorkCalendar, today: date) -> ClockState:
    """The clock of one approval on ``today``: THE one function every view reads a clock through (detail,
    worklist, inbox, dashboard, portal, papers), always with its dossier's thresholds — the route's, the
    stricter ones on the green channel. The worklist and the sweep compute the same in SQL for many
    approvals at once (clock_sql.py), from rows this function's reduction wrote; tests hold them equal."""
    green = project.green_channel_status == "approved"
    try:
        return compute_clock(promised_of(approval.snapshot), statutory_of(approval.snapshot), events, today,
                             calendar, green_channel=green, thresholds=thresholds_of(route_definition, green))
    except ClockError as error:
        raise Conflict(f"事项 {approval.id} 的时限记录不一致：{error}（inconsistent clock events）") from None


async def route_definitions(session: AsyncSession, route_ids: Iterable[int]) -> dict[int, Mapping[str, Any] | None]:
    wanted = set(route_ids)
    if not wanted:
        return {}
    return {route_id: definition for route_id, definition in
            (await session.execute(select(Route.id, Route.definition).where(Route.id.in_(wanted)))).all()}


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


async def load_clocks(session: AsyncSession, approvals: Sequence[Approval], projects: Mapping[int, Dossier],
                      calendar: WorkCalendar, today: date) -> dict[int, ClockState]:
    """The clocks of ``approvals`` (each project among ``projects``), read through ``read_clock``."""
    events = await events_of(session, [a.id for a in approvals])
    routes = await route_definitions(session, {projects[a.project_id].route_id for a in approvals})
    return {a.id: read_clock(a, projects[a.project_id], routes.get(projects[a.project_id].route_id), events[a.id],
                             calendar, today) if events.get(a.id) else NOT_STARTED for a in approvals}

"""The stages of a project (立项用地规划, 工程建设许可, 施工许可, 竣工验收), each with its lead department (牵头部门)
and limit in working days from the route (``stages`` in the catalog), and its progress: started with the first
submission of one of its items, completed with the last decision once every item of it is decided, the working
days the departments used on it (counted as the government's time, agency/coordination/government.py) and a
level like an item's: prompt with one working day left, yellow at 80% used, red past the limit, 督办 (l3) three
working days past it. A completed stage shows no level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agency.approvals.rules import CLOSED_STATES
from agency.calendar.service import get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.catalog.format_model import STAGE_NAMES
from agency.catalog.models import Route
from agency.coordination.government import (
    Timed,
    TimedClockEvent,
    approvals_and_events,
    government_workdays,
    mandate_pauses,
    spans_of,
)
from agency.projects.models import Project

YELLOW_RATIO = 0.8
L3_AFTER_WORKDAYS = 3


@dataclass(frozen=True, slots=True)
class StageProgress:
    code: str
    name: str
    lead_department_code: str | None
    started_on: date | None
    completed_on: date | None
    used_workdays: int
    limit_workdays: int | None
    level: str


def level_of(used: int, limit: int | None, running: bool) -> str:
    if limit is None or not running:
        return "none"
    if used - limit >= L3_AFTER_WORKDAYS:
        return "l3"
    if used > limit:
        return "red"
    if used >= YELLOW_RATIO * limit:
        return "yellow"
    return "prompt" if limit - used <= 1 else "none"


def progress(stages: list[dict[str, object]], approvals: Sequence[Timed],
             events: Mapping[int, Sequence[TimedClockEvent]], pauses: list[tuple[date, date | None]],
             calendar: WorkCalendar, today: date) -> list[StageProgress]:
    declared = {str(s["code"]): s for s in stages}
    codes = [c for c in STAGE_NAMES if c in declared or any(a.stage == c for a in approvals)]
    found = []
    for code in codes:
        # Its required items, and an optional one once it is under way.
        mine = [a for a in approvals if a.stage == code and (a.required or a.status != "planned")]
        spans = spans_of([a for a in mine if a.status != "planned"], events, today)
        started = min((s.submitted_on for s in spans), default=None)
        decided = [a.decided_on for a in mine if a.decided_on is not None]
        complete = bool(mine) and all(a.status in CLOSED_STATES for a in mine)
        completed = max(decided, default=None) if complete else None
        used = government_workdays(spans, pauses, calendar, completed or today) if started else 0
        stage = declared.get(code, {})
        limit = stage.get("limit_workdays")
        found.append(StageProgress(
            code=code, name=STAGE_NAMES[code], lead_department_code=str(stage["lead"]) if stage else None,
            started_on=started, completed_on=completed, used_workdays=used,
            limit_workdays=int(str(limit)) if limit is not None else None,
            level=level_of(used, int(str(limit)) if limit is not None else None, started is not None and not complete)))
    return found


def declared_stages(route: Route | None) -> list[dict[str, object]]:
    return list((route.definition or {}).get("stages") or []) if route is not None else []


async def of_project(session: AsyncSession, project: Project, today: date) -> list[StageProgress]:
    approvals, events = await approvals_and_events(session, project.id)
    route = await session.get(Route, project.route_id)
    return progress(declared_stages(route), approvals, events, await mandate_pauses(session, project),
                    await get_calendar(session), today)

"""``PUT /api/calendar/{date}``: a change of the working calendar, previewed with ``?dry_run=true`` (the open
clocks it would move) or made (202, the clocks' recompute as a job to follow)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from litestar import Controller, Response, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.approvals import calendar_change
from agency.calendar.controllers import parse_day
from agency.calendar.schemas import CalendarDayIn
from agency.schemas import ResponseBody
from agency.timeutil import today_local


class MovedClockOut(ResponseBody):
    approval_id: int
    project_id: int
    project_code: str
    project_name: str
    item_name: str
    department_code: str
    due_on: date | None
    new_due_on: date | None
    statutory_due_on: date | None
    new_statutory_due_on: date | None


class CalendarPreviewOut(ResponseBody):
    date: date
    workday: bool
    checked: int
    total_moved: int
    moved: list[MovedClockOut]


class CalendarChangeOut(ResponseBody):
    date: date
    workday: bool
    job_id: int


class CalendarChangeController(Controller):
    path = "/api/calendar"
    tags = ["工作日历 calendar"]

    @put("/{day:str}", guards=[require_roles(Role.ADMIN)], status_code=202)
    async def set_day(self, day: FromPath[str], data: JSONBody[CalendarDayIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession],
                      dry_run: Annotated[bool, QueryParameter(description="只预览受影响的办理期限，不修改")] = False
                      ) -> Response[CalendarPreviewOut | CalendarChangeOut]:
        """Make a date (YYYY-MM-DD) a holiday or a workday. ``dry_run=true``: the open approvals whose due dates
        would move (old and new dates), nothing changed. Otherwise 202 with the job that recomputes the clocks
        (``GET /api/jobs/{job_id}``); until it reaches a clock, that clock is read from its events."""
        when = parse_day(day)
        if dry_run:
            found = await calendar_change.preview(db, actor, when, data.workday, data.note, today_local())
            return Response(CalendarPreviewOut(
                date=when, workday=data.workday, checked=found.checked, total_moved=found.total_moved,
                moved=[MovedClockOut(**asdict(m)) for m in found.moved]), status_code=200)
        job = await calendar_change.change_day(db, actor, when, data.workday, data.note)
        return Response(CalendarChangeOut(date=when, workday=data.workday, job_id=job.id), status_code=202)

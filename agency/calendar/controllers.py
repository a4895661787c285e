from __future__ import annotations

from datetime import date

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.accounts.auth import require_roles
from agency.calendar import service
from agency.calendar.schemas import CalendarDayIn, CalendarDayOut, CalendarYearOut


class CalendarController(Controller):
    path = "/api/calendar"
    tags = ["工作日历 calendar"]

    @get("/{year:int}")
    async def year(self, year: FromPath[int], db: NamedDependency[AsyncSession]) -> CalendarYearOut:
        """Dates of the year that differ from Monday–Friday (holidays on weekdays, make-up workdays)."""
        source, days = await service.year_view(db, year)
        return CalendarYearOut(year=year, source=source,  # type: ignore[arg-type]
                               days=[CalendarDayOut(date=d.day, workday=d.workday, note=d.note, source=d.source)
                                     for d in days])

    @put("/{day:date}", guards=[require_roles(Role.ADMIN)])
    async def set_day(self, day: FromPath[date], data: JSONBody[CalendarDayIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> CalendarDayOut:
        """Make a date a holiday or a workday; every clock that depends on it is recomputed."""
        await service.set_day(db, actor, day, data.workday, data.note)
        return CalendarDayOut(date=day, workday=data.workday, note=data.note, source="admin")

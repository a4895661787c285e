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
from agency.errors import Invalid


def _parse_day(text: str) -> date:
    """The date of the path; a mistyped one is a 422 naming it, not a 404 from the router."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"日期“{text}”无效，应为存在的日期 YYYY-MM-DD（invalid date）", field="date") from None


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

    @put("/{day:str}", guards=[require_roles(Role.ADMIN)])
    async def set_day(self, day: FromPath[str], data: JSONBody[CalendarDayIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> CalendarDayOut:
        """Make a date (YYYY-MM-DD) a holiday or a workday; every clock that depends on it is recomputed."""
        when = _parse_day(day)
        await service.set_day(db, actor, when, data.workday, data.note)
        return CalendarDayOut(date=when, workday=data.workday, note=data.note, source="admin")

from __future__ import annotations

from datetime import date

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from agency.calendar import service
from agency.calendar.schemas import CalendarDayOut, CalendarYearOut
from agency.errors import Invalid


def parse_day(text: str) -> date:
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

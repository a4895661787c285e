"""The leader's report of the government's time (政府审批用时): a page with its chart and spreadsheet, and the
dashboard's section. The same service as ``GET /api/reports/government-time``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.catalog import service as catalog
from agency.coordination import report
from agency.errors import AgencyError
from agency.reports.xlsx import XLSX_MEDIA_TYPE
from agency.timeutil import today_local
from agency.web import charts
from agency.web.render import page

DateFrom = Annotated[date | None, QueryParameter(name="from")]
DateTo = Annotated[date | None, QueryParameter(name="to")]
RouteCode = Annotated[str | None, QueryParameter(pattern="^[a-z0-9_]{0,32}$")]


async def dashboard_section(db: AsyncSession, today: date) -> dict[str, Any]:
    """What the dashboard's section shows: this year so far, every route."""
    start = date(today.year, 1, 1)
    rows = await report.government_time(db, start, today, None, today)
    return {"rows": rows, "start": start, "end": today, "chart": charts.government_time_bars(rows),
            "xlsx": "/app/reports/government-time.xlsx?" + urlencode({"from": start.isoformat(),
                                                                       "to": today.isoformat()})}


async def _rows(db: AsyncSession, start: date | None, end: date | None, route_code: str | None
                ) -> tuple[date, date, list[report.MonthRow]]:
    today = today_local()
    start, end = start or date(today.year, 1, 1), end or today
    return start, end, await report.government_time(db, start, end, route_code or None, today)


@get("/app/reports/government-time")
async def government_time_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                               db: NamedDependency[AsyncSession], date_from: DateFrom = None, date_to: DateTo = None,
                               route_code: RouteCode = None) -> Template:
    actor.require(Role.LEADER, Role.ADMIN)
    err = None
    try:
        start, end, rows = await _rows(db, date_from, date_to, route_code)
    except AgencyError as error:  # the end before the start: say so on the page
        err, rows = error.detail, []
        start, end = date_from or today_local(), date_to or today_local()
    query = urlencode({"from": start.isoformat(), "to": end.isoformat(), "route_code": route_code or ""})
    routes = await catalog.current_routes(db)
    section = {"rows": rows, "start": start, "end": end, "chart": charts.government_time_bars(rows),
               "xlsx": f"/app/reports/government-time.xlsx?{query}"}
    return page(request, "government_time.html", actor, g=section, routes=routes, route_code=route_code or "",
                err=err, full=True)


@get("/app/reports/government-time.xlsx")
async def government_time_xlsx(actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                               date_from: DateFrom = None, date_to: DateTo = None,
                               route_code: RouteCode = None) -> Response[bytes]:
    """The same spreadsheet as ``GET /api/reports/government-time?format=xlsx``."""
    actor.require(Role.LEADER, Role.ADMIN)
    start, end, rows = await _rows(db, date_from, date_to, route_code)
    ascii_name = f"government-time_{start.isoformat()}_{end.isoformat()}.xlsx"
    chinese = f"政府审批用时统计_{start.isoformat()}_{end.isoformat()}.xlsx"
    return Response(report.workbook(rows, start, end), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                                    f"filename*=UTF-8''{quote(chinese)}"})


HANDLERS: list[Any] = [government_time_page, government_time_xlsx]

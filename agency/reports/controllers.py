"""The department report (JSON or xlsx) and the leader's dashboard."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.escalation.controllers import escalation_out
from agency.evaluations import follow_ups as visits
from agency.evaluations.controllers import follow_up_out
from agency.reports import criteria, rankings, service
from agency.reports.rankings_xlsx import rankings_filename, rankings_workbook
from agency.reports.schemas import Dashboard, DepartmentReport
from agency.reports.xlsx import XLSX_MEDIA_TYPE, department_workbook, report_filename


class ReportController(Controller):
    path = "/api/reports"
    tags = ["统计 reports"]

    @get("/departments")
    async def departments(
        self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession], state: State,
        date_from: Annotated[date | None, QueryParameter(name="from", description="起始日期（含），默认月初")] = None,
        date_to: Annotated[date | None, QueryParameter(name="to", description="截止日期（含），默认月末")] = None,
        format: Annotated[str, QueryParameter(pattern="^(json|xlsx)$")] = "json",
    ) -> Response[bytes] | list[DepartmentReport]:
        """按时办结率, 提速率, 黄/红牌, 满意率 and 评议率 per department for a period (default: this month);
        ``format=xlsx`` for a spreadsheet."""
        start, end, rows = await service.department_report(db, actor, date_from, date_to)
        if format != "xlsx":
            return rows
        filename = report_filename(start, end)
        ascii_name = f"department-report_{start.isoformat()}_{end.isoformat()}.xlsx"
        return Response(department_workbook(rows, start, end, state.settings.center_name),
                        media_type=XLSX_MEDIA_TYPE, headers={
                            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                                   f"filename*=UTF-8''{quote(filename)}"})


    @get("/rankings", guards=[require_roles(Role.LEADER, Role.ADMIN)])
    async def rankings(
        self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession], state: State,
        month: Annotated[str, QueryParameter(pattern=r"^\d{4}-\d{2}$", description="月份 YYYY-MM")],
        format: Annotated[str, QueryParameter(pattern="^(json|xlsx)$")] = "json",
    ) -> Response[bytes] | dict[str, Any]:
        """红旗窗口 and 服务标兵 of a month: windows (departments) and staff (officers) ranked on the criteria
        printed with the result (agency/reports/rankings.py, set by the AGENCY_RANKING_* settings);
        ``format=xlsx`` for a spreadsheet."""
        result = await rankings.rankings(db, actor, month, (await criteria.current(db, state.settings)).criteria)
        if format != "xlsx":
            return result
        return Response(rankings_workbook(result, state.settings.center_name), media_type=XLSX_MEDIA_TYPE,
                        headers={"Content-Disposition": f"attachment; filename=\"rankings_{month}.xlsx\"; "
                                                        f"filename*=UTF-8''{quote(rankings_filename(month))}"})


class DashboardController(Controller):
    path = "/api/dashboard"
    tags = ["统计 reports"]

    @get("")
    async def show(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Dashboard:
        """Green-channel projects, open cards, the department league table of this month, green-channel
        requests awaiting a decision, open escalations and open follow-ups (leaders, administrators)."""
        data = await service.dashboard(db, actor)
        follow_ups = [follow_up_out(*await visits.detail(db, f)) for f in data.follow_ups]
        return Dashboard(period_from=data.start, period_to=data.end, green_channel=data.green_channel,
                         counts=data.counts, departments=data.departments,
                         pending_green_channel=data.pending_green_channel,
                         open_escalations=[escalation_out(e) for e in data.open_escalations], follow_ups=follow_ups)

"""The leader's dashboard (decisions, supervision, charts) and the department report with its spreadsheet."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.errors import AgencyError
from agency.escalation import service as escalations
from agency.evaluations import service as evaluations
from agency.projects import service as projects
from agency.projects.models import Approval, Project
from agency.reports import service as reports
from agency.reports.xlsx import XLSX_MEDIA_TYPE, department_workbook, report_filename
from agency.timeutil import today_local
from agency.web import charts
from agency.web.pages_department import ESCALATION_STATUS, RULE_NAMES, back
from agency.web.render import page

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
DateFrom = Annotated[date | None, QueryParameter(name="from")]
DateTo = Annotated[date | None, QueryParameter(name="to")]
CHART_ROWS = 5000


@get("/app/dashboard")
async def dashboard(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.LEADER, Role.ADMIN)
    today = today_local()
    data = await reports.dashboard(db, actor)
    follow_ups, _ = await evaluations.follow_ups(db, actor, "open", page=1, page_size=50)
    fired, _ = await escalations.search(db, actor, status=None, level=None, department_code=None, project_id=None,
                                        approval_id=None, page=1, page_size=CHART_ROWS)
    names = {d.department_code: d.department_name for d in data.departments}
    overdue: dict[str, set[int]] = defaultdict(set)
    for e in data.open_escalations:
        if e.level in ("red", "l3"):
            overdue[e.department_code].add(e.approval_id)
    svg = {
        "levels": charts.levels_over_time(fired, today),
        "on_time": charts.department_bars("chart-ontime", f"按时办结率（{data.start} 至 {data.end}）",
                                          [(d.department_name, d.on_time_rate) for d in data.departments],
                                          percent=True),
        "overdue": charts.department_bars("chart-overdue", "当前超期事项（红牌及督办，按部门）",
                                          sorted(((names.get(c, c), float(len(ids))) for c, ids in overdue.items()),
                                                 key=lambda r: -(r[1] or 0)), percent=False),
    }
    # One query for the names of the escalated approvals and their projects, not one per row.
    ids = {e.approval_id for e in data.open_escalations}
    approval_names = {a_id: f"{p_name}·{a_name}" for a_id, a_name, p_name in (await db.execute(
        select(Approval.id, Approval.name, Project.name).join(Project, Project.id == Approval.project_id)
        .where(Approval.id.in_(ids or {0})))).all()}
    return page(request, "dashboard.html", actor, d=data, follow_ups=follow_ups, svg=svg, names=names,
                approval_names=approval_names,
                ESCALATION_STATUS=ESCALATION_STATUS, RULE_NAMES=RULE_NAMES,
                ok=request.query_params.get("ok"), err=request.query_params.get("err"))


@post("/app/projects/{project_id:int}/green-channel/decide")
async def decide_green_channel(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                               db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.LEADER)
    decision = data.get("decision")
    if decision not in ("approve", "refuse"):
        return back("/app/dashboard", err="请选择同意或不同意。")
    try:
        project = await projects.decide_green_channel(db, actor, project_id, decision == "approve",
                                                      data.get("note", ""))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back("/app/dashboard", err=error.detail)
    verdict = "已同意" if decision == "approve" else "未同意"
    return back("/app/dashboard", ok=f"{project.name}：绿色通道申请{verdict}")


@post("/app/escalations/{escalation_id:int}/resolve")
async def resolve(escalation_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                  db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.LEADER, Role.ADMIN)
    try:
        await escalations.resolve(db, actor, escalation_id, data.get("note", ""))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back("/app/dashboard", err=error.detail)
    return back("/app/dashboard", ok="督办已办结")


@post("/app/follow-ups/{follow_up_id:int}/close")
async def close_follow_up(follow_up_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                          db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.LEADER)
    try:
        await evaluations.close_follow_up(db, actor, follow_up_id, data.get("note", ""))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back("/app/dashboard", err=error.detail)
    return back("/app/dashboard", ok="回访已办结")


@get("/app/reports")
async def report_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession], date_from: DateFrom = None,
                      date_to: DateTo = None) -> Template:
    start, end, rows = await reports.department_report(db, actor, date_from, date_to)
    query = urlencode({"from": start.isoformat(), "to": end.isoformat()})
    return page(request, "reports.html", actor, start=start, end=end, rows=rows, xlsx=f"/app/reports.xlsx?{query}")


@get("/app/reports.xlsx")
async def report_xlsx(actor: NamedDependency[Actor], state: State, db: NamedDependency[AsyncSession],
                      date_from: DateFrom = None, date_to: DateTo = None) -> Response[bytes]:
    """The same spreadsheet as ``GET /api/reports/departments?format=xlsx``."""
    start, end, rows = await reports.department_report(db, actor, date_from, date_to)
    ascii_name = f"department-report_{start.isoformat()}_{end.isoformat()}.xlsx"
    return Response(department_workbook(rows, start, end, state.settings.center_name), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                                    f"filename*=UTF-8''{quote(report_filename(start, end))}"})


HANDLERS: list[Any] = [dashboard, decide_green_channel, resolve, close_follow_up, report_page, report_xlsx]

"""The leader's dashboard (decisions, supervision, charts) and the department report with its spreadsheet."""

from __future__ import annotations

from datetime import date, timedelta
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
from agency.approvals.models import Approval
from agency.coordination import service as coordination
from agency.dossiers import service as projects
from agency.errors import AgencyError
from agency.escalation import service as escalations
from agency.evaluations import follow_ups as visits
from agency.projects import handover
from agency.projects.models import Project
from agency.reports import criteria, rankings
from agency.reports import service as reports
from agency.reports.xlsx import XLSX_MEDIA_TYPE, department_workbook, report_filename, totals
from agency.sites import service as sites
from agency.timeutil import today_local
from agency.web import charts, pages_government_time
from agency.web.forms import SiteCode
from agency.web.pages_department import ESCALATION_STATUS, RULE_NAMES, back
from agency.web.render import page

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
DateFrom = Annotated[date | None, QueryParameter(name="from")]
DateTo = Annotated[date | None, QueryParameter(name="to")]
CHART_DAYS = 30  # the days of the levels chart
ESCALATIONS_SHOWN = reports.DASHBOARD_LIMIT  # a page of the open warnings and supervision
DashboardLevel = Annotated[str | None, QueryParameter(pattern="^(yellow|red|l3|)$")]


@get("/app/dashboard")
async def dashboard(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession], level: DashboardLevel = None, fsite: SiteCode = None,
                    escalation_page: Annotated[int, QueryParameter(name="epage", ge=1, le=100_000)] = 1) -> Template:
    actor.require(Role.LEADER, Role.ADMIN)
    today = today_local()
    data = await reports.dashboard(db, actor)
    # The list a level's counter links to: the same query the counter counts, paged (``epage``) rather than
    # stopped at a number, so every card the counter counts can be reached.
    listed_total = getattr(data.counts, level) if level else data.counts.yellow + data.counts.red + data.counts.l3
    if not level and escalation_page == 1:  # the first page of every level: the dashboard data already holds it
        listed = list(data.open_escalations)
    else:
        listed = list((await db.execute(reports.open_escalations(level or None).offset(
            (escalation_page - 1) * ESCALATIONS_SHOWN).limit(ESCALATIONS_SHOWN))).scalars())
    # ``fsite``: the return visits of the dossiers that site holds (the API's ``site_code=``).
    follow_ups, _ = await visits.search(db, actor, "open", page=1, page_size=50, site_code=fsite or None)
    fired = await escalations.fired_per_day(db, actor, today - timedelta(days=CHART_DAYS - 1), today)
    names = {d.department_code: d.department_name for d in data.departments}
    # From the clocks, not from open escalation cards: an item stays here until it is finished.
    overdue = await reports.overdue_by_department(db, actor, today)
    svg = {
        "levels": charts.levels_over_time(fired, today, CHART_DAYS),
        "on_time": charts.department_bars("chart-ontime", f"按时办结率（{data.start} 至 {data.end}）",
                                          [(d.department_name, d.on_time_rate) for d in data.departments],
                                          percent=True),
        "overdue": charts.department_bars("chart-overdue", "当前超过承诺期限未办结的事项（按部门）",
                                          sorted(((names.get(c, c), float(n)) for c, n in overdue.items()),
                                                 key=lambda r: -(r[1] or 0)), percent=False),
    }
    # One query for the names of the escalated approvals and their projects, not one per row.
    ids = {e.approval_id for e in listed}
    approval_names = {a_id: f"{p_name}·{a_name}" for a_id, a_name, p_name in (await db.execute(
        select(Approval.id, Approval.name, Project.name).join(Project, Project.id == Approval.project_id)
        .where(Approval.id.in_(ids or {0})))).all()}
    open_problems, problems_total = await coordination.search(db, actor, open_only=True, page_size=20)
    # 红旗窗口 / 服务标兵 so far this month, on the criteria the administrator set
    standing = await rankings.rankings(db, actor, today.strftime("%Y-%m"),
                                       (await criteria.current(db, request.app.state.settings)).criteria)
    government = await pages_government_time.dashboard_section(db, today)
    return page(request, "dashboard.html", actor, d=data, follow_ups=follow_ups, svg=svg, names=names,
                fsite=fsite or "", sites=await sites.readable_by(db, actor),
                listed=listed, level=level or "", standing=standing, listed_total=listed_total,
                by_site=await handover.open_by_site(db, actor),
                listed_page=escalation_page, listed_pages=max(1, -(-listed_total // ESCALATIONS_SHOWN)),
                listed_shown=ESCALATIONS_SHOWN, listed_base="/app/dashboard?" + (f"level={level}&" if level else ""),
                approval_names=approval_names, open_problems=open_problems, problems_total=problems_total, today=today,
                government=government,
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
        await visits.close(db, actor, follow_up_id, data.get("note", ""))
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
    return page(request, "reports.html", actor, start=start, end=end, rows=rows, totals=totals(rows),
                xlsx=f"/app/reports.xlsx?{query}")


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

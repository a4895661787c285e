"""The leader's report of the government's time (政府审批用时): per route and per month of the project's last
decision, the median and 90th-percentile government working days, the share of projects within the route's
target, and the worst projects with the stage where the time went. JSON or a spreadsheet."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.approvals.models import Approval
from agency.calendar.service import get_calendar
from agency.catalog.models import Route
from agency.coordination import government, stages
from agency.errors import Invalid
from agency.projects.models import Project

WORST = 3


@dataclass
class WorstProject:
    project_id: int
    code: str
    name: str
    government_workdays: int
    target_workdays: int
    slowest_stage: str | None


@dataclass
class MonthRow:
    route_code: str
    route_name: str
    month: str
    projects: int
    median_workdays: float
    p90_workdays: int
    within_target: int
    within_target_rate: float
    worst: list[WorstProject] = field(default_factory=list)


def percentile(values: list[int], share: float) -> int:
    """The nearest-rank percentile: the smallest value with at least ``share`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def median(values: list[int]) -> float:
    ordered, middle = sorted(values), len(values) // 2
    return float(ordered[middle]) if len(values) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


async def government_time(session: AsyncSession, start: date, end: date, route_code: str | None,
                          today: date) -> list[MonthRow]:
    """The report, in a fixed number of queries whatever the number of projects (the dashboard shows it)."""
    if end < start:
        raise Invalid("截止日期早于起始日期（to is before from）", field="to")
    last = (select(Approval.project_id, func.max(Approval.decided_on).label("last"))
            .group_by(Approval.project_id).subquery())
    query = (select(Project, last.c.last, Route).join(last, last.c.project_id == Project.id)
             .outerjoin(Route, Route.id == Project.route_id)
             .where(last.c.last >= start, last.c.last <= end).order_by(Project.id))
    if route_code:
        query = query.where(Project.route_code == route_code)
    rows = (await session.execute(query)).tuples().all()
    found_projects = [(project, last_decision) for project, last_decision, _ in rows]
    if not found_projects:
        return []
    ids = [project.id for project, _ in found_projects]
    routes = {project.route_id: route for project, _, route in rows}
    approvals, events = await government.approvals_and_events_of(session, ids)
    pauses = await government.mandate_pauses_of(session, ids)
    calendar = await get_calendar(session)
    groups: dict[tuple[str, str], list[WorstProject]] = {}
    names: dict[str, str] = {}
    for project, last_decision in found_projects:
        as_of, route = min(today, last_decision), routes.get(project.route_id)
        spent = government.government_workdays(government.spans_of(approvals[project.id], events, as_of),
                                               pauses[project.id], calendar, as_of)
        progress = stages.progress(stages.declared_stages(route), approvals[project.id], events, pauses[project.id],
                                   calendar, as_of)
        slowest = max(progress, key=lambda s: s.used_workdays, default=None)
        groups.setdefault((project.route_code, last_decision.strftime("%Y-%m")), []).append(WorstProject(
            project.id, project.code, project.name, spent, government.target_of(route, project.route_code),
            slowest.name if slowest is not None and slowest.used_workdays else None))
        names.setdefault(project.route_code, route.name if route is not None else project.route_code)
    rows = []
    for (code, month), found in sorted(groups.items()):
        days = [p.government_workdays for p in found]
        within = sum(1 for p in found if p.government_workdays <= p.target_workdays)
        rows.append(MonthRow(code, names[code], month, len(found), median(days), percentile(days, 0.9), within,
                             within / len(found),
                             sorted(found, key=lambda p: -p.government_workdays)[:WORST]))
    return rows


def workbook(rows: list[MonthRow], start: date, end: date) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "政府审批用时"
    sheet.append([f"政府审批用时统计（{start.isoformat()} 至 {end.isoformat()}，按最后一项审批决定的月份）"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["审批路线", "月份", "项目数", "用时中位数（工作日）", "用时90%分位（工作日）", "目标内项目数",
                  "目标内比例", "用时最长的项目"])
    for r in rows:
        worst = "；".join(f"{p.name}（{p.code}）{p.government_workdays}日" + (f"，主要在{p.slowest_stage}阶段"
                                                                          if p.slowest_stage else "")
                         for p in r.worst)
        sheet.append([r.route_name, r.month, r.projects, r.median_workdays, r.p90_workdays, r.within_target,
                      r.within_target_rate, worst])
        sheet.cell(row=sheet.max_row, column=7).number_format = "0.0%"
    for column, width in zip("ABCDEFGH", (22, 10, 8, 16, 16, 12, 10, 60), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

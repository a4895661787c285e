"""The problem ledger and coordination meetings over HTTP (API.md "Coordination")."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.coordination import joint, meetings, report, service
from agency.coordination.models import MEETING_STATUS_NAMES, Meeting
from agency.coordination.schemas import (
    JointOut,
    MeetingIn,
    MeetingOut,
    MinutesIn,
    MinutesOut,
    OpinionIn,
    PartOut,
    ProblemActionIn,
    ProblemIn,
    ProblemOut,
)
from agency.schemas import Page, PageNo, PageSize
from agency.timeutil import today_local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def problem_out(row: service.Listed) -> ProblemOut:
    p = row.problem
    return ProblemOut(id=p.id, project_id=p.project_id, project_name=row.project_name, project_code=row.project_code,
                      title=p.title, description=p.description, category=p.category, category_name=row.category_name,
                      department_code=p.department_code, department_name=row.department_name, opened_on=p.opened_on,
                      due_on=p.due_on, status=p.status, status_name=row.status_name, approval_ids=p.approval_ids,
                      notes=p.notes, meeting_id=p.meeting_id, resolved_on=p.resolved_on, version=p.version)


def meeting_out(m: Meeting, project_ids: list[int]) -> MeetingOut:
    return MeetingOut(id=m.id, title=m.title, planned_on=m.planned_on, held_on=m.held_on, status=m.status,
                      status_name=MEETING_STATUS_NAMES[m.status], project_ids=project_ids, agenda=m.agenda,
                      attendees=m.attendees, decisions=m.decisions, departments_named=meetings.departments_named(m),
                      acknowledgements=m.acknowledgements, minutes_document_id=m.minutes_document_id,
                      version=m.version)


STATUS = "^(open|responded|resolved|confirmed)$"


class ProblemController(Controller):
    tags = ["重点项目协调 coordination"]

    @post("/api/projects/{project_id:int}/problems", status_code=201,
          guards=[require_roles(Role.CLERK, Role.LEADER, Role.ADMIN)])
    async def log(self, project_id: FromPath[int], data: JSONBody[ProblemIn], actor: NamedDependency[Actor],
                  db: NamedDependency[AsyncSession]) -> ProblemOut:
        """A clerk or a leader logs a problem (问题清单) for the department that must solve it."""
        problem = await service.log(db, actor, project_id, title=data.title, description=data.description,
                                    category=data.category, department_code=data.department_code, due_on=data.due_on,
                                    approval_ids=list(data.approval_ids), today=today_local())
        return problem_out((await service.listed(db, [problem]))[0])

    @get("/api/problems")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     status: Annotated[str | None, QueryParameter(pattern=STATUS)] = None,
                     department_code: FromQuery[str | None] = None, project_id: FromQuery[int | None] = None,
                     site_code: FromQuery[str | None] = None,
                     page: PageNo = 1, page_size: PageSize = 50) -> Page[ProblemOut]:
        """The problems the caller may see, the soonest due first (a department: its own; an enterprise: its
        projects'); ``site_code``: those of the dossiers that site holds."""
        rows, total = await service.search(db, actor, status=status, department_code=department_code,
                                           project_id=project_id, page=page, page_size=page_size,
                                           site_code=site_code)
        return Page(items=[problem_out(r) for r in rows], total=total, page=page, page_size=page_size)

    @post("/api/problems/{problem_id:int}/actions", status_code=200,
          guards=[require_roles(Role.DEPARTMENT, Role.CLERK, Role.LEADER, Role.ADMIN)])
    async def act(self, problem_id: FromPath[int], data: JSONBody[ProblemActionIn], actor: NamedDependency[Actor],
                  db: NamedDependency[AsyncSession]) -> ProblemOut:
        """The department answers (respond) and marks it solved (resolve); the clerk or leader confirms or
        reopens it."""
        problem = await service.act(db, actor, problem_id, data.action, data.note, today_local(), data.version)
        return problem_out((await service.listed(db, [problem]))[0])


class MeetingController(Controller):
    path = "/api/meetings"
    tags = ["重点项目协调 coordination"]

    @post("", status_code=201, guards=[require_roles(Role.LEADER, Role.ADMIN)])
    async def call(self, data: JSONBody[MeetingIn], actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> MeetingOut:
        """A leader calls a coordination meeting (协调会); its agenda is the projects' open problems and red items."""
        meeting = await meetings.call(db, actor, title=data.title, planned_on=data.planned_on,
                                      project_ids=list(data.project_ids), today=today_local())
        return meeting_out(meeting, sorted(set(data.project_ids)))

    @post("/{meeting_id:int}/minutes", status_code=200, guards=[require_roles(Role.LEADER, Role.ADMIN)])
    async def minutes(self, meeting_id: FromPath[int], data: JSONBody[MinutesIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> MinutesOut:
        """The minutes: attendees and decisions; each decision becomes a problem, or updates the one it names."""
        made = await meetings.record_minutes(
            db, actor, meeting_id, held_on=data.held_on, attendees=list(data.attendees),
            decisions=[meetings.Decision(d.text, d.department_code, d.due_on, d.problem_id, d.project_id)
                       for d in data.decisions], today=today_local())
        meeting = await db.get_one(Meeting, meeting_id)
        ids = (await meetings.project_ids_of(db, [meeting_id]))[meeting_id]
        return MinutesOut(meeting=meeting_out(meeting, ids), minutes_document_id=meeting.minutes_document_id,
                          problems=[problem_out(r) for r in await service.listed(db, made)])

    @post("/{meeting_id:int}/acknowledge", status_code=200, guards=[require_roles(Role.DEPARTMENT)])
    async def acknowledge(self, meeting_id: FromPath[int], actor: NamedDependency[Actor],
                          db: NamedDependency[AsyncSession]) -> MeetingOut:
        """A department named in the minutes acknowledges them."""
        meeting = await meetings.acknowledge(db, actor, meeting_id)
        return meeting_out(meeting, (await meetings.project_ids_of(db, [meeting_id]))[meeting_id])

    @get("", guards=[require_roles(Role.LEADER, Role.ADMIN, Role.CLERK, Role.DEPARTMENT)])
    async def of_project(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                         project_id: FromQuery[int]) -> list[MeetingOut]:
        """The meetings of one project the caller may see, the latest first."""
        found = await meetings.of_project(db, actor, project_id)
        ids = await meetings.project_ids_of(db, [m.id for m in found])
        return [meeting_out(m, ids[m.id]) for m in found]

    @get("/{meeting_id:int}", guards=[require_roles(Role.LEADER, Role.ADMIN, Role.CLERK, Role.DEPARTMENT)])
    async def get_one(self, meeting_id: FromPath[int], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> MeetingOut:
        meeting = await meetings.get(db, actor, meeting_id)
        return meeting_out(meeting, (await meetings.project_ids_of(db, [meeting_id]))[meeting_id])


class GovernmentTimeController(Controller):
    path = "/api/reports/government-time"
    tags = ["重点项目协调 coordination"]

    @get("", guards=[require_roles(Role.LEADER, Role.ADMIN)])
    async def show(self, db: NamedDependency[AsyncSession],
                   date_from: Annotated[date | None, QueryParameter(name="from")] = None,
                   date_to: Annotated[date | None, QueryParameter(name="to")] = None,
                   route_code: FromQuery[str | None] = None,
                   format: Annotated[str, QueryParameter(pattern="^(json|xlsx)$")] = "json",
                   ) -> Response[bytes] | list[report.MonthRow]:
        """Per route and month of the last decision: median and 90th-percentile government working days, the
        share within the route's target, the worst projects and the stage where the time went (default: this
        year up to today); ``format=xlsx`` for a spreadsheet."""
        today = today_local()
        start, end = date_from or date(today.year, 1, 1), date_to or today
        rows = await report.government_time(db, start, end, route_code, today)
        if format != "xlsx":
            return rows
        name = f"government-time_{start.isoformat()}_{end.isoformat()}.xlsx"
        return Response(report.workbook(rows, start, end), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def joint_out(state: joint.JointState) -> JointOut:
    return JointOut(approval_id=state.approval_id, lead_department_code=state.lead_department_code,
                    all_passed=state.all_passed, participants=[PartOut(
                        code=p.code, name=p.name, department_code=p.department_code,
                        department_name=p.department_name, status=p.status,  # type: ignore[arg-type]
                        status_name=p.status_name, round=p.round, findings=p.findings, recorded_on=p.recorded_on)
                        for p in state.parts])


class JointOpinionController(Controller):
    path = "/api/approvals/{approval_id:int}/opinions"
    tags = ["重点项目协调 coordination"]

    @post("", status_code=200, guards=[require_roles(Role.DEPARTMENT)])
    async def record(self, approval_id: FromPath[int], data: JSONBody[OpinionIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> JointOut:
        """A participant department records its joint-acceptance opinion (联合验收意见): pass, or fail with
        findings; after a failure its next opinion is the re-inspection."""
        state = await joint.record(db, actor, approval_id, passed=data.passed, findings=list(data.findings),
                                   participant=data.participant, today=today_local())
        return joint_out(state)

    @get("")
    async def show(self, approval_id: FromPath[int], actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> JointOut:
        """Each participant's part of the joint item: pending, passed, or failed with its findings."""
        return joint_out(await joint.show(db, actor, approval_id))

"""Coordination meetings (协调会): a leader calls one for one or several projects with an agenda drawn from their
open problems and red items; its minutes record who attended and what was decided, each decision naming a
department and a due date and becoming a problem (or updating one); every department named acknowledges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.coordination import service as problems
from agency.coordination.models import Meeting, MeetingProject, Problem
from agency.errors import Conflict, Forbidden, Invalid
from agency.escalation.models import Escalation
from agency.jobs import service as jobs
from agency.notifications import service as outbox
from agency.projects.handover import site_projects
from agency.projects.models import Project

# Asked for by name: the documents package reads coordination, not the other way round.
MINUTES_JOB = "papers.meeting_minutes"


def _visibility(actor: Actor) -> ColumnElement[bool]:
    site = site_projects(actor)  # a site's clerk: the meetings on a dossier his site sees
    if site is not None:
        return Meeting.id.in_(select(MeetingProject.meeting_id).where(MeetingProject.project_id.in_(site)))
    if actor.role in (Role.ADMIN, Role.LEADER, Role.CLERK):
        return true()
    if actor.role is Role.DEPARTMENT:
        # A department sees the meetings of the projects it holds an approval or a problem of.
        holds = (select(Approval.project_id).where(Approval.department_code == actor.department_code)
                 .union(select(Problem.project_id).where(Problem.department_code == actor.department_code)))
        return Meeting.id.in_(select(MeetingProject.meeting_id).where(MeetingProject.project_id.in_(holds)))
    return false()


Visibility.register(Meeting, _visibility)


@dataclass(frozen=True, slots=True)
class Decision:
    text: str
    department_code: str
    due_on: date
    problem_id: int | None = None
    project_id: int | None = None


async def project_ids_of(session: AsyncSession, meeting_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {m: [] for m in meeting_ids}
    for meeting_id, project_id in (await session.execute(select(MeetingProject.meeting_id, MeetingProject.project_id)
                                                          .where(MeetingProject.meeting_id.in_(meeting_ids or [0]))
                                                          .order_by(MeetingProject.project_id))).all():
        found[meeting_id].append(project_id)
    return found


async def agenda_of(session: AsyncSession, project_ids: list[int]) -> list[dict[str, Any]]:
    """The open problems and the red items (open red or higher firings of an approval) of these projects."""
    names: dict[int, str] = {i: n for i, n in (await session.execute(
        select(Project.id, Project.name).where(Project.id.in_(project_ids)))).all()}
    agenda: list[dict[str, Any]] = []
    for p in (await session.execute(problems.open_of_projects(project_ids))).scalars():
        agenda.append({"kind": "problem", "problem_id": p.id, "project_id": p.project_id,
                       "project_name": names[p.project_id], "title": p.title,
                       "department_code": p.department_code, "due_on": p.due_on.isoformat()})
    red = (await session.execute(
        select(Approval.id, Approval.project_id, Approval.name, Approval.department_code)
        .where(Approval.project_id.in_(project_ids), Approval.id.in_(
            select(Escalation.approval_id).where(Escalation.level.in_(("red", "l3")),
                                                 Escalation.status.in_(("open", "acknowledged")))))
        .order_by(Approval.project_id, Approval.id))).all()
    for approval_id, project_id, name, department_code in red:
        agenda.append({"kind": "red_item", "approval_id": approval_id, "project_id": project_id,
                       "project_name": names[project_id], "title": f"红牌事项：{name}",
                       "department_code": department_code, "due_on": None})
    return agenda


async def call(session: AsyncSession, actor: Actor, *, title: str, planned_on: date, project_ids: list[int],
               today: date) -> Meeting:
    if actor.role not in (Role.LEADER, Role.ADMIN):
        raise Forbidden("协调会由领导召集（leaders call coordination meetings）")
    title = title.strip()
    if len(title) < 2:
        raise Invalid("须填写会议名称（title is required）", field="title")
    if planned_on < today:
        raise Invalid("会议日期不能早于今天（planned_on is in the past）", field="planned_on")
    ids = sorted(set(project_ids))
    if not ids:
        raise Invalid("须选择至少一个项目（project_ids is required）", field="project_ids")
    found = set((await session.execute(visible(Project, actor).with_only_columns(Project.id)
                                       .where(Project.id.in_(ids)))).scalars())
    if found != set(ids):
        raise Invalid(f"项目不存在：{sorted(set(ids) - found)}（unknown project）", field="project_ids")
    meeting = Meeting(title=title, planned_on=planned_on, status="planned", called_by=actor.user_id,
                      agenda=await agenda_of(session, ids), attendees=[], decisions=[], acknowledgements={},
                      created_at=timeutil.now())
    session.add(meeting)
    await session.flush()
    session.add_all(MeetingProject(meeting_id=meeting.id, project_id=p) for p in ids)
    await session.flush()
    await audit.record(session, actor, "meeting.call", "meeting", meeting.id, project_id=ids[0],
                       after={"title": title, "planned_on": planned_on.isoformat(), "project_ids": ids})
    return meeting


async def record_minutes(session: AsyncSession, actor: Actor, meeting_id: int, *, held_on: date,
                         attendees: list[str], decisions: list[Decision], today: date) -> list[Problem]:
    """The minutes: each decision becomes a problem of its project (or updates the one it names)."""
    meeting = await get_visible(session, Meeting, meeting_id, actor, what="协调会")
    if actor.role not in (Role.LEADER, Role.ADMIN):
        raise Forbidden("会议纪要由召集会议的领导记录（leaders record the minutes）")
    if meeting.status != "planned":
        raise Conflict("该协调会的纪要已记录（minutes already recorded）", field="meeting")
    if held_on > today:
        raise Invalid("召开日期不能晚于今天（held_on is in the future）", field="held_on")
    people = [a.strip() for a in attendees if a.strip()]
    if not people:
        raise Invalid("须填写参会人员（attendees is required）", field="attendees")
    if not decisions:
        raise Invalid("须至少记录一项议定事项（decisions is required）", field="decisions")
    project_ids = (await project_ids_of(session, [meeting.id]))[meeting.id]
    made: list[Problem] = []
    for i, d in enumerate(decisions):
        field = f"decisions[{i}]"
        text = d.text.strip()
        if len(text) < 2:
            raise Invalid(f"第{i + 1}项议定事项须写明内容（text is required）", field=f"{field}.text")
        if await session.get(Department, d.department_code) is None:
            raise Invalid(f"第{i + 1}项的责任部门不存在（unknown department）", field=f"{field}.department_code")
        if d.due_on < held_on:
            raise Invalid(f"第{i + 1}项的完成期限早于会议日期（due_on before held_on）", field=f"{field}.due_on")
        if d.problem_id is not None:
            problem = await session.get(Problem, d.problem_id)
            if problem is None or problem.project_id not in project_ids:
                raise Invalid(f"第{i + 1}项所指问题不属于本次会议的项目（problem not on the agenda）",
                              field=f"{field}.problem_id")
            made.append(await problems.update_from_decision(session, actor, problem, text=text,
                                                            department_code=d.department_code, due_on=d.due_on,
                                                            today=today))
            continue
        project_id = d.project_id if d.project_id is not None else (project_ids[0] if len(project_ids) == 1 else None)
        if project_id is None or project_id not in project_ids:
            raise Invalid(f"第{i + 1}项须指明本次会议的一个项目（project_id is required）", field=f"{field}.project_id")
        made.append(await problems.log(session, actor, project_id, title=text[:200], description=f"{meeting.title}议定",
                                       category="other", department_code=d.department_code,
                                       due_on=max(d.due_on, today), approval_ids=[], today=today,
                                       meeting_id=meeting.id))
    meeting.status, meeting.held_on, meeting.attendees = "held", held_on, people
    meeting.decisions = [{"text": d.text.strip(), "department_code": d.department_code, "due_on": d.due_on.isoformat(),
                          "problem_id": p.id, "project_id": p.project_id} for d, p in zip(decisions, made, strict=True)]
    meeting.version += 1
    await session.flush()
    await audit.record(session, actor, "meeting.minutes", "meeting", meeting.id, project_id=project_ids[0],
                       after={"held_on": held_on.isoformat(), "attendees": people, "decisions": meeting.decisions})
    named = sorted({d.department_code for d in decisions})
    await outbox.write(session, [outbox.Message(
        f"meeting:{meeting.id}:minutes", f"协调会纪要：{meeting.title}",
        f"{held_on.isoformat()}召开的“{meeting.title}”议定了需贵部门落实的事项，请查阅纪要并签收。", "meeting",
        meeting.id, project_ids[0], users=User.department_code.in_(named))])
    # The 会议纪要, numbered and sent to the departments named: rendered after the commit (agency/documents/jobs.py).
    await jobs.enqueue(session, MINUTES_JOB, {"meeting_id": meeting.id, "today": today.isoformat(),
                                              "actor": jobs.actor_payload(actor)}, actor=actor)
    return made


def departments_named(meeting: Meeting) -> list[str]:
    return sorted({d["department_code"] for d in meeting.decisions})


async def acknowledge(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await get_visible(session, Meeting, meeting_id, actor, what="协调会")
    if actor.role is not Role.DEPARTMENT or actor.department_code is None:
        raise Forbidden("会议纪要由议定事项的责任部门签收（the departments named acknowledge）")
    if meeting.status != "held":
        raise Conflict("会议尚未形成纪要（no minutes yet）", field="meeting")
    if actor.department_code not in departments_named(meeting):
        raise Forbidden("纪要未给贵部门议定事项，无需签收（your department is not named）")
    if actor.department_code in meeting.acknowledgements:
        raise Conflict("贵部门已签收该纪要（already acknowledged）", field="meeting")
    meeting.acknowledgements = {**meeting.acknowledgements, actor.department_code: {
        "by": actor.user_id, "by_name": actor.username, "at": timeutil.now().isoformat()}}
    meeting.version += 1
    await session.flush()
    await audit.record(session, actor, "meeting.acknowledge", "meeting", meeting.id,
                       after={"department_code": actor.department_code})
    return meeting


async def of_project(session: AsyncSession, actor: Actor, project_id: int) -> list[Meeting]:
    return list((await session.execute(visible(Meeting, actor).where(Meeting.id.in_(
        select(MeetingProject.meeting_id).where(MeetingProject.project_id == project_id)))
        .order_by(Meeting.planned_on.desc(), Meeting.id.desc()))).scalars())


async def get(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    return await get_visible(session, Meeting, meeting_id, actor, what="协调会")

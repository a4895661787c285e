"""The problem ledger (问题清单): logging a problem, working it, confirming it, and who sees which.

A clerk or a leader logs a problem on a project; the responsible department answers with progress notes and
marks it solved; the clerk (or the leader) confirms it or reopens it. Each change checks role, state and
``version`` and writes its audit line and messages in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.coordination.models import ACTION_NAMES, CATEGORY_NAMES, OPEN_PROBLEM_STATES, PROBLEM_STATUS_NAMES, Problem
from agency.db.paging import paginate
from agency.errors import Conflict, Forbidden, Invalid
from agency.notifications import service as outbox
from agency.projects.handover import held_by, require_holder, require_holder_of, site_projects
from agency.projects.models import Project
from agency.sites import service as sites

Action = Literal["respond", "resolve", "confirm", "reopen"]
# Which state each action leaves from, and where it goes.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "respond": (("open", "responded"), "responded"),
    "resolve": (("open", "responded"), "resolved"),
    "confirm": (("resolved",), "confirmed"),
    "reopen": (("resolved", "confirmed"), "open"),
}


def _visibility(actor: Actor) -> ColumnElement[bool]:
    site = site_projects(actor)  # a site's clerk: the problems of the dossiers his site sees
    if site is not None:
        return Problem.project_id.in_(site)
    if actor.role in (Role.ADMIN, Role.LEADER, Role.CLERK):
        return true()
    if actor.role is Role.DEPARTMENT:
        return Problem.department_code == actor.department_code
    if actor.role is Role.ENTERPRISE and actor.enterprise_id is not None:
        # The enterprise sees its own projects' problems and their state.
        return Problem.project_id.in_(select(Project.id).where(Project.enterprise_id == actor.enterprise_id))
    return false()


Visibility.register(Problem, _visibility)


@dataclass(frozen=True, slots=True)
class Listed:
    problem: Problem
    project_name: str
    project_code: str
    department_name: str

    @property
    def status_name(self) -> str:
        return PROBLEM_STATUS_NAMES[self.problem.status]

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES[self.problem.category]


async def listed(session: AsyncSession, problems: list[Problem]) -> list[Listed]:
    """The names users read, for these problems: one statement."""
    ids = {p.id for p in problems}
    rows = (await session.execute(select(Problem.id, Project.name, Project.code, Department.name)
                                  .join(Project, Project.id == Problem.project_id)
                                  .join(Department, Department.code == Problem.department_code)
                                  .where(Problem.id.in_(ids or {0})))).all()
    names = {row[0]: row[1:] for row in rows}
    return [Listed(p, *names[p.id]) for p in problems]


async def search(session: AsyncSession, actor: Actor, *, status: str | None = None, department_code: str | None = None,
                 project_id: int | None = None, open_only: bool = False, page: int = 1,
                 page_size: int = 50, site_code: str | None = None) -> tuple[list[Listed], int]:
    """The problems the actor may see, the soonest due first; ``site_code``: those of the dossiers that site
    holds."""
    query = visible(Problem, actor)
    if site_code:
        query = query.where(Problem.project_id.in_(held_by(site_code)))
    for column, value in ((Problem.status, status), (Problem.department_code, department_code),
                          (Problem.project_id, project_id)):
        if value is not None:
            query = query.where(column == value)
    if open_only:
        query = query.where(Problem.status.in_(OPEN_PROBLEM_STATES))
    rows, total = await paginate(session, query, order_by=(Problem.due_on, Problem.id), page=page,
                                 page_size=page_size)
    await sites.require_known(session, site_code, total)
    return await listed(session, rows), total


async def _department(session: AsyncSession, code: str, field: str) -> Department:
    department = await session.get(Department, code)
    if department is None:
        raise Invalid(f"责任部门“{code}”不存在（unknown department）", field=field)
    return department


def _text(value: str, field: str, what: str, least: int = 2) -> str:
    value = value.strip()
    if len(value) < least:
        raise Invalid(f"须填写{what}（{field} is required）", field=field)
    return value


def _note(actor: Actor, action: str, note: str, today: date) -> dict[str, Any]:
    return {"on": today.isoformat(), "at": timeutil.now().isoformat(), "by": actor.user_id,
            "by_name": actor.username, "action": action, "note": note}


async def log(session: AsyncSession, actor: Actor, project_id: int, *, title: str, description: str, category: str,
              department_code: str, due_on: date, approval_ids: list[int], today: date,
              meeting_id: int | None = None) -> Problem:
    """A clerk or a leader logs a problem on a project (a meeting's decision logs one as its leader)."""
    if actor.role not in (Role.CLERK, Role.LEADER, Role.ADMIN):
        raise Forbidden("问题由代办员或领导登记（clerks and leaders log problems）")
    project = await get_visible(session, Project, project_id, actor, what="项目")
    await require_holder(session, actor, project)  # a site that handed the dossier away only reads it
    if category not in CATEGORY_NAMES:
        raise Invalid("问题类别须为用地、规划、配套、资金或其他（unknown category）", field="category")
    await _department(session, department_code, "department_code")
    if due_on < today:
        raise Invalid("解决期限不能早于今天（due_on is in the past）", field="due_on")
    if approval_ids:
        found = set((await session.execute(select(Approval.id).where(
            Approval.id.in_(approval_ids), Approval.project_id == project.id))).scalars())
        if found != set(approval_ids):
            raise Invalid("所阻碍的事项须为本项目的事项（approval not in this project）", field="approval_ids")
    problem = Problem(project_id=project.id, title=_text(title, "title", "问题标题"),
                      description=description.strip(), category=category, department_code=department_code,
                      opened_on=today, due_on=due_on, status="open", approval_ids=sorted(set(approval_ids)),
                      notes=[], meeting_id=meeting_id, opened_by=actor.user_id, created_at=timeutil.now())
    session.add(problem)
    await session.flush()
    await audit.record(session, actor, "problem.log", "problem", problem.id, project_id=project.id,
                       after={"title": problem.title, "category": category, "department_code": department_code,
                              "due_on": due_on.isoformat(), "approval_ids": problem.approval_ids,
                              "meeting_id": meeting_id})
    await _tell_department(session, problem, project, f"新的协调问题：{problem.title}",
                           f"项目“{project.name}”（{project.code}）登记了需贵部门解决的问题“{problem.title}”，"
                           f"请于{due_on.isoformat()}前解决并答复。")
    return problem


async def _tell_department(session: AsyncSession, problem: Problem, project: Project, subject: str,
                           body: str) -> None:
    await outbox.write(session, [outbox.Message(
        f"problem:{problem.id}:{problem.version}:{problem.status}", subject, body, "problem", problem.id,
        project.id, users=User.department_code == problem.department_code)])


def _may(actor: Actor, action: str, problem: Problem, department: Department) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if action in ("respond", "resolve"):
        # The responsible department works it; the clerk records it for a department that works offline.
        return ((actor.role is Role.DEPARTMENT and actor.department_code == problem.department_code)
                or (actor.role is Role.CLERK and department.mode == "offline"))
    return actor.role in (Role.CLERK, Role.LEADER)


async def act(session: AsyncSession, actor: Actor, problem_id: int, action: str, note: str, today: date,
              version: int | None = None) -> Problem:
    problem = await get_visible(session, Problem, problem_id, actor, what="问题")
    if action not in TRANSITIONS:
        raise Invalid("操作须为答复、解决、确认或重新打开（unknown action）", field="action")
    department = await session.get_one(Department, problem.department_code)
    if not _may(actor, action, problem, department):
        who = "责任部门" if action in ("respond", "resolve") else "代办员或领导"
        raise Forbidden(f"“{ACTION_NAMES[action]}”由{who}操作（role may not {action} this problem）")
    await require_holder_of(session, actor, problem.project_id)
    sources, target = TRANSITIONS[action]
    if problem.status not in sources:
        raise Conflict(f"问题当前为“{PROBLEM_STATUS_NAMES[problem.status]}”，不能{ACTION_NAMES[action]}"
                       f"（not allowed in state {problem.status}）", field="action", extra={"status": problem.status})
    if version is not None and version != problem.version:
        raise Conflict("问题已被他人修改，请刷新后重试（version mismatch）", field="version",
                       extra={"version": problem.version})
    text = _text(note, "note", "说明", least=2 if action in ("respond", "reopen") else 0)
    before = {"status": problem.status}
    problem.status = target
    problem.notes = [*problem.notes, _note(actor, action, text, today)]
    problem.resolved_on = today if target in ("resolved", "confirmed") else (
        problem.resolved_on if target == "responded" else None)
    problem.version += 1
    await session.flush()
    await audit.record(session, actor, f"problem.{action}", "problem", problem.id, project_id=problem.project_id,
                       before=before, after={"status": target, "note": text})
    if action == "reopen":
        project = await session.get_one(Project, problem.project_id)
        await _tell_department(session, problem, project, f"协调问题重新打开：{problem.title}",
                               f"项目“{project.name}”的问题“{problem.title}”经核实未解决，已重新打开：{text}")
    return problem


async def update_from_decision(session: AsyncSession, actor: Actor, problem: Problem, *, text: str,
                               department_code: str, due_on: date, today: date) -> Problem:
    """A meeting's decision on an existing problem: it names who and by when; a closed problem opens again."""
    before = {"status": problem.status, "department_code": problem.department_code,
              "due_on": problem.due_on.isoformat()}
    problem.department_code, problem.due_on = department_code, due_on
    if problem.status in ("resolved", "confirmed"):
        problem.status, problem.resolved_on = "open", None
    problem.notes = [*problem.notes, _note(actor, "decision", text, today)]
    problem.version += 1
    await session.flush()
    await audit.record(session, actor, "problem.decision", "problem", problem.id, project_id=problem.project_id,
                       before=before, after={"status": problem.status, "department_code": department_code,
                                             "due_on": due_on.isoformat(), "decision": text})
    return problem


def open_of_projects(project_ids: list[int]) -> Any:
    """The open problems of these projects (a statement)."""
    return (select(Problem).where(Problem.project_id.in_(project_ids or [0]),
                                  Problem.status.in_(OPEN_PROBLEM_STATES))
            .order_by(Problem.due_on, Problem.id))


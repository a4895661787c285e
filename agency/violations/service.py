"""Recording a violation (in the caller's transaction, once per approval, kind and occasion) and listing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, column, false, select, table, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, visible
from agency.catalog.models import Department
from agency.db.paging import paginate
from agency.projects.handover import site_projects
from agency.projects.models import Project
from agency.violations.models import Violation

# The approvals package records violations, so this one reads the approval's name without importing it.
_approvals = table("approvals", column("id"), column("name"), column("department_code"), column("project_id"))

COLUMNS = ["kind", "approval_id", "project_id", "department_code", "occasion", "occurred_on", "detail", "recorded_at"]
KEY = ["approval_id", "kind", "occasion"]


def _visibility(actor: Actor) -> ColumnElement[bool]:
    # Supervision of the departments: the center sees all; a department its own; an enterprise none; a township
    # hall's (or sub-center's) clerk those on the dossiers his site sees.
    site = site_projects(actor)
    if site is not None:
        return Violation.project_id.in_(site)
    if actor.role in (Role.ADMIN, Role.LEADER, Role.CLERK):
        return true()
    if actor.role is Role.DEPARTMENT:
        return Violation.department_code == actor.department_code
    return false()


Visibility.register(Violation, _visibility)


def _insert(session: AsyncSession) -> Any:
    return pg_insert(Violation) if session.get_bind().dialect.name == "postgresql" else sqlite_insert(Violation)


async def record(session: AsyncSession, *, kind: str, approval_id: int, project_id: int, department_code: str,
                 occurred_on: date, detail: dict[str, Any], occasion: str = "") -> bool:
    """True if this breach was new (not recorded before)."""
    statement = _insert(session).values(
        kind=kind, approval_id=approval_id, project_id=project_id, department_code=department_code,
        occasion=occasion, occurred_on=occurred_on, detail=detail, recorded_at=timeutil.now(),
    ).on_conflict_do_nothing(index_elements=KEY).returning(Violation.id)
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def record_all(session: AsyncSession, rows: Select[Any]) -> list[int]:
    """Many breaches found by one statement (the sweep): columns in COLUMNS order; the ids of the new ones."""
    statement = (_insert(session).from_select(COLUMNS, rows).on_conflict_do_nothing(index_elements=KEY)
                 .returning(Violation.id))
    return list((await session.execute(statement)).scalars())


@dataclass(frozen=True, slots=True)
class Listed:
    violation: Violation
    department_name: str
    approval_name: str
    project_name: str


async def search(session: AsyncSession, actor: Actor, *, department_code: str | None, kind: str | None,
                 start: date | None, end: date | None, approval_id: int | None, page: int,
                 page_size: int) -> tuple[list[Listed], int]:
    query = visible(Violation, actor)
    for attribute, value in ((Violation.department_code, department_code), (Violation.kind, kind),
                             (Violation.approval_id, approval_id)):
        if value is not None:
            query = query.where(attribute == value)
    if start is not None:
        query = query.where(Violation.occurred_on >= start)
    if end is not None:
        query = query.where(Violation.occurred_on <= end)
    rows, total = await paginate(session, query, order_by=Violation.id.desc(), page=page, page_size=page_size)
    # The names users read, for the page's rows only.
    names = {approval_id: (department, approval, project) for approval_id, department, approval, project in (
        await session.execute(select(_approvals.c.id, Department.name, _approvals.c.name, Project.name)
                              .join(Department, Department.code == _approvals.c.department_code)
                              .join(Project, Project.id == _approvals.c.project_id)
                              .where(_approvals.c.id.in_({v.approval_id for v in rows})))).all()}
    return [Listed(v, *names[v.approval_id]) for v in rows], total

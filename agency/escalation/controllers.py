from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.accounts.auth import require_roles
from agency.documents.controllers import papers_of
from agency.escalation import service
from agency.escalation.models import Escalation
from agency.schemas import Page, PageNo, PageSize, RequestBody, ResponseBody
from agency.timeutil import today_local


class EscalationOut(ResponseBody):
    id: int
    approval_id: int
    project_id: int
    department_code: str
    rule: str
    level: str
    level_name: str
    status: str
    as_of: date
    fired_at: datetime
    due_on: date | None
    overdue_workdays: int
    targets: list[Any]
    supervision_notice_id: int | None
    acknowledged_at: datetime | None
    acknowledge_note: str | None
    resolved_at: datetime | None
    resolve_note: str | None


class NoteIn(RequestBody):
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class SweepIn(RequestBody):
    as_of: date | None = None


class SweepOut(ResponseBody):
    checked: int
    fired: dict[str, int]
    as_of: date


def escalation_out(e: Escalation) -> EscalationOut:
    return EscalationOut(id=e.id, approval_id=e.approval_id, project_id=e.project_id,
                         department_code=e.department_code, rule=e.rule, level=e.level,
                         level_name=service.LEVEL_WORDS[e.level], status=e.status, as_of=e.as_of, fired_at=e.fired_at,
                         due_on=e.due_on, overdue_workdays=e.overdue_workdays, targets=e.targets or [],
                         supervision_notice_id=e.document_id, acknowledged_at=e.acknowledged_at,
                         acknowledge_note=e.acknowledge_note, resolved_at=e.resolved_at, resolve_note=e.resolve_note)


class EscalationController(Controller):
    path = "/api/escalations"
    tags = ["电子监察 escalations"]

    @get("")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     status: Annotated[str | None, QueryParameter(pattern="^(open|acknowledged|resolved)$")] = None,
                     level: Annotated[str | None, QueryParameter(pattern="^(prompt|yellow|red|l3)$")] = None,
                     department_code: FromQuery[str | None] = None, project_id: FromQuery[int | None] = None,
                     approval_id: FromQuery[int | None] = None,
                     page: PageNo = 1,
                     page_size: PageSize = 50
                     ) -> Page[EscalationOut]:
        """Scoped: a department sees its own, a clerk his projects', leaders all."""
        rows, total = await service.search(db, actor, status=status, level=level, department_code=department_code,
                                           project_id=project_id, approval_id=approval_id, page=page,
                                           page_size=page_size)
        return Page(items=[escalation_out(e) for e in rows], total=total, page=page, page_size=page_size)

    @post("/{escalation_id:int}/acknowledge", status_code=200,
          guards=[require_roles(Role.DEPARTMENT, Role.LEADER, Role.ADMIN)])
    async def acknowledge(self, escalation_id: FromPath[int], data: JSONBody[NoteIn],
                          actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> EscalationOut:
        return escalation_out(await service.acknowledge(db, actor, escalation_id, data.note))

    @post("/{escalation_id:int}/resolve", status_code=200, guards=[require_roles(Role.LEADER, Role.ADMIN, Role.CLERK)])
    async def resolve(self, escalation_id: FromPath[int], data: JSONBody[NoteIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> EscalationOut:
        return escalation_out(await service.resolve(db, actor, escalation_id, data.note))

    @post("/sweep", status_code=200, guards=[require_roles(Role.ADMIN)])
    async def sweep(self, data: JSONBody[SweepIn], state: State, actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> SweepOut:
        """Run the same sweep as the scheduler, now (optionally as of another date)."""
        as_of = data.as_of or today_local()
        result = await service.run(db, as_of, state.settings, papers_of(state))
        return SweepOut(checked=result.checked, fired=result.fired, as_of=as_of)

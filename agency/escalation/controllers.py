from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.escalation import service
from agency.escalation.models import Escalation
from agency.schemas import Page, PageNo, PageSize, RequestBody, ResponseBody


class EscalationOut(ResponseBody):
    id: int
    subject_type: str
    subject_id: int
    occasion: str
    approval_id: int | None
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
    provisional: bool = False
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None


class NoteIn(RequestBody):
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


def escalation_out(e: Escalation) -> EscalationOut:
    return EscalationOut(id=e.id, subject_type=e.subject_type, subject_id=e.subject_id, occasion=e.occasion,
                         provisional=e.provisional, withdrawn_at=e.withdrawn_at, withdrawn_reason=e.withdrawn_reason,
                         approval_id=e.approval_id, project_id=e.project_id,
                         department_code=e.department_code, rule=e.rule, level=e.level,
                         level_name=service.LEVEL_WORDS[e.level], status=e.status, as_of=e.as_of, fired_at=e.fired_at,
                         due_on=e.due_on, overdue_workdays=e.overdue_workdays, targets=e.targets or [],
                         supervision_notice_id=e.document_id, acknowledged_at=e.acknowledged_at,
                         acknowledge_note=e.acknowledge_note, resolved_at=e.resolved_at, resolve_note=e.resolve_note)


STATUS_PATTERN = "^(open|acknowledged|resolved|withdrawn)$"


class EscalationController(Controller):
    path = "/api/escalations"
    tags = ["电子监察 escalations"]

    @get("")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     status: Annotated[str | None, QueryParameter(pattern=STATUS_PATTERN)] = None,
                     level: Annotated[str | None, QueryParameter(pattern="^(prompt|yellow|red|l3)$")] = None,
                     department_code: FromQuery[str | None] = None, project_id: FromQuery[int | None] = None,
                     approval_id: FromQuery[int | None] = None, site_code: FromQuery[str | None] = None,
                     page: PageNo = 1,
                     page_size: PageSize = 50
                     ) -> Page[EscalationOut]:
        """Scoped: a department sees its own, a clerk his projects' (a site's clerk: his site's), leaders all;
        ``site_code``: those of the dossiers that site holds."""
        rows, total = await service.search(db, actor, status=status, level=level, department_code=department_code,
                                           project_id=project_id, approval_id=approval_id, page=page,
                                           page_size=page_size, site_code=site_code)
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

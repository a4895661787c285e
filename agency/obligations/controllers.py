"""/api/obligations: what the enterprise owes after a decision, with the time left; extensions; the
milestone (开工) that meets them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, require_roles
from agency.obligations import service
from agency.obligations.models import STATUS_WORDS, Obligation
from agency.obligations.schemas import ExtendIn, ExtensionOut, MeetIn, ObligationOut, ObligationPage


def obligation_out(o: Obligation, today: date) -> ObligationOut:
    status = service.status_of(o, today)
    return ObligationOut(
        id=o.id, approval_id=o.approval_id, project_id=o.project_id, department_code=o.department_code,
        kind=o.code, name=o.name, due_on=o.due_on, status=status, status_name=STATUS_WORDS[status],
        extensions=[ExtensionOut(until=date.fromisoformat(e["until"]), document_file_id=e.get("document_file_id"),
                                 recorded_on=date.fromisoformat(e["recorded_on"])) for e in o.extensions],
        extensions_left=max(0, int(o.rule.get("max_extensions") or 0) - len(o.extensions)),
        days_left=(o.due_on - today).days, starts_on=o.starts_on, original_due_on=o.original_due_on,
        met_on=o.met_on, met_by_milestone=o.rule.get("met_by"), consequence=o.rule.get("consequence", ""),
        legal_basis=o.rule.get("legal_basis", ""), version=o.version)


class ObligationController(Controller):
    path = "/api/obligations"
    tags = ["义务 obligations"]

    @get("")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     project_id: Annotated[int | None, QueryParameter(ge=1, le=2**53)] = None,
                     due_before: Annotated[date | None, QueryParameter()] = None,
                     status: Annotated[str | None, QueryParameter(pattern="^(open|met|overdue|extended)$")] = None,
                     site_code: FromQuery[str | None] = None) -> ObligationPage:
        """The obligations the actor may see (an enterprise its own, a department its approvals'), soonest first;
        ``site_code``: those of the dossiers that site holds."""
        today = timeutil.today()
        rows, total = await service.search(db, actor, project_id=project_id, due_before=due_before, status=status,
                                           today=today, site_code=site_code)
        return ObligationPage(items=[obligation_out(r.obligation, today) for r in rows], total=total)

    @post("/{obligation_id:int}/extend", status_code=200,
          guards=[require_roles(Role.ADMIN, Role.CLERK, Role.DEPARTMENT)])
    async def extend(self, obligation_id: FromPath[int], data: JSONBody[ExtendIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> ObligationOut:
        """Records the department's extension (its decision scanned as ``document_file_id``)."""
        today = timeutil.today()
        obligation = await service.extend(db, actor, obligation_id, until=data.until,
                                          document_file_id=data.document_file_id, version=data.version, today=today)
        return obligation_out(obligation, today)

    @post("/{obligation_id:int}/meet", status_code=200,
          guards=[require_roles(Role.ADMIN, Role.CLERK, Role.DEPARTMENT)])
    async def meet(self, obligation_id: FromPath[int], data: JSONBody[MeetIn], actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> ObligationPage:
        """Enters the milestone (开工) on the obligation: every open one of the project waiting on it is met."""
        today = timeutil.today()
        met = await service.meet(db, actor, obligation_id, met_on=data.met_on, note=data.note, today=today)
        return ObligationPage(items=[obligation_out(o, today) for o in met], total=len(met))

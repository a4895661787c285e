from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.schemas import Page, PageNo, PageSize, ResponseBody
from agency.violations import service
from agency.violations.models import KIND_NAMES

KIND_PATTERN = "^(" + "|".join(KIND_NAMES) + ")$"


class ViolationOut(ResponseBody):
    id: int
    kind: str
    kind_name: str
    approval_id: int
    project_id: int
    approval_name: str
    project_name: str
    department_code: str
    department_name: str
    occurred_on: date
    detail: dict[str, Any]


def violation_out(row: service.Listed) -> ViolationOut:
    v = row.violation
    return ViolationOut(id=v.id, kind=v.kind, kind_name=KIND_NAMES[v.kind], approval_id=v.approval_id,
                        approval_name=row.approval_name, project_id=v.project_id, project_name=row.project_name,
                        department_code=v.department_code, department_name=row.department_name,
                        occurred_on=v.occurred_on, detail=v.detail)


class ViolationController(Controller):
    path = "/api/violations"
    tags = ["违法违规记录 violations"]

    @get("", guards=[require_roles(Role.ADMIN, Role.LEADER, Role.CLERK, Role.DEPARTMENT)])
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     department_code: FromQuery[str | None] = None,
                     kind: Annotated[str | None, QueryParameter(pattern=KIND_PATTERN)] = None,
                     start: Annotated[date | None, QueryParameter(query="from")] = None,
                     end: Annotated[date | None, QueryParameter(query="to")] = None,
                     approval_id: FromQuery[int | None] = None, page: PageNo = 1,
                     page_size: PageSize = 50) -> Page[ViolationOut]:
        """A department's breaches of the law's own rules, scoped like escalations (a department sees its own)."""
        rows, total = await service.search(db, actor, department_code=department_code, kind=kind, start=start,
                                           end=end, approval_id=approval_id, page=page, page_size=page_size)
        return Page(items=[violation_out(v) for v in rows], total=total, page=page, page_size=page_size)

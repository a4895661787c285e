"""The departments' checks of commitments (告知承诺 → 事后核查): the list and the recording of a finding."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.approvals import commitments
from agency.schemas import Page, PageNo, PageSize, RequestBody, ResponseBody
from agency.timeutil import today_local


class CheckIn(RequestBody):
    result: Literal["confirmed", "false"]
    version: Annotated[int, msgspec.Meta(ge=1)]
    finding: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class CheckOut(ResponseBody):
    id: int
    approval_id: int
    approval_name: str
    project_id: int
    project_name: str
    department_code: str
    department_name: str
    material_code: str
    material_name: str
    opened_on: date
    due_on: date
    status: str
    status_name: str
    finding: str | None
    checked_on: date | None
    version: int


def check_out(row: commitments.Listed) -> CheckOut:
    c = row.check
    return CheckOut(id=c.id, approval_id=c.approval_id, approval_name=row.approval_name, project_id=c.project_id,
                    project_name=row.project_name, department_code=c.department_code,
                    department_name=row.department_name, material_code=c.material_code,
                    material_name=row.material_name, opened_on=c.opened_on, due_on=c.due_on, status=c.status,
                    status_name=commitments.CHECK_NAMES[c.status], finding=c.finding, checked_on=c.checked_on,
                    version=c.version)


class CommitmentCheckController(Controller):
    path = "/api/commitment-checks"
    tags = ["告知承诺核查 commitment checks"]

    @get("")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     status: Annotated[str | None, QueryParameter(pattern="^(open|confirmed|false)$")] = None,
                     department_code: FromQuery[str | None] = None, approval_id: FromQuery[int | None] = None,
                     page: PageNo = 1, page_size: PageSize = 50) -> Page[CheckOut]:
        """The checks of commitments the caller may see, the soonest due first (a department: its own)."""
        rows, total = await commitments.search(db, actor, status=status, department_code=department_code,
                                               approval_id=approval_id, page=page, page_size=page_size)
        return Page(items=[check_out(r) for r in rows], total=total, page=page, page_size=page_size)

    @post("/{check_id:int}", status_code=200, guards=[require_roles(Role.DEPARTMENT, Role.CLERK, Role.ADMIN)])
    async def record(self, check_id: FromPath[int], data: JSONBody[CheckIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> CheckOut:
        """What the check found: the commitment held (confirmed), or it was false (with the finding), which flags
        the approval ``commitment_breached`` and tells the center's leaders."""
        return check_out(await commitments.record(db, actor, check_id, result=data.result, finding=data.finding,
                                                  version=data.version, today=today_local()))

"""The departments' record under the law's rules: the violations list, and the checks of commitments with the
form a department records its finding in. Both call the service functions the API calls."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals import commitments
from agency.catalog.models import Department
from agency.errors import AgencyError
from agency.schemas import MAX_ID
from agency.timeutil import today_local
from agency.violations import service as violations
from agency.violations.models import KIND_NAMES
from agency.web.render import page, see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 50
STAFF = (Role.ADMIN, Role.LEADER, Role.CLERK, Role.DEPARTMENT)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _page_no(text: str | None) -> int:
    return int(text) if text and text.isdigit() and 0 < int(text) < 10_000 else 1


@get("/app/violations")
async def violation_list(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Template:
    actor.require(*STAFF)
    q = request.query_params
    kind = q.get("kind") if q.get("kind") in KIND_NAMES else None
    department = q.get("department_code") or None
    start, end, page_no = _day(q.get("from")), _day(q.get("to")), _page_no(q.get("page"))
    rows, total = await violations.search(db, actor, department_code=department, kind=kind, start=start, end=end,
                                          approval_id=None, page=page_no, page_size=PAGE_SIZE)
    departments = (await db.execute(select(Department.code, Department.name).order_by(Department.code))).all()
    filters = {k: v for k, v in {"department_code": department, "kind": kind, "from": start and start.isoformat(),
                                 "to": end and end.isoformat()}.items() if v}
    return page(request, "violations.html", actor, rows=rows, total=total, page_no=page_no, page_size=PAGE_SIZE,
                KIND_NAMES=KIND_NAMES, departments=departments, filters=filters, query=urlencode(filters))


@get("/app/commitment-checks")
async def check_list(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> Template:
    actor.require(*STAFF)
    q = request.query_params
    status = q.get("status") if q.get("status") in commitments.CHECK_NAMES else None
    page_no = _page_no(q.get("page"))
    rows, total = await commitments.search(db, actor, status=status, department_code=None, approval_id=None,
                                           page=page_no, page_size=PAGE_SIZE)
    return page(request, "commitment_checks.html", actor, rows=rows, total=total, page_no=page_no,
                page_size=PAGE_SIZE, status=status, CHECK_NAMES=commitments.CHECK_NAMES, today=today_local(),
                ok=q.get("ok"), err=q.get("err"))


@post("/app/commitment-checks/{check_id:int}")
async def record_check(check_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.DEPARTMENT, Role.CLERK, Role.ADMIN)  # as the API's guard; the service checks the rest
    result, version = data.get("result", ""), data.get("version", "")
    if result not in ("confirmed", "false"):
        return see_other(f"/app/commitment-checks?err={quote('请选择核查结论')}#check-{check_id}")
    if not version.isdigit() or not 0 < int(version) <= MAX_ID:
        return see_other(f"/app/commitment-checks?err={quote('页面已过期，请刷新后重试')}#check-{check_id}")
    try:
        listed = await commitments.record(db, actor, check_id, result=result,  # type: ignore[arg-type]
                                          finding=data.get("finding", ""), version=int(version), today=today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"/app/commitment-checks?err={quote(zh(error.detail))}#check-{check_id}")
    message = f"{listed.approval_name}·{listed.material_name}：{commitments.CHECK_NAMES[listed.check.status]}"
    return see_other(f"/app/commitment-checks?ok={quote(message)}")
HANDLERS: list[Any] = [violation_list, check_list, record_check]

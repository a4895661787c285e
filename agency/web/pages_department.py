"""The department's inbox: bundles to sign for, its approvals by remaining working days, supervision to acknowledge."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals import queries
from agency.approvals.rules import STATUS_NAMES
from agency.bundles import service as bundles
from agency.bundles.controllers import bundle_archive
from agency.errors import AgencyError
from agency.escalation import service as escalations
from agency.timeutil import today_local
from agency.web.render import page, see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
ESCALATION_STATUS = {"open": "待签收", "acknowledged": "已签收", "resolved": "已办结"}
RULE_NAMES = {"clock": "办理时限", "stall_submitted": "报送后久未受理", "stall_preparing": "久未报送",
              "stall_supplement": "补正久未提交"}


def back(path: str, *, ok: str | None = None, err: str | None = None) -> Redirect:
    query = f"ok={quote(ok)}" if ok else f"err={quote(zh(err or ''))}"
    return see_other(f"{path}{'&' if '?' in path else '?'}{query}")


@get("/app/inbox")
async def inbox(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.DEPARTMENT)
    today = today_local()
    work, _ = await queries.worklist(db, actor, department_code=actor.department_code, status=None, level=None,
                                     project_id=None, today=today, page=1, page_size=500)
    work.sort(key=lambda r: (r.clock.remaining_workdays if r.clock.remaining_workdays is not None else 10**6,
                             r.approval.id))
    found, _ = await bundles.search(db, actor, department_code=actor.department_code, status=None,
                                    project_id=None, page=1, page_size=50)
    projects = {r.project.id: r.project for r in work}
    notices, _ = await escalations.search(db, actor, status=None, level=None, department_code=actor.department_code,
                                          project_id=None, approval_id=None, page=1, page_size=50)
    names = {r.approval.id: r.approval.name for r in work}
    return page(request, "inbox.html", actor, work=work, incoming=[b for b in found if b.status == "sent"],
                received=[b for b in found if b.status != "sent"], projects=projects, names=names,
                notices=[e for e in notices if e.status != "resolved"], STATUS_NAMES=STATUS_NAMES,
                ESCALATION_STATUS=ESCALATION_STATUS, RULE_NAMES=RULE_NAMES,
                ok=request.query_params.get("ok"), err=request.query_params.get("err"))


@post("/app/bundles/{bundle_id:int}/receive")
async def receive(bundle_id: FromPath[int], actor: NamedDependency[Actor],
                  db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.DEPARTMENT)
    try:
        bundle = await bundles.receive(db, actor, bundle_id, None, today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back("/app/inbox", err=error.detail)
    return back("/app/inbox", ok=f"已签收批次 {bundle.code}")


@get("/app/bundles/{bundle_id:int}/archive")
async def archive(bundle_id: FromPath[int], state: State, actor: NamedDependency[Actor],
                  db: NamedDependency[AsyncSession]) -> Stream:
    """The same streamed ZIP as ``GET /api/bundles/{id}/archive``, with the session cookie."""
    return await bundle_archive(db, state, actor, bundle_id)


@post("/app/escalations/{escalation_id:int}/acknowledge")
async def acknowledge(escalation_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Redirect:
    target = "/app/inbox" if actor.role is Role.DEPARTMENT else "/app/dashboard"
    try:
        await escalations.acknowledge(db, actor, escalation_id, data.get("note", ""))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back(target, err=error.detail)
    return back(target, ok="督办已签收")


HANDLERS: list[Any] = [inbox, receive, archive, acknowledge]

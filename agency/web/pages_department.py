"""The department's inbox: bundles to sign for, its approvals by remaining working days, supervision to acknowledge."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Stream, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals import workviews
from agency.approvals.models import Approval
from agency.approvals.rules import STATUS_NAMES
from agency.bundles import service as bundles
from agency.bundles.controllers import bundle_archive
from agency.coordination import service as coordination
from agency.errors import AgencyError, NotFound
from agency.escalation import service as escalations
from agency.sites import service as sites
from agency.timeutil import today_local
from agency.web.forms import SiteCode
from agency.web.render import page, see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
ESCALATION_STATUS = {"open": "待签收", "acknowledged": "已签收", "resolved": "已办结"}
WORK_SHOWN = 500
NOTICES_SHOWN = 50
RULE_NAMES = {"clock": "办理时限", "stall_submitted": "报送后久未受理", "stall_preparing": "久未报送",
              "stall_supplement": "补正久未提交", "problem_overdue": "协调问题解决期限", "stage_overdue": "阶段时限",
              "fee_unreconciled": "收费未与专户对账", "rectification_overdue": "差评整改逾期",
              "deferral_overdue": "容缺材料逾期未补交", "verification_overdue": "告知承诺事后核查逾期",
              "obligation_due": "承诺事项临近期限", "obligation_overdue": "承诺事项逾期未履行"}


def back(path: str, *, ok: str | None = None, err: str | None = None) -> Redirect:
    query = f"ok={quote(ok)}" if ok else f"err={quote(zh(err or ''))}"
    return see_other(f"{path}{'&' if '?' in path else '?'}{query}")


@get("/app/inbox")
async def inbox(request: Request[Any, Any, Any], actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                work_page: Annotated[int, QueryParameter(name="wpage", ge=1, le=100_000)] = 1,
                bundle_page: Annotated[int, QueryParameter(name="bpage", ge=1, le=100_000)] = 1,
                notice_page: Annotated[int, QueryParameter(name="npage", ge=1, le=100_000)] = 1,
                bsite: SiteCode = None) -> Template:
    actor.require(Role.DEPARTMENT)
    today = today_local()
    # Each counter is the total of the list it links to: what is at the department (not what the clerk still
    # plans or prepares), the bundles to sign for, the supervision to acknowledge. Each list pages (its own
    # page parameter) rather than stopping at a number, so every row its counter counts can be reached.
    work, work_total = await workviews.rows(db, actor, workviews.AT_THE_DEPARTMENT, today=today, page=work_page,
                                            page_size=WORK_SHOWN, department_code=actor.department_code)
    # Most urgent first across pages (the worklist's order); within a page, by remaining working days.
    work.sort(key=lambda r: (r.clock.remaining_workdays if r.clock.remaining_workdays is not None else 10**6,
                             r.approval.id))
    # ``bsite``: the bundles of the dossiers that site holds (the API's ``site_code=``), its counter too.
    incoming, incoming_total = await bundles.search(db, actor, department_code=actor.department_code, status="sent",
                                                    project_id=None, page=bundle_page, page_size=NOTICES_SHOWN,
                                                    site_code=bsite or None)
    received: list[Any] = []
    if bundle_page == 1:  # the latest signed for, under the first page of those to sign for
        received, _ = await bundles.search(db, actor, department_code=actor.department_code, status="received",
                                           project_id=None, page=1, page_size=NOTICES_SHOWN, site_code=bsite or None)
    notices, notices_total = await escalations.search(db, actor, status="open", level=None,
                                                      department_code=actor.department_code, project_id=None,
                                                      approval_id=None, page=notice_page, page_size=NOTICES_SHOWN)
    acknowledged: list[Any] = []
    if notice_page == 1:
        acknowledged, _ = await escalations.search(db, actor, status="acknowledged", level=None,
                                                   department_code=actor.department_code, project_id=None,
                                                   approval_id=None, page=1, page_size=NOTICES_SHOWN)
    # The notices' items by name, whichever page of the work list they are on: one query.
    ids = {e.approval_id for e in [*notices, *acknowledged] if e.approval_id is not None}
    names = dict((await db.execute(select(Approval.id, Approval.name).where(Approval.id.in_(ids or {0})))).tuples()
                 .all())
    open_problems, _ = await coordination.search(db, actor, department_code=actor.department_code, open_only=True,
                                                 page_size=50)
    pages = {"wpage": work_page, "bpage": bundle_page, "npage": notice_page}

    def base(param: str) -> str:  # the inbox with the other lists' pages kept, for ``param``'s pager
        kept: dict[str, object] = {k: v for k, v in pages.items() if k != param and v > 1}
        kept |= {"bsite": bsite} if bsite else {}
        return "/app/inbox?" + urlencode(kept) + ("&" if kept else "")

    return page(request, "inbox.html", actor, work=work, work_total=work_total, open_problems=open_problems,
                incoming=incoming, incoming_total=incoming_total, bsite=bsite or "",
                sites=await sites.readable_by(db, actor),
                summaries=await bundles.summaries(db, [*incoming, *received]), received=received,
                names=names, pages=pages, base=base, shown={"work": WORK_SHOWN, "lists": NOTICES_SHOWN},
                notices=notices, notices_total=notices_total, acknowledged=acknowledged, STATUS_NAMES=STATUS_NAMES,
                ESCALATION_STATUS=ESCALATION_STATUS, RULE_NAMES=RULE_NAMES,
                ok=request.query_params.get("ok"), err=request.query_params.get("err"))


@post("/app/bundles/{bundle_id:int}/receive")
async def receive(bundle_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                  db: NamedDependency[AsyncSession]) -> Redirect:
    """The department signs for a bundle; the clerk records an offline department's receipt with its date (for a
    resubmission, the day its clock resumes)."""
    actor.require(Role.DEPARTMENT, Role.CLERK)
    target = "/app/inbox"
    effective_on = None
    if actor.role is Role.CLERK:
        found = await bundles.search(db, actor, department_code=None, status=None, project_id=None, page=1,
                                     page_size=1, bundle_id=bundle_id)
        if not found[0]:
            raise NotFound("no such bundle")
        target = f"/app/projects/{found[0][0].project_id}"
        try:
            effective_on = date.fromisoformat(str(data.get("effective_on", "")))
        except ValueError:
            return back(target, err="请填写部门签收日期")
    try:
        bundle = await bundles.receive(db, actor, bundle_id, effective_on, today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back(target, err=error.detail)
    return back(target, ok=f"已签收批次 {bundle.code}")


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

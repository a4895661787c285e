"""The clerk's reconciliation page (收费对账): upload the fee account's bank statement, see its credits in three
groups (matched, ambiguous, unmatched) and settle each open one against a fee line — the same service
functions as /api/fees/reconcile and /api/fees/reconcile/lines/{id}/settle."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.errors import AgencyError
from agency.fees import reconcile
from agency.fees.models import HOW_WORDS, MATCH_WORDS
from agency.fees.statement import MAX_STATEMENT_BYTES
from agency.schemas import MAX_ID
from agency.web.pages_department import back
from agency.web.render import page, zh

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE = "/app/fees/reconcile"


async def _page(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, *,
                result: reconcile.ImportResult | None = None, error: str | None = None,
                status_code: int = 200) -> Template:
    pending = [line for line in await reconcile.lines(db, actor) if line.status != "matched"]
    matched = await reconcile.lines(db, actor, status="matched", limit=50)
    fees = await reconcile.open_fees(db, actor) if actor.role is Role.CLERK and pending else []
    return page(request, "fees_reconcile.html", actor, result=result, pending=pending, matched=matched,
                fees=fees, MATCH_WORDS=MATCH_WORDS, HOW_WORDS=HOW_WORDS, may_act=actor.role is Role.CLERK,
                ok=request.query_params.get("ok"), err=error or request.query_params.get("err"),
                status_code=status_code)


@get(PAGE)
async def reconcile_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    return await _page(request, actor, db)


@post(PAGE, request_max_body_size=MAX_STATEMENT_BYTES + 64 * 1024)
async def statement_upload(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                           db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.CLERK)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _page(request, actor, db, error="请选择对账单文件（CSV）。", status_code=422)
    body = await upload.read()
    await upload.close()
    if len(body) > MAX_STATEMENT_BYTES:
        return await _page(request, actor, db, error="对账单文件过大（不超过 2 MB）。", status_code=413)
    try:
        result = await reconcile.import_statement(db, actor, body, filename=upload.filename)
    except AgencyError as error:
        if error.status_code != 422:
            raise
        await db.rollback()
        await db.refresh(request.state.web_user)
        return await _page(request, actor, db, error=zh(error.detail), status_code=422)
    return await _page(request, actor, db, result=result)


@post(f"{PAGE}/lines/{{line_id:int}}/settle")
async def settle_form(line_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK)
    fee_id = str(data.get("fee_id") or "").strip()
    if not fee_id.isdigit() or not 0 < int(fee_id) <= MAX_ID:
        return back(PAGE, err="请选择要对账的收费。")
    try:
        line = await reconcile.settle(db, actor, line_id, fee_id=int(fee_id))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back(PAGE, err=error.detail)
    return back(PAGE, ok=f"已将 {line.booked_on} 到账 {line.amount_yuan:.2f} 元与收费对账。")


HANDLERS: list[Any] = [reconcile_page, statement_upload, settle_form]

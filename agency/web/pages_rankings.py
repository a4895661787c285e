"""The monthly rankings on the pages: the leader's table of a month with its criteria, the spreadsheet, and the 通报
(a printable bulletin naming the 红旗窗口 and 服务标兵 with their figures, and the same as the center's paper from
the ranking_bulletin template, DOCX or PDF). The same function as ``GET /api/reports/rankings``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, Role
from agency.documents import bulletin, verify
from agency.documents.controllers import papers_of
from agency.documents.service import DOCX
from agency.errors import AgencyError
from agency.reports import criteria, rankings
from agency.reports.rankings_xlsx import rankings_filename, rankings_workbook
from agency.reports.xlsx import XLSX_MEDIA_TYPE
from agency.timeutil import today_local
from agency.web.render import page, see_other, zh

Month = Annotated[str | None, QueryParameter(max_length=20)]
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAPER_TYPES = {"docx": DOCX, "pdf": "application/pdf"}


def last_full_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


async def _result(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, month: str
                  ) -> dict[str, Any]:
    return await rankings.rankings(db, actor, month, (await criteria.current(db, request.app.state.settings)).criteria)


@get("/app/reports/rankings")
async def rankings_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession], month: Month = None) -> Template:
    actor.require(Role.LEADER, Role.ADMIN)
    chosen = (month or "").strip() or last_full_month(today_local())
    try:
        result = await _result(request, actor, db, chosen)
    except AgencyError as error:
        if error.status_code != 422:
            raise
        return page(request, "rankings.html", actor, status_code=422, month=chosen, r=None,
                    err="月份格式应为“年-月”，例如 2026-08。")
    return page(request, "rankings.html", actor, month=chosen, r=result, err=request.query_params.get("err"),
                issued=await bulletin.standing_bulletin(db, actor, result["month"]), ok=request.query_params.get("ok"))


@post("/app/reports/rankings/bulletin/{document_id:int}/revoke")
async def revoke_bulletin(document_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                          db: NamedDependency[AsyncSession], month: Month = None) -> Redirect:
    """The administrator revokes a month's 通报: the same service function as ``POST /api/documents/{id}/revoke``
    (403 for anyone else); the next download issues a new one."""
    back = f"/app/reports/rankings?month={quote((month or '').strip()[:20])}"
    try:
        found = await verify.revoke(db, actor, document_id, str(data.get("reason", "")))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}&err={quote('撤销失败：' + zh(error.detail))}")
    return see_other(f"{back}&ok={quote(f'已撤销通报 {found.number}')}")


@get("/app/reports/rankings.xlsx")
async def rankings_xlsx(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession], month: Month = None) -> Response[bytes]:
    """The same spreadsheet as ``GET /api/reports/rankings?format=xlsx``."""
    actor.require(Role.LEADER, Role.ADMIN)
    chosen = (month or "").strip() or last_full_month(today_local())
    result = await _result(request, actor, db, chosen)
    return Response(rankings_workbook(result, request.app.state.settings.center_name), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename=\"rankings_{chosen}.xlsx\"; "
                                                    f"filename*=UTF-8''{quote(rankings_filename(chosen))}"})


@get("/app/reports/rankings/bulletin")
async def bulletin_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession], month: Month = None) -> Template:
    """The 通报 of a month, to print: its flag windows and model staff with their figures, the criteria, the rest."""
    actor.require(Role.LEADER, Role.ADMIN)
    chosen = (month or "").strip() or last_full_month(today_local())
    result = await _result(request, actor, db, chosen)
    year, number = chosen.split("-")
    names = {w["department_code"]: w["department_name"] for w in result["windows"]}
    return page(request, "rankings_bulletin.html", actor, r=result, names=names, year=int(year), number=int(number),
                center=request.app.state.settings.center_name, today=today_local(),
                flags=[w for w in result["windows"] if w["flag"]], models=[s for s in result["staff"] if s["model"]])


@get(["/app/reports/rankings/bulletin.docx", "/app/reports/rankings/bulletin.pdf"])
async def bulletin_paper(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession], month: Month = None) -> Response[bytes]:
    """The 通报 as the center's recorded paper from its template (ranking_bulletin), with its number and
    verification code: the DOCX (以 PDF 版本为准), or its sealed PDF."""
    actor.require(Role.LEADER, Role.ADMIN)
    output = request.url.path.rsplit(".", 1)[1]
    chosen = (month or "").strip() or last_full_month(today_local())
    result = await _result(request, actor, db, chosen)
    data, filename = await bulletin.ranking_bulletin(db, actor, papers_of(request.app.state, request), result,
                                                     today_local(), output)
    return Response(data, media_type=PAPER_TYPES[output], headers={
        "Content-Disposition": storage.content_disposition(filename, "attachment")})


HANDLERS: list[Any] = [rankings_page, rankings_xlsx, bulletin_page, bulletin_paper, revoke_bulletin]

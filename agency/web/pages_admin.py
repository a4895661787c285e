"""The administrator's pages: departments, the working calendar, document templates (the users' are in
pages_users, the catalog's in pages_catalog)."""

from __future__ import annotations

import calendar as months
from datetime import date
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
import storage
from agency.access import Actor, Role
from agency.approvals import calendar_change
from agency.calendar import service as workcal
from agency.catalog import service as catalog
from agency.documents import service as templates
from agency.documents.controllers import papers_of
from agency.documents.service import DOCX, MAX_TEMPLATE_BYTES
from agency.errors import AgencyError
from agency.jobs import service as jobs
from agency.supervision import provisional
from agency.timeutil import CHINA, today_local
from agency.web.pages_department import back
from agency.web.render import page, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _problems(error: AgencyError) -> list[dict[str, Any]]:
    return [p for p in (error.extra or []) if isinstance(p, dict)] if isinstance(error.extra, list) else []


# ---- departments and their escalation contacts --------------------------------------------------


@get("/app/admin/departments")
async def departments_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                           db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    return page(request, "admin_departments.html", actor, departments=await catalog.list_departments(db),
                levels=catalog.CONTACT_LEVELS, ok=request.query_params.get("ok"))


@post("/app/admin/departments/{code:str}")
async def department_save(request: Request[Any, Any, Any], code: FromPath[str], data: Form,
                          actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.ADMIN)
    contacts = {level: {"name": data.get(f"{level}_name", "").strip(), "phone": data.get(f"{level}_phone", "").strip()}
                for level in catalog.CONTACT_LEVELS}
    try:
        await catalog.update_department(db, actor, code, name=data.get("name", ""), mode=data.get("mode", ""),
                                        contacts=contacts, doc_prefix=data.get("doc_prefix"))
    except AgencyError as error:
        if error.status_code != 422:
            raise
        await db.rollback()
        await db.refresh(request.state.web_user)
        return page(request, "admin_departments.html", actor, departments=await catalog.list_departments(db),
                    levels=catalog.CONTACT_LEVELS, error=f"{code}：{zh(error.detail)}", status_code=422)
    return back("/app/admin/departments", ok=f"已保存部门 {code}")


# ---- working calendar ----------------------------------------------------------------------------

WEEKDAYS = "一二三四五六日"


def month_grid(year: int, overrides: dict[date, Any]) -> list[dict[str, Any]]:
    """12 months of weeks (Monday first); each day with its mark: holiday, make-up workday or weekend."""
    out = []
    for month in range(1, 13):
        weeks = []
        for week in months.Calendar().monthdatescalendar(year, month):
            cells: list[dict[str, Any] | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                o = overrides.get(day)
                kind = ("makeup" if o.workday else "off") if o else ("weekend" if day.weekday() >= 5 else "")
                cells.append({"day": day, "kind": kind, "note": o.note if o else "",
                              "provisional": bool(o and o.source == "provisional")})
            weeks.append(cells)
        out.append({"month": month, "weeks": weeks})
    return out


async def _calendar(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, year: int, *,
                    status_code: int = 200, error: str | None = None) -> Template:
    source, days = await workcal.year_view(db, year)
    job = None
    if (job_id := request.query_params.get("job", "")).isdigit() and len(job_id) < 12:
        try:
            job = await jobs.get(db, actor, int(job_id))
        except AgencyError:
            job = None
    missing = provisional.missing_next_year(await workcal.get_calendar(db), today_local())
    return page(request, "admin_calendar.html", actor, status_code=status_code, year=year, source=source,
                days=days, grid=month_grid(year, {o.day: o for o in days}), WEEKDAYS=WEEKDAYS, error=error,
                ok=request.query_params.get("ok"), job=job, missing_year=missing)


@get("/app/admin/calendar")
async def calendar_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession], year: FromQuery[int | None] = None) -> Template:
    actor.require(Role.ADMIN)
    try:
        return await _calendar(request, actor, db, year or today_local().year)
    except AgencyError as error:
        if error.status_code != 422:
            raise
        return await _calendar(request, actor, db, today_local().year, status_code=422, error=zh(error.detail))


@post("/app/admin/calendar")
async def calendar_set_day(request: Request[Any, Any, Any], data: Form, actor: NamedDependency[Actor],
                           db: NamedDependency[AsyncSession]) -> Template | Redirect:
    """First the preview — which open approvals' due dates the change moves, and where to — then, confirmed,
    the change itself (the clocks follow in the background). One path with the API: calendar_change."""
    actor.require(Role.ADMIN)
    try:
        day = date.fromisoformat(data.get("day", ""))
    except ValueError:
        return await _calendar(request, actor, db, today_local().year, status_code=422,
                               error="请输入日期（年-月-日）。")
    workday, note = data.get("workday") == "1", data.get("note", "").strip()[:100]
    try:
        if data.get("confirm") != "1":
            preview = await calendar_change.preview(db, actor, day, workday, note, today_local())
            source, days = await workcal.year_view(db, day.year)
            return page(request, "admin_calendar.html", actor, year=day.year, source=source, days=days,
                        grid=month_grid(day.year, {o.day: o for o in days}), WEEKDAYS=WEEKDAYS, error=None,
                        ok=None, preview=preview, pending={"day": day, "workday": workday, "note": note},
                        departments={d.code: d.name for d in await catalog.list_departments(db)})
        job = await calendar_change.change_day(db, actor, day, workday, note)
    except AgencyError as error:
        if error.status_code != 422:
            raise
        await db.rollback()
        await db.refresh(request.state.web_user)
        return await _calendar(request, actor, db, today_local().year, status_code=422, error=zh(error.detail))
    kind = "工作日" if workday else "休息日"
    return back(f"/app/admin/calendar?year={day.year}&job={job.id}",
                ok=f"已将 {day.isoformat()} 设为{kind}；受影响的办理期限正在后台重新计算")


# ---- document templates --------------------------------------------------------------------------


async def _templates(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, *, status_code: int = 200,
                     error: str | None = None, problems: list[dict[str, Any]] | None = None,
                     code: str = "") -> Template:
    history = await templates.template_history(db, actor)
    rows = [(s.code, s.name_zh, history[s.code]) for s in paper.REGISTRY.values()]
    return page(request, "admin_templates.html", actor, status_code=status_code, rows=rows, error=error,
                problems=problems or [], code=code, ok=request.query_params.get("ok"), CHINA=CHINA)


@get("/app/admin/templates")
async def templates_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    return await _templates(request, actor, db)


@post("/app/admin/templates", request_max_body_size=MAX_TEMPLATE_BYTES + 64 * 1024)
async def template_upload(request: Request[Any, Any, Any], state: State, actor: NamedDependency[Actor],
                          db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.ADMIN)
    form = await request.form()
    code = str(form.get("code") or "")
    upload = form.get("file")
    if code not in paper.REGISTRY:
        return await _templates(request, actor, db, status_code=422, error="请选择模板。")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _templates(request, actor, db, status_code=422, error="请选择 .docx 文件。", code=code)
    data = await upload.read()
    await upload.close()
    try:
        row = await templates.upload_template(db, actor, papers_of(state), code, data)
    except AgencyError as error:
        if error.status_code != 422:
            raise
        await db.rollback()
        await db.refresh(request.state.web_user)
        return await _templates(request, actor, db, status_code=422, error=zh(error.detail),
                                problems=_problems(error), code=code)
    return back("/app/admin/templates", ok=f"已采用 {paper.REGISTRY[code].name_zh} 第 {row.version} 版")


async def _template_file(db: AsyncSession, state: State, actor: Actor, code: str, version: int) -> Stream:
    chunks, size, filename = await templates.template_version_file(db, actor, papers_of(state), code, version)
    return Stream(chunks, media_type=DOCX, headers={
        "Content-Disposition": storage.content_disposition(filename), "Content-Length": str(size),
        "Cache-Control": "private, no-store"})


@get("/app/admin/templates/{code:str}/versions/{version:int}")
async def template_download(code: FromPath[str], version: FromPath[int], state: State,
                            actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Stream:
    """One version of a template as it was uploaded (0: the built-in one), to compare or to edit further."""
    return await _template_file(db, state, actor, code, version)


@get("/app/admin/templates/application_form/{item_code:str}/versions/{version:int}")
async def form_template_download(item_code: FromPath[str], version: FromPath[int], state: State,
                                 actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Stream:
    """The same for an item's 申请表, whose template code is ``application_form/<item code>``."""
    return await _template_file(db, state, actor, paper.application_form_code(item_code), version)


HANDLERS: list[Any] = [departments_page, department_save,
                       calendar_page,
                       calendar_set_day, templates_page, template_upload, template_download,
                       form_template_download]

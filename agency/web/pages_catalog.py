"""The administrator's catalog pages: browse the current catalog (items with their nine public elements,
materials and limits; routes with their dependency graphs), download it as YAML, and import a new version —
first the diff against the current one, then, confirmed, the import. The same service functions as the API."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, Role
from agency.catalog import labels
from agency.catalog import service as catalog
from agency.catalog.changes import list_changes
from agency.catalog.format_model import KIND_NAMES, ORIGINAL_NAMES, STAGE_NAMES, CatalogFile
from agency.errors import AgencyError, NotFound
from agency.timeutil import CHINA
from agency.web.render import page, zh
from agency.web.route_graph import route_svg

CATALOG_LIMIT = 2 * 1024 * 1024
NAMES: dict[str, Any] = {"KIND_NAMES": KIND_NAMES, "ORIGINAL_NAMES": ORIGINAL_NAMES, "STAGE_NAMES": STAGE_NAMES,
         "NINE": labels.NINE_ELEMENTS, "MODE_NAMES": labels.MODE_NAMES, "file_types": labels.file_types_text,
         "FEE_PER": labels.FEE_PER_NAMES, "OBLIGATION_UNITS": labels.OBLIGATION_UNIT_NAMES,
         "limit_text": labels.limit_text, "DEPARTMENT_KINDS": labels.DEPARTMENT_KIND_NAMES, "CHINA": CHINA}


def _problems(error: AgencyError) -> list[dict[str, Any]]:
    return [p for p in error.extra if isinstance(p, dict)] if isinstance(error.extra, list) else []


async def _current(db: AsyncSession, actor: Actor) -> tuple[Any, CatalogFile] | tuple[None, None]:
    try:
        return await catalog.current_catalog(db, actor)
    except NotFound:
        return None, None


# ---- browsing ------------------------------------------------------------------------------------


@get("/app/admin/catalog")
async def catalog_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    version, current = await _current(db, actor)
    departments = {d.code: d.name for d in current.departments} if current else {}
    by_stage = {code: [i for i in current.items if i.stage == code] for code in STAGE_NAMES} if current else {}
    return page(request, "admin_catalog.html", actor, current=version, catalog=current, departments=departments,
                by_stage=by_stage, ok=request.query_params.get("ok"), **NAMES)


@get("/app/admin/catalog/items/{code:str}")
async def item_page(request: Request[Any, Any, Any], code: FromPath[str], actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    version, current = await _current(db, actor)
    item = current.item(code) if current else None
    if current is None or item is None:
        raise NotFound("现行目录中没有这个事项")
    names = {i.code: i.name for i in current.items}
    routes = [(r, next(ri for ri in r.items if ri.item == code)) for r in current.routes if code in r.item_codes()]
    department = current.department(item.department)
    return page(request, "admin_catalog_item.html", actor, current=version, item=item, names=names, routes=routes,
                department=department, **NAMES)


@get("/app/admin/catalog/routes/{code:str}")
async def route_page(request: Request[Any, Any, Any], code: FromPath[str], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    version, current = await _current(db, actor)
    route = current.route(code) if current else None
    if current is None or route is None:
        raise NotFound("现行目录中没有这条审批路线")
    names = {i.code: i.name for i in current.items} | {m.code: m.name for m in route.milestones}
    items = {i.code: i for i in current.items}
    graph = route_svg(route, names, {i.code: i.stage for i in current.items}, "route-graph")
    departments = {d.code: d.name for d in current.departments}
    return page(request, "admin_catalog_route.html", actor, current=version, route=route, names=names, items=items,
                graph=graph, departments=departments, **NAMES)


@get("/app/admin/catalog/download")
async def catalog_download(actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Response[str]:
    """The current catalog as the YAML the import reads (the same service as GET /api/catalog/export)."""
    filename, text = await catalog.export_catalog(db, actor)
    return Response(text, media_type="application/x-yaml; charset=utf-8", headers={
        "Content-Disposition": storage.content_disposition(filename), "Cache-Control": "private, no-store"})


# ---- importing: preview, then confirm ------------------------------------------------------------


@get("/app/admin/catalog/import")
async def import_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    return page(request, "admin_catalog_import.html", actor, current=await catalog.current_version(db), problems=[],
                error=None, preview=None, text="")


def _change_rows(preview: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Each changed item (route, department) with its changed fields said in Chinese, before → after."""
    names = preview["names"].get(kind, {})
    fields = {"items": labels.ITEM_FIELDS, "routes": labels.ROUTE_FIELDS,
              "departments": labels.DEPARTMENT_FIELDS}[kind]
    rows = []
    for code, changes in preview["details"].get(kind, {}).items():
        shown = []
        for change in changes:
            field, before, after = change["field"], change["before"], change["after"]
            entry: dict[str, Any] = {"field": field, "label": fields.get(field, field)}
            if field in labels.CODED_LISTS:
                entry["lists"] = list_changes(before, after, labels.CODED_LISTS[field])
                entry["entry_names"] = {str(e.get(labels.CODED_LISTS[field])): _entry_name(e, names)
                                        for e in [*(before or []), *(after or [])] if isinstance(e, dict)}
            else:
                entry["before"], entry["after"] = labels.value_text(field, before), labels.value_text(field, after)
                entry["long"] = entry["before"] is None or entry["after"] is None
                entry["before_text"], entry["after_text"] = _long(before), _long(after)
            shown.append(entry)
        rows.append({"code": code, "name": names.get(code, code), "changes": shown})
    return rows


def _entry_name(entry: dict[str, Any], item_names: dict[str, str]) -> str:
    if "item" in entry:  # a route item is named by its item
        return item_names.get(str(entry["item"]), str(entry["item"]))
    return str(entry.get("name") or entry.get("cite") or entry.get("code") or "")


def _long(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else msgspec.json.encode(value).decode()


async def _form_text(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], str | None]:
    form = await request.form()
    values = {key: form.get(key) for key in ("text", "confirm", "sha256", "previewed_against")}
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
        await upload.close()
        try:
            values["text"] = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return values, "文件不是 UTF-8 编码的 YAML 文本。"
    values["text"] = str(values.get("text") or "").replace("\r\n", "\n")
    return values, None


@post("/app/admin/catalog", request_max_body_size=CATALOG_LIMIT + 64 * 1024)
async def catalog_import(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Template:
    """Without ``confirm``: the diff against the current version, nothing written, with a 确认导入 button that
    posts the same text back. With it: the import, refused if the text or the current version changed since."""
    actor.require(Role.ADMIN)
    values, error = await _form_text(request)
    text = values["text"]
    current = await catalog.current_version(db)
    if error is None and not text.strip():
        error = "请选择目录文件或粘贴其内容。"
    if error is not None:
        return page(request, "admin_catalog_import.html", actor, status_code=422, current=current, problems=[],
                    error=error, preview=None, text="")
    confirmed = values.get("confirm") == "1" and values.get("sha256") == hashlib.sha256(text.encode()).hexdigest()
    try:
        if confirmed:
            against = str(values.get("previewed_against") or "")
            summary = await catalog.import_catalog(db, actor, text,
                                                   previewed_against=int(against) if against.isdigit() else -1)
            return page(request, "admin_catalog_import.html", actor, current=await catalog.current_version(db),
                        problems=[], error=None, preview=None, summary=summary, text="")
        preview = await catalog.preview_import(db, actor, text)
    except AgencyError as error_:
        if error_.status_code not in (409, 422):
            raise
        await db.rollback()
        await db.refresh(request.state.web_user)
        if error_.status_code == 409:  # another import came in between: show the diff as it is now
            preview = await catalog.preview_import(db, actor, text)
            return _preview_page(request, actor, await catalog.current_version(db), preview, text,
                                 notice=zh(error_.detail), status_code=409)
        return page(request, "admin_catalog_import.html", actor, status_code=422,
                    current=await catalog.current_version(db), problems=_problems(error_), error=zh(error_.detail),
                    preview=None, text=text)
    return _preview_page(request, actor, current, preview, text)


def _preview_page(request: Request[Any, Any, Any], actor: Actor, current: Any, preview: dict[str, Any], text: str,
                  *, notice: str | None = None, status_code: int = 200) -> Template:
    rows = {kind: _change_rows(preview, kind) for kind in ("items", "routes", "departments")}
    return page(request, "admin_catalog_import.html", actor, status_code=status_code, current=current, problems=[],
                error=None, preview=preview, rows=rows, text=text, notice=notice,
                previewed_against=current.id if current else 0)


HANDLERS: list[Any] = [catalog_page, item_page, route_page, catalog_download, import_page, catalog_import]

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, Role, require_roles
from agency.catalog import service
from agency.catalog.format_model import STAGE_NAMES, Route
from agency.catalog.models import CatalogItem
from agency.catalog.schemas import DepartmentDetailOut, DepartmentIn, DepartmentOut, ImportSummary, ItemOut, RouteOut
from agency.errors import BadRequest, Invalid, TooLarge

MAX_CATALOG_BYTES = 5 * 1024 * 1024


def item_out(item: CatalogItem, prerequisites: list[str], version: str) -> ItemOut:
    d = item.definition
    return ItemOut(
        code=item.code, name=item.name, department_code=item.department_code, stage=item.stage,
        stage_name=STAGE_NAMES.get(item.stage, item.stage), kind=item.kind,
        statutory_limit=d.get("statutory_limit"), promised_limit=d["promised_limit"],
        prerequisites=prerequisites, materials=d.get("materials", []),
        subject=d["subject"], legal_basis=d["legal_basis"], conditions=d["conditions"],
        procedure=d["procedure"], time_limit_text=d["time_limit_text"], result=d["result"],
        fee_basis=d["fee_basis"], fee_standard=d["fee_standard"], supervision=d["supervision"],
        suspension_allowed=d["suspension_allowed"], extension_allowed=d["extension_allowed"],
        extension_cap_workdays=d.get("extension_cap_workdays"), application_form=d.get("application_form"),
        version=version, fees=d.get("fees") or [],
    )


class CatalogController(Controller):
    path = "/api"
    tags = ["目录 catalog"]

    @get("/departments")
    async def departments(self, db: NamedDependency[AsyncSession]) -> list[DepartmentOut]:
        return [DepartmentOut(code=d.code, name=d.name, mode=d.mode, kind=d.kind)  # type: ignore[arg-type]
                for d in await service.list_departments(db)]

    @put("/departments/{code:str}", guards=[require_roles(Role.ADMIN)])
    async def update_department(self, code: FromPath[str], data: JSONBody[DepartmentIn], actor: NamedDependency[Actor],
                                db: NamedDependency[AsyncSession]) -> DepartmentDetailOut:
        """Name, mode (online/offline) and the escalation contacts per level of one department."""
        d = await service.update_department(db, actor, code, name=data.name, mode=data.mode,
                                            contacts=msgspec.to_builtins(data.contacts), doc_prefix=data.doc_prefix)
        return DepartmentDetailOut(code=d.code, name=d.name, mode=d.mode, contacts=d.contacts,  # type: ignore[arg-type]
                                   kind=d.kind, reconsideration_body=d.reconsideration_body,  # type: ignore[arg-type]
                                   court=d.court, doc_prefix=d.doc_prefix)

    @get("/catalog/items")
    async def items(self, db: NamedDependency[AsyncSession], route: FromQuery[str | None] = None,
                    department_code: FromQuery[str | None] = None) -> list[ItemOut]:
        """Items of the current catalog; prerequisites as in the given route (default: the first route)."""
        version = await service.current_version(db)
        routes = await service.current_routes(db)
        chosen = next((r for r in routes if r.code == route), routes[0] if routes and route is None else None)
        if route is not None and chosen is None:
            # Not an empty prerequisite list for every item: that would read as "no order at all".
            raise Invalid(f"审批路线 {route} 不存在（unknown route）", field="route")
        prerequisites = msgspec.convert(chosen.definition, Route).item_prerequisites() if chosen else {}
        return [item_out(i, prerequisites.get(i.code, []), version.version if version else "")
                for i in await service.current_items(db)
                if department_code is None or i.department_code == department_code]

    @get("/catalog/routes")
    async def routes(self, db: NamedDependency[AsyncSession]) -> list[RouteOut]:
        version = await service.current_version(db)
        out = []
        for row in await service.current_routes(db):
            route = msgspec.convert(row.definition, Route)
            out.append(RouteOut(code=route.code, name=route.name, description=route.description,
                                items=route.item_codes(), prerequisites=route.item_prerequisites(),
                                milestones=[msgspec.to_builtins(m) for m in route.milestones],
                                version=version.version if version else ""))
        return out

    @get("/catalog/export", guards=[require_roles(Role.ADMIN)], media_type="application/x-yaml")
    async def export_catalog(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Response[str]:
        """The current catalog as the YAML the import reads; importing it again changes nothing."""
        filename, text = await service.export_catalog(db, actor)
        return Response(text, media_type="application/x-yaml; charset=utf-8", headers={
            "Content-Disposition": storage.content_disposition(filename), "Cache-Control": "private, no-store"})

    @post("/catalog/import", status_code=200, guards=[require_roles(Role.ADMIN)],
          request_max_body_size=MAX_CATALOG_BYTES)
    async def import_catalog(self, request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                             db: NamedDependency[AsyncSession], dry_run: FromQuery[bool] = False) -> ImportSummary:
        """Body: the catalog YAML (docs/catalog-format.md). All or nothing; 422 lists every problem.
        ``dry_run=true``: only the diff against the current version (added, changed with fields, removed)."""
        body = await request.body()
        if len(body) > MAX_CATALOG_BYTES:
            raise TooLarge("目录文件过大（catalog file too large）")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("目录文件须为 UTF-8 编码的 YAML（catalog must be UTF-8 YAML）") from None
        if dry_run:
            return msgspec.convert(await service.preview_import(db, actor, text), ImportSummary)
        return msgspec.convert(await service.import_catalog(db, actor, text), ImportSummary)

"""Enterprises: the list with search, an enterprise's page with its dossiers, and the form that edits its
contacts — the same service functions as ``/api/enterprises``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.dossiers import service as projects
from agency.enterprises import service as enterprises
from agency.enterprises.models import Enterprise
from agency.enterprises.schemas import EnterprisePatch
from agency.errors import AgencyError, NotFound
from agency.sites import service as sites
from agency.web.forms import SiteCode, convert
from agency.web.render import field_errors, page, see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 20
PROJECTS_SHOWN = 100
EDITABLE = ("name", "legal_representative", "contact_name", "contact_phone", "address", "park")


def _staff(actor: Actor) -> None:
    if actor.role is Role.ENTERPRISE:
        raise NotFound("not a page for enterprises")


@get("/app/enterprises")
async def enterprise_list(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                          db: NamedDependency[AsyncSession], q: FromQuery[str | None] = None,
                          site: SiteCode = None,
                          page_no: Annotated[int, QueryParameter(name="page", ge=1, le=100_000)] = 1) -> Template:
    _staff(actor)
    rows, total = await enterprises.search(db, actor, q=q, page=page_no, page_size=PAGE_SIZE, site_code=site or None)
    params = {k: v for k, v in {"q": q, "site": site}.items() if v}
    return page(request, "enterprises.html", actor, rows=rows, total=total, page=page_no, q=q or "",
                site=site or "", sites=await sites.readable_by(db, actor),
                pages=max(1, -(-total // PAGE_SIZE)), base="/app/enterprises?" + urlencode(params) + ("&" if params
                                                                                                       else ""))


async def _enterprise_page(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, enterprise: Enterprise,
                           values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                           status_code: int = 200) -> Template:
    found, total = await projects.search(db, actor, status=None, green_channel=None, enterprise_id=enterprise.id,
                                         q=None, mine=False, page=1, page_size=PROJECTS_SHOWN)
    phone = enterprises.shown_phone(actor, enterprise)
    shown = {field: getattr(enterprise, field) for field in EDITABLE} | {"contact_phone": phone}
    return page(request, "enterprise.html", actor, status_code=status_code, e=enterprise, phone=phone,
                projects=found, projects_total=total, values=values or shown, errors=errors or {},
                can_edit=actor.role in (Role.CLERK, Role.ADMIN), ok=request.query_params.get("ok"))


@get("/app/enterprises/{enterprise_id:int}")
async def enterprise_page(request: Request[Any, Any, Any], enterprise_id: FromPath[int],
                          actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template:
    _staff(actor)
    return await _enterprise_page(request, actor, db, await enterprises.get(db, actor, enterprise_id))


@post("/app/enterprises/{enterprise_id:int}")
async def enterprise_edit(request: Request[Any, Any, Any], enterprise_id: FromPath[int], data: Form,
                          actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    """The contacts form: the same service function as ``PATCH /api/enterprises/{id}``."""
    actor.require(Role.CLERK, Role.ADMIN)
    values = {k: v for k, v in data.items() if k in (*EDITABLE, "version")}
    values["key_enterprise"] = "true" if data.get("key_enterprise") else "false"
    body, errors = convert(values, EnterprisePatch)
    if body is not None:
        try:
            await enterprises.update(db, actor, enterprise_id, body)
        except AgencyError as error:
            if error.status_code not in (409, 422):
                raise
            # Refused before anything was written (version, then each field): nothing to roll back.
            errors = {k: zh(v) for k, v in field_errors(error).items()}
        else:
            return see_other(f"/app/enterprises/{enterprise_id}?ok={quote('企业信息已保存')}")
    enterprise = await enterprises.get(db, actor, enterprise_id)
    return await _enterprise_page(request, actor, db, enterprise, values, errors, 422)


HANDLERS: list[Any] = [enterprise_list, enterprise_page, enterprise_edit]

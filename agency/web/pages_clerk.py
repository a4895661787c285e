"""The clerk's workbench: my projects with filters and counts, new enterprise, new project."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals import exports as approval_exports
from agency.approvals import workviews
from agency.approvals.rules import STATUS_NAMES
from agency.catalog import service as catalog
from agency.dossiers import exports
from agency.dossiers import service as projects
from agency.dossiers.schemas import ProjectIn
from agency.enterprises import service as enterprises
from agency.enterprises.schemas import EnterpriseIn
from agency.errors import AgencyError, NotFound
from agency.sites import service as sites
from agency.spreadsheets import xlsx_response
from agency.timeutil import today_local
from agency.web.forms import SiteCode, convert
from agency.web.render import PROJECT_STATUS_NAMES, field_errors, page, see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 20
URGENT_SHOWN = 50
ProjectStatus = Annotated[str | None, QueryParameter(pattern="^(open|planning|in_progress|completed|blocked|closed|)$")]
GreenStatus = Annotated[str | None, QueryParameter(pattern="^(none|requested|approved|refused|)$")]
Level = Annotated[str | None, QueryParameter(pattern="^(prompt|yellow|red|l3|)$")]
WorkViewCode = Annotated[str | None, QueryParameter(pattern="^(" + "|".join(workviews.CLERK_VIEWS) + "|)$")]


def _staff(actor: Actor) -> None:
    if actor.role is Role.ENTERPRISE:
        raise NotFound("not a page for enterprises")


def _base(params: dict[str, Any]) -> str:
    """The workbench's address with ``params``, ready for a pager to add its page."""
    return "/app?" + urlencode(params) + ("&" if params else "")


@get("/app")
async def workbench(request: Request[Any, Any, Any], actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                    status: ProjectStatus = None, green: GreenStatus = None, level: Level = None,
                    q: FromQuery[str | None] = None, mine: FromQuery[bool] = False, work: WorkViewCode = None,
                    site: SiteCode = None, wsite: SiteCode = None,
                    page_no: Annotated[int, QueryParameter(name="page", ge=1, le=100_000)] = 1,
                    work_page: Annotated[int, QueryParameter(name="upage", ge=1, le=100_000)] = 1
                    ) -> Template | Redirect:
    if actor.role is Role.ENTERPRISE:
        return see_other("/app/portal")
    today = today_local()
    # Each counter is the total of the very list it links to (workviews): they cannot disagree.
    # ``wsite``: the worklist of the site picked (the counters too); none: the site the clerk works at.
    counts = await workviews.counts(db, actor, workviews.CLERK_COUNTERS, today=today, site_code=wsite or None)
    view = workviews.CLERK_VIEWS[work or "urgent"]
    # The list pages (``upage``) rather than stopping at a number: its counter's every row can be reached.
    urgent, urgent_total = await workviews.rows(db, actor, view, today=today, page=work_page,
                                                page_size=URGENT_SHOWN, site_code=wsite or None)
    rows, total = await projects.search(db, actor, status=status or None, green_channel=green or None,
                                        enterprise_id=None, q=q, mine=mine, page=page_no, page_size=PAGE_SIZE,
                                        level=level or None, today=today, site_code=site or None)
    params = {k: v for k, v in {"status": status, "green": green, "level": level, "q": q,
                                "mine": "true" if mine else None, "site": site}.items() if v}
    work_params = {k: v for k, v in {"work": work, "wsite": wsite}.items() if v}
    return page(request, "workbench.html", actor, rows=rows, total=total, page=page_no,
                pages=max(1, -(-total // PAGE_SIZE)), base=_base(params | work_params),
                counts=counts, counters=workviews.CLERK_COUNTERS, view=view, urgent=urgent,
                urgent_total=urgent_total, urgent_page=work_page, urgent_shown=URGENT_SHOWN,
                urgent_pages=max(1, -(-urgent_total // URGENT_SHOWN)),
                urgent_base=_base(params | work_params | ({"page": str(page_no)} if page_no > 1 else {})),
                export="/app/projects.xlsx?" + urlencode(params),
                work_export="/app/worklist.xlsx?" + urlencode({"work": view.code} | work_params),
                filters={"status": status or "", "green": green or "", "level": level or "", "q": q or "",
                         "mine": mine, "site": site or "", "wsite": wsite or ""},
                sites=await sites.readable_by(db, actor), counter_base=_base({"wsite": wsite} if wsite else {}),
                STATUS_NAMES=STATUS_NAMES, statuses=PROJECT_STATUS_NAMES, changed=request.query_params.get("changed"))


@get("/app/projects.xlsx")
async def projects_xlsx(actor: NamedDependency[Actor], db: NamedDependency[AsyncSession], status: ProjectStatus = None,
                        green: GreenStatus = None, level: Level = None, q: FromQuery[str | None] = None,
                        mine: FromQuery[bool] = False, site: SiteCode = None) -> Response[bytes]:
    """The workbench's project list as filtered, every row: the same export as ``GET /api/projects?format=xlsx``."""
    _staff(actor)
    today = today_local()
    return xlsx_response(await exports.project_workbook(
        db, actor, status=status or None, green_channel=green or None, enterprise_id=None, q=q, mine=mine,
        level=level or None, today=today, site_code=site or None),
        f"项目清单_{today.isoformat()}.xlsx", f"projects_{today.isoformat()}.xlsx")


@get("/app/worklist.xlsx")
async def worklist_xlsx(actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                        work: WorkViewCode = None, wsite: SiteCode = None) -> Response[bytes]:
    """The workbench's list of items (the counter's view chosen), every row, as a spreadsheet."""
    _staff(actor)
    today = today_local()
    view = workviews.CLERK_VIEWS[work or "urgent"]
    return xlsx_response(await approval_exports.worklist_workbook(
        db, actor, department_code=None, status=view.status, level=view.level, project_id=None, today=today,
        supplement=view.supplement, site_code=workviews.worklist_site(actor, wsite or None)),
        f"{view.name.replace(' / ', '')}_{today.isoformat()}.xlsx", f"worklist_{today.isoformat()}.xlsx")


@get("/app/enterprises/new")
async def enterprise_form(request: Request[Any, Any, Any], actor: NamedDependency[Actor]) -> Template:
    actor.require(Role.CLERK, Role.ADMIN)
    return page(request, "enterprise_new.html", actor, values={}, errors={})


@post("/app/enterprises/new")
async def enterprise_create(request: Request[Any, Any, Any], data: Form, actor: NamedDependency[Actor],
                            db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.CLERK, Role.ADMIN)
    values = dict(data)
    values["key_enterprise"] = "true" if data.get("key_enterprise") else "false"
    body, errors = convert(values, EnterpriseIn)
    if body is not None:
        try:
            enterprise = await enterprises.create(db, actor, body)
        except AgencyError as error:
            if error.status_code not in (409, 422):
                raise
            errors = {k: zh(v) for k, v in field_errors(error).items()}
        else:
            return see_other(f"/app/projects/new?enterprise_id={enterprise.id}&created=1")
    return page(request, "enterprise_new.html", actor, status_code=422, values=values, errors=errors)


async def _project_form(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, values: dict[str, Any],
                        errors: dict[str, str], status_code: int = 200) -> Template:
    found, _ = await enterprises.search(db, actor, q=None, page=1, page_size=200)
    routes = await catalog.current_routes(db)
    return page(request, "project_new.html", actor, status_code=status_code, values=values, errors=errors,
                enterprises=found, routes=routes)


@get("/app/projects/new")
async def project_form(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession], enterprise_id: FromQuery[int | None] = None,
                       created: FromQuery[str | None] = None) -> Template:
    actor.require(Role.CLERK)
    return await _project_form(request, actor, db, {"enterprise_id": enterprise_id, "created": created}, {})


@post("/app/projects/new")
async def project_create(request: Request[Any, Any, Any], data: Form, actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.CLERK)
    body, errors = convert(dict(data), ProjectIn, optional=("land_area_mu", "description", "investment_code"))
    if body is not None:
        try:
            project = await projects.create(db, actor, body)
        except AgencyError as error:
            if error.status_code not in (404, 409, 422):
                raise
            errors = {k: zh(v) for k, v in field_errors(error).items()}
        else:
            return see_other(f"/app/projects/{project.id}?created=1")
    return await _project_form(request, actor, db, dict(data), errors, 422)


@get("/app/{rest:path}")
async def not_found(rest: FromPath[str]) -> None:
    raise NotFound("no such page")


HANDLERS: list[Any] = [workbench, projects_xlsx, worklist_xlsx,
                       enterprise_form, enterprise_create, project_form, project_create, not_found]

"""The clerk's workbench: my projects with filters and counts, new enterprise, new project."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals import queries
from agency.approvals.rules import STATUS_NAMES
from agency.catalog import service as catalog
from agency.enterprises import service as enterprises
from agency.enterprises.schemas import EnterpriseIn
from agency.errors import AgencyError, NotFound
from agency.projects import service as projects
from agency.projects.schemas import ProjectIn
from agency.timeutil import today_local
from agency.web.forms import convert
from agency.web.render import PROJECT_STATUS_NAMES, field_errors, page, see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 20
URGENT_SHOWN = 50
ProjectStatus = Annotated[str | None, QueryParameter(pattern="^(planning|in_progress|completed|blocked|closed|)$")]
GreenStatus = Annotated[str | None, QueryParameter(pattern="^(none|requested|approved|refused|)$")]
Level = Annotated[str | None, QueryParameter(pattern="^(prompt|yellow|red|l3|)$")]


def _staff(actor: Actor) -> None:
    if actor.role is Role.ENTERPRISE:
        raise NotFound("not a page for enterprises")


@get("/app")
async def workbench(request: Request[Any, Any, Any], actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                    status: ProjectStatus = None, green: GreenStatus = None, level: Level = None,
                    q: FromQuery[str | None] = None, mine: FromQuery[bool] = False,
                    page_no: Annotated[int, QueryParameter(name="page", ge=1, le=100_000)] = 1
                    ) -> Template | Redirect:
    if actor.role is Role.ENTERPRISE:
        return see_other("/app/portal")
    today = today_local()
    found = await queries.work_counts(db, actor, today=today)
    counts = {
        "supplement": found.statuses.get("supplement_requested", 0),
        "warning": found.levels["prompt"] + found.levels["yellow"],
        "red": found.levels["red"] + found.levels["l3"],
        "to_send": found.statuses.get("preparing", 0),
    }
    # Most urgent first: the first rows of the worklist are those with a level, l3 down to prompt.
    first, _ = await queries.worklist(db, actor, department_code=None, status=None, level=level or None,
                                      project_id=None, today=today, page=1, page_size=URGENT_SHOWN)
    urgent = [r for r in first if r.clock.level != "none"]
    rows, total = await projects.search(db, actor, status=status or None, green_channel=green or None,
                                        enterprise_id=None, q=q, mine=mine, page=page_no, page_size=PAGE_SIZE)
    params = {k: v for k, v in {"status": status, "green": green, "level": level, "q": q,
                                "mine": "true" if mine else None}.items() if v}
    return page(request, "workbench.html", actor, rows=rows, total=total, page=page_no,
                pages=max(1, -(-total // PAGE_SIZE)), base="/app?" + urlencode(params) + ("&" if params else ""),
                counts=counts, urgent=urgent, filters={"status": status or "", "green": green or "",
                                                      "level": level or "", "q": q or "", "mine": mine},
                STATUS_NAMES=STATUS_NAMES, statuses=PROJECT_STATUS_NAMES, changed=request.query_params.get("changed"))


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
    body, errors = convert(dict(data), ProjectIn, optional=("land_area_mu", "description"))
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


HANDLERS: list[Any] = [workbench, enterprise_form, enterprise_create, project_form, project_create, not_found]

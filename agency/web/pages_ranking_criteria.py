"""The administrator's page of the ranking criteria (评比标准): the weights of the rates, the penalty, the
thresholds of 红旗窗口 and 服务标兵 and the minimum of completed items, saved in the database (the settings are
the defaults until then) and printed with every ranking; each change is an audit line."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.errors import AgencyError
from agency.reports import criteria
from agency.reports.rankings import RATE_NAMES, Criteria
from agency.web.pages_department import back
from agency.web.render import page, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PATH = "/app/admin/ranking-criteria"


def _form(c: Criteria) -> dict[str, str]:
    return {**{rate: f"{w:g}" for rate, w in c.weights}, "penalty": f"{c.penalty:g}",
            "flag_at_least": f"{c.flag_at_least:g}", "model_at_least": f"{c.model_at_least:g}",
            "min_completed": str(c.min_completed)}


async def _page(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, *,
                values: dict[str, str] | None = None, error: str | None = None, status_code: int = 200) -> Template:
    settings = request.app.state.settings
    stored = await criteria.current(db, settings)
    return page(request, "admin_ranking_criteria.html", actor, status_code=status_code, stored=stored,
                values=values or _form(stored.criteria), defaults=_form(Criteria.of(settings)),
                RATE_NAMES=RATE_NAMES, error=error, ok=request.query_params.get("ok"))


@get(PATH)
async def criteria_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    return await _page(request, actor, db)


@post(PATH)
async def criteria_save(request: Request[Any, Any, Any], data: Form, actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.ADMIN)
    shown = data.get("version", "")
    try:
        chosen = criteria.parse(data)
        await criteria.save(db, actor, request.app.state.settings, chosen, int(shown) if shown.isdigit() else None)
    except AgencyError as error:
        if error.status_code not in (409, 422):
            raise
        await db.rollback()
        await db.refresh(request.state.web_user)
        return await _page(request, actor, db, values={k: str(v)[:20] for k, v in data.items()},
                           error=zh(error.detail), status_code=error.status_code)
    return back(PATH, ok="已保存评比标准，排名和通报即按新标准计算。")


HANDLERS: list[Any] = [criteria_page, criteria_save]

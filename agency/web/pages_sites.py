"""The administrator's page of the county's service sites (center, sub-centers, township halls), and the
project page's site section: which site holds the dossier, its handovers, and the form a site's clerk hands it
over with — the same service functions as /api/sites and /api/projects/{id}/handover."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.accounts.models import User
from agency.errors import AgencyError, Invalid
from agency.projects import handover
from agency.projects.models import Project
from agency.sites import service as sites
from agency.sites.controllers import SITE_CODE
from agency.sites.models import KIND_WORDS
from agency.web.pages_department import back
from agency.web.render import page, zh

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _page(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, *, error: str | None = None,
                status_code: int = 200) -> Template:
    return page(request, "admin_sites.html", actor, sites=await sites.list_sites(db), kinds=KIND_WORDS,
                ok=request.query_params.get("ok"), error=error, status_code=status_code)


@get("/app/admin/sites")
async def sites_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    return await _page(request, actor, db)


@post("/app/admin/sites")
async def site_save(request: Request[Any, Any, Any], data: Form, actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.ADMIN)
    code = str(data.get("code") or "").strip()
    if not SITE_CODE.match(code):
        return await _page(request, actor, db, error="站点代码须为小写英文字母开头（如 hexi）。", status_code=422)
    try:
        await sites.save(db, actor, code, name=str(data.get("name") or ""), kind=str(data.get("kind") or ""))
    except AgencyError as error:
        if error.status_code != 422:
            raise
        await db.rollback()
        return await _page(request, actor, db, error=zh(error.detail), status_code=422)
    return back("/app/admin/sites", ok=f"已保存站点 {code}")


async def site_section(db: AsyncSession, actor: Actor, project: Project) -> dict[str, Any]:
    """What the project page shows of the sites: the holder, the handovers, whether this clerk only reads, and
    for the hand-over form the sites it may go to with the clerks each may name to take it (the center first)."""
    holds = await handover.holds(db, actor, project)
    every = await sites.list_sites(db)
    names = {s.code: s.name for s in every}
    may_hand_over = (actor.role is Role.CLERK and holds and project.status in handover.OPEN_STATUSES
                     and len(every) > 1)
    others = [s for s in every if s.code != project.site_code] if may_hand_over else []
    # Only the sites with a clerk on duty to take it: the service refuses the others (after the form was filled).
    clerks = [(s, found) for s in others if (found := await handover.receiving_clerks(db, s.code, s.kind))]
    return {"holder": await handover.holder_name(db, project), "read_only": actor.role is Role.CLERK and not holds,
            "may_hand_over": may_hand_over and bool(clerks), "targets": [s for s, _ in clerks], "names": names,
            "clerks": clerks, "history": await handover.history(db, actor, project.id)}


def _clerk_id(value: object) -> int | None:
    """The receiving clerk picked on the form; none: the receiving site's least loaded clerk takes it."""
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 2**53:
        raise Invalid("接办代办员选择无效（clerk_id）", field="clerk_id")
    return int(text)


@post("/app/projects/{project_id:int}/handover")
async def handover_form(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK)
    page_url = f"/app/projects/{project_id}"
    note = str(data.get("note") or "").strip()
    if len(note) < 2:
        return back(page_url, err="请填写移交说明。")
    try:
        done = await handover.hand_over(db, actor, project_id, note=note[:2000],
                                        site_code=str(data.get("site_code") or "").strip() or None,
                                        clerk_id=_clerk_id(data.get("clerk_id")))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back(page_url, err=error.detail)
    target = next((s.name for s in await sites.list_sites(db) if s.code == done.to_site_code), done.to_site_code)
    receiver = await db.get(User, done.received_by) if done.received_by else None
    taken = f"，由{receiver.display_name}接办" if receiver else ""
    return back(page_url, ok=f"已移交{target}{taken}；本站点保留只读查看。")


HANDLERS: list[Any] = [sites_page, site_save, handover_form]

"""The project page's editing forms: the dossier's details, its plan (add an item from the catalog, remove a
planned one with a reason) and its milestone dates — the same service functions as the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from litestar import post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals.rules import DROPPED
from agency.catalog import service as catalog
from agency.dossiers import editing
from agency.dossiers import service as projects
from agency.dossiers.schemas import ProjectPatch
from agency.errors import AgencyError
from agency.timeutil import today_local
from agency.web.forms import MESSAGES, convert
from agency.web.render import field_errors, see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
FIELD_NAMES = {"name": "项目名称", "investment_wan": "总投资", "land_area_mu": "用地面积", "location": "建设地点",
               "description": "项目简介", "clerk_id": "负责代办员", "version": "版本", "reason": "删除理由",
               "item_code": "审批事项", "expected_on": "预计日期", "done_on": "完成日期", "code": "里程碑"}


def _back(project_id: int, *, ok: str | None = None, err: str | None = None, anchor: str = "edit") -> Redirect:
    query = f"ok={quote(ok)}" if ok else f"err={quote(err or '')}"
    return see_other(f"/app/projects/{project_id}?{query}#{anchor}")


def _problem(error: AgencyError) -> str:
    fields = field_errors(error)
    named = [FIELD_NAMES.get(k, "") for k in fields if k != "_form"]
    return ("、".join(n for n in named if n) + "：" if any(named) else "") + zh(error.detail)


async def edit_context(session: AsyncSession, actor: Actor, approvals: list[Any]) -> dict[str, Any]:
    """What the project page's forms offer: the catalog items not in the live plan, and the clerks."""
    if actor.role is not Role.CLERK:
        return {"addable": [], "clerks": []}
    planned = {a.item_code for a in approvals if a.status not in DROPPED}
    return {"addable": [i for i in await catalog.current_items(session) if i.code not in planned],
            "clerks": await editing.active_clerks(session)}


@post("/app/projects/{project_id:int}/details")
async def edit_details(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Redirect:
    """``PATCH /api/projects/{id}`` as a form; a field left empty stays as it is."""
    actor.require(Role.CLERK)
    given = {k: v for k, v in data.items() if k in ProjectPatch.__struct_fields__ and v.strip()}
    body, errors = convert(given, ProjectPatch)
    if body is None:
        field = next(iter(errors))
        return _back(project_id, err=f"{FIELD_NAMES.get(field, '')}：{errors[field]}".lstrip("："))
    try:
        await editing.update_details(db, actor, project_id, {k: getattr(body, k) for k in body.__struct_fields__
                                                             if k != "version"}, body.version)
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(project_id, err=_problem(error))
    return _back(project_id, ok="项目信息已保存")


@post("/app/projects/{project_id:int}/plan")
async def add_item(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK)
    item_code = data.get("item_code", "").strip()
    if not item_code:
        return _back(project_id, err="请选择要增加的审批事项", anchor="plan-edit")
    try:
        approval = await projects.add_approval(db, actor, project_id, item_code)
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(project_id, err=_problem(error), anchor="plan-edit")
    return _back(project_id, ok=f"已增加事项：{approval.name}", anchor="plan-edit")


@post("/app/projects/{project_id:int}/plan/{approval_id:int}/remove")
async def remove_item(project_id: FromPath[int], approval_id: FromPath[int], data: Form,
                      actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK)
    try:
        await projects.remove_approval(db, actor, project_id, approval_id, data.get("reason"))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(project_id, err=_problem(error), anchor="plan-edit")
    return _back(project_id, ok="已从计划中删除该事项", anchor="plan-edit")


def _day(value: str | None) -> date | None:
    text = (value or "").strip()
    return date.fromisoformat(text) if text else None


@post("/app/projects/{project_id:int}/milestones/{code:str}")
async def milestone(project_id: FromPath[int], code: FromPath[str], data: Form, actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> Redirect:
    """``PUT /api/projects/{id}/milestones/{code}`` as a form: the expected date, or the day it was reached."""
    actor.require(Role.CLERK)
    try:
        expected_on, done_on = _day(data.get("expected_on")), _day(data.get("done_on"))
    except ValueError:
        return _back(project_id, err="里程碑：" + MESSAGES["valid_until"], anchor="milestones")
    try:
        await editing.set_milestone(db, actor, project_id, code, expected_on, done_on, today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(project_id, err=_problem(error), anchor="milestones")
    return _back(project_id, ok="里程碑日期已保存", anchor="milestones")


HANDLERS: list[Any] = [edit_details, add_item, remove_item, milestone]

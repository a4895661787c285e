"""The obligations' forms on the project page: the clerk (or the department) enters the start of construction
(开工) that meets them, or records an extension — the same service functions as /api/obligations."""

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
from agency.errors import AgencyError
from agency.obligations import service as obligations
from agency.timeutil import today_local
from agency.web.render import see_other, zh

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _back(project_id: int, key: str, message: str) -> Redirect:
    return see_other(f"/app/projects/{project_id}?{key}={quote(message)}#obligations")


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


@post("/app/projects/{project_id:int}/obligations/{obligation_id:int}/meet")
async def meet_form(project_id: FromPath[int], obligation_id: FromPath[int], data: Form,
                    actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK, Role.DEPARTMENT, Role.ADMIN)  # as the API's guard; the service checks the rest
    met_on = _day(data.get("met_on"))
    if met_on is None:
        return _back(project_id, "err", "请输入履行日期（年-月-日）。")
    try:
        met = await obligations.meet(db, actor, obligation_id, met_on=met_on, note=str(data.get("note", ""))[:1000],
                                     today=today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(project_id, "err", zh(error.detail))
    return _back(project_id, "ok", "已登记履行：" + "、".join(o.name for o in met))


@post("/app/projects/{project_id:int}/obligations/{obligation_id:int}/extend")
async def extend_form(project_id: FromPath[int], obligation_id: FromPath[int], data: Form,
                      actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK, Role.DEPARTMENT, Role.ADMIN)
    until = _day(data.get("until"))
    if until is None:
        return _back(project_id, "err", "请输入延期后的到期日（年-月-日）。")
    try:
        obligation = await obligations.extend(db, actor, obligation_id, until=until, document_file_id=None,
                                              version=None, today=today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(project_id, "err", zh(error.detail))
    return _back(project_id, "ok", f"已登记延期：{obligation.name}，到期日 {obligation.due_on.isoformat()}")


HANDLERS: list[Any] = [meet_form, extend_form]

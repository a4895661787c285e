"""The joint-acceptance form (联合验收意见): a participant department records its opinion on the project's
coordination page. The same service function as ``POST /api/approvals/{id}/opinions``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals.models import Approval
from agency.coordination import joint
from agency.errors import AgencyError
from agency.timeutil import today_local
from agency.web.render import see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


@post("/app/approvals/{approval_id:int}/opinions")
async def record_opinion(approval_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.DEPARTMENT)
    state = await joint.show(db, actor, approval_id)  # 404 for what the department may not see
    project_id = (await db.execute(select(Approval.project_id).where(Approval.id == approval_id))).scalar_one()
    back = f"/app/projects/{project_id}/coordination"
    verdict = data.get("verdict")
    if verdict not in ("pass", "fail"):
        return see_other(f"{back}?err={quote('请选择通过或不通过')}#joint-{state.approval_id}")
    findings = [line.strip() for line in data.get("findings", "")[:4000].splitlines() if line.strip()]
    try:
        await joint.record(db, actor, approval_id, passed=verdict == "pass", findings=findings,
                           participant=data.get("participant", "")[:32] or None, today=today_local())
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}?err={quote(zh(error.detail))}#joint-{approval_id}")
    return see_other(f"{back}?ok={quote('联合验收意见已记录')}#joint-{approval_id}")


HANDLERS: list[Any] = [record_opinion]

"""The material forms of the approval page: withdraw a wrong file, review an enterprise's upload, decide what
stands in for a material.

Both call the service function the API calls (agency/approvals/materials.py); a refusal comes back as the
approval page with the message beside the material.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.approvals import material_review, materials
from agency.errors import AgencyError
from agency.files.models import StoredFile
from agency.timeutil import today_local
from agency.web.pages_approval import render_approval
from agency.web.render import see_other, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _refused(request: Request[Any, Any, Any], state: State, actor: Actor, db: AsyncSession, approval_id: int,
                   key: str, error: AgencyError) -> Template | Redirect:
    await db.rollback()
    if getattr(request.state, "web_user", None) is not None:
        await db.refresh(request.state.web_user)
    return await render_approval(request, state, actor, db, approval_id, status_code=error.status_code,
                                 errors={key: zh(error.detail)})


@post("/app/files/{file_id:int}/withdraw")
async def withdraw_file(request: Request[Any, Any, Any], file_id: FromPath[int], data: Form, state: State,
                        actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    row = await db.get(StoredFile, file_id)
    approval_id = row.approval_id if row is not None else None
    try:
        withdrawn = await materials.withdraw(db, actor, file_id, data.get("reason", ""))
    except AgencyError as error:
        if error.status_code == 404 or approval_id is None or row is None:
            raise
        return await _refused(request, state, actor, db, approval_id, f"upload-{row.material_code}", error)
    message = f"已撤回：{withdrawn.original_name}（保留在材料记录中）"
    return see_other(f"/app/approvals/{withdrawn.approval_id}?ok={quote(message)}#mat-{withdrawn.material_code}")


@post("/app/files/{file_id:int}/review")
async def review_file(request: Request[Any, Any, Any], file_id: FromPath[int], data: Form, state: State,
                      actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    """采纳 or 退回 an enterprise's upload (the reason is shown to the enterprise on the portal)."""
    row = await db.get(StoredFile, file_id)
    approval_id = row.approval_id if row is not None else None
    accept = data.get("accept") == "1"
    try:
        reviewed = await material_review.review(db, actor, file_id, accept, data.get("reason", ""))
    except AgencyError as error:
        if error.status_code == 404 or approval_id is None or row is None:
            raise
        return await _refused(request, state, actor, db, approval_id, f"upload-{row.material_code}", error)
    message = f"{'已采纳' if accept else '已退回'}：{reviewed.original_name}"
    return see_other(f"/app/approvals/{reviewed.approval_id}?ok={quote(message)}#mat-{reviewed.material_code}")


@post("/app/approvals/{approval_id:int}/materials/{material_code:str}/state")
async def material_state(request: Request[Any, Any, Any], approval_id: FromPath[int], material_code: FromPath[str],
                         data: Form, state: State, actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Template | Redirect:
    key = f"upload-{material_code}"
    promised: date | None = None
    if data.get("promised_on"):
        try:
            promised = date.fromisoformat(data["promised_on"])
        except ValueError:
            return await render_approval(request, state, actor, db, approval_id, status_code=422,
                                         errors={key: "补交日期须为年-月-日。"})
    reused_from = data.get("reused_from_approval_id", "")
    change = materials.StateChange(
        data.get("state", ""), promised, int(reused_from) if reused_from.isdigit() and len(reused_from) < 12 else None,
        data.get("source") or None, data.get("reference") or None, data.get("reason") or None)
    try:
        view = await materials.set_state(db, actor, approval_id, material_code, change, today_local())
    except AgencyError as error:
        if error.status_code == 404:
            raise
        return await _refused(request, state, actor, db, approval_id, key, error)
    message = f"{view.name}：{materials.STATE_NAMES[view.state]}"
    return see_other(f"/app/approvals/{approval_id}?ok={quote(message)}#mat-{material_code}")


HANDLERS: list[Any] = [withdraw_file, review_file, material_state]

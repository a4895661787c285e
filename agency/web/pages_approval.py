"""The approval page: clock in plain words, materials with uploads, the actions allowed now, its timeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, Role
from agency.approvals import queries, service
from agency.approvals.controllers import clock_summary
from agency.approvals.rules import ACTION_NAMES, RULES, STATUS_NAMES
from agency.approvals.schemas import ActionIn
from agency.db.session import undo_side_effects
from agency.documents.controllers import papers_of
from agency.errors import AgencyError
from agency.files import service as files
from agency.projects import service as projects
from agency.timeutil import today_local
from agency.web.forms import convert
from agency.web.render import field_errors, page, see_other, zh
from agency.web.session import page_api_token

# Which form fields each action asks for (the service decides which are required).
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "prepare": ("note",), "submit": ("note",), "accept": ("note",), "refuse_intake": ("reason", "legal_basis"),
    "request_supplement": ("missing_materials", "reason"), "resubmit": ("note",), "suspend": ("reason", "days"),
    "resume": ("note",), "extend": ("reason", "days"), "approve": ("certificate_no", "valid_until", "note"),
    "reject": ("reason", "legal_basis"), "withdraw": ("reason",),
}
FIELD_LABELS = {"note": "备注", "reason": "理由", "legal_basis": "法律依据",
                "missing_materials": "需补正的材料（一次性列明全部）",
                "days": "天数（工作日）", "certificate_no": "证书/批文编号", "valid_until": "有效期至",
                "effective_on": "实际办理日期"}
OPTIONAL = ("note", "reason", "legal_basis", "days", "certificate_no", "valid_until", "effective_on")
DANGER = {"refuse_intake", "reject", "withdraw"}


def _timeline(events: list[Any], approval_id: int) -> list[Any]:
    """The approval's own events (its actions), and uploads and papers that name it."""
    key = str(approval_id)
    return [e for e in events if (e.object_type == "approval" and e.object_id == key)
            or (e.action in ("file.upload", "document.generate") and (e.after or {}).get("approval_id") == approval_id)]


def _materials(view: queries.ApprovalView) -> list[dict[str, Any]]:
    return [{"code": m["code"], "name": m["name"], "required": m.get("required", True),
             "copies": m.get("copies", 1), "original": m.get("original", "original"),
             "accepted_types": m.get("accepted_types", ["pdf"]), "files": view.files.get(m["code"], [])}
            for m in view.approval.snapshot.get("materials") or []]


def shows_effective_on(action: str, view: queries.ApprovalView, actor: Actor) -> bool:
    """The recorded date of a department's act: asked when the clerk records an offline department, or the admin."""
    return RULES[action].side == "department" and (view.department.mode == "offline" or actor.role is Role.ADMIN) \
        and actor.role is not Role.DEPARTMENT


async def render_approval(request: Request[Any, Any, Any], state: State, actor: Actor, db: AsyncSession,
                          approval_id: int, *, status_code: int = 200, errors: dict[str, str] | None = None,
                          failed: str | None = None, values: dict[str, Any] | None = None) -> Template | Redirect:
    today = today_local()
    view = await queries.approval_view(db, actor, approval_id, today)
    if actor.role is Role.ENTERPRISE:
        return see_other(f"/app/portal/projects/{view.project.id}")
    events, _ = await projects.events(db, actor, view.project.id, page=1, page_size=500)
    allowed = queries.allowed_actions(view, actor)
    can_upload = actor.role in (Role.CLERK, Role.ADMIN) and view.approval.status not in (
        "approved", "rejected", "refused", "withdrawn")
    return page(request, "approval.html", actor, status_code=status_code, v=view, a=view.approval,
                summary=clock_summary(view), materials=_materials(view), allowed=allowed,
                effective={action: shows_effective_on(action, view, actor) for action in allowed},
                events=_timeline(events, approval_id), can_upload=can_upload,
                api_token=page_api_token(state, actor) if can_upload else "",
                ACTION_NAMES=ACTION_NAMES, ACTION_FIELDS=ACTION_FIELDS, FIELD_LABELS=FIELD_LABELS, DANGER=DANGER,
                STATUS_NAMES=STATUS_NAMES,
                errors=errors or {}, failed=failed, today=today, values=values or {},
                ok=request.query_params.get("ok"), err=request.query_params.get("err"),
                doc=request.query_params.get("doc"))


@get("/app/approvals/{approval_id:int}")
async def approval_page(request: Request[Any, Any, Any], approval_id: FromPath[int], state: State,
                        actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    return await render_approval(request, state, actor, db, approval_id)


async def read_action_form(request: Request[Any, Any, Any], *, action: str | None = None
                           ) -> tuple[dict[str, Any], ActionIn | None, dict[str, str]]:
    """An action form's values as posted (``action`` fixed by the route if given), its request Struct (or
    None) and the fields that failed."""
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in ("action", "version", *OPTIONAL)}
    if action is not None:
        values["action"] = action
    values["missing_materials"] = [str(v) for v in form.getall("missing_materials", [])] or None
    body, errors = convert(values, ActionIn, optional=OPTIONAL)
    return values, body, errors


async def refused_action(request: Request[Any, Any, Any], state: State, actor: Actor, db: AsyncSession,
                         approval_id: int, values: dict[str, Any], errors: dict[str, str],
                         status_code: int) -> Template | Redirect:
    """The approval page again, the failed action's form open with what was typed and the messages."""
    action = values["action"] if values["action"] in RULES else None
    # What no field of the failed form shows goes to the top of the page.
    shown = set(ACTION_FIELDS.get(action or "", ())) | {"effective_on"}
    for key in [k for k in errors if k not in shown and k != "_form"]:
        errors["_form"] = errors.pop(key)
    return await render_approval(request, state, actor, db, approval_id, status_code=status_code, errors=errors,
                                 failed=action, values=values)


@post("/app/approvals/{approval_id:int}/actions")
async def take_action(request: Request[Any, Any, Any], approval_id: FromPath[int], state: State,
                      actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    values, body, errors = await read_action_form(request)
    if body is None:
        return await refused_action(request, state, actor, db, approval_id, values, errors, 422)
    try:
        await service.act(db, actor, approval_id, body, today_local(), papers_of(state))
    except AgencyError as error:
        if error.status_code == 404:
            raise
        await db.rollback()
        await undo_side_effects(db)
        if getattr(request.state, "web_user", None) is not None:
            await db.refresh(request.state.web_user)  # expired by the rollback; the page header reads it
        errors = {k: zh(v) for k, v in field_errors(error).items()}
        return await refused_action(request, state, actor, db, approval_id, values, errors, error.status_code)
    done = f"已办理：{ACTION_NAMES[body.action]}"
    if body.action in ("request_supplement", "refuse_intake", "reject"):
        done += "，告知书已生成（见项目文书）"
    return see_other(f"/app/approvals/{approval_id}?ok={quote(done)}")


CHUNK = 1024 * 1024


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    """The spooled part in 1 MiB pieces; ``UploadFile.read`` reads a part spooled to disk in a thread."""
    while chunk := await upload.read(CHUNK):
        yield chunk


async def _store_one(db: AsyncSession, actor: Actor, store: storage.BlobStore, limit: int, approval_id: int,
                     material_code: str, upload: UploadFile) -> int:
    """One file as the API stores it: no transaction held while it is written, the object removed if its row fails."""
    approval, material = await files.approval_for_upload(db, actor, approval_id, material_code)
    await db.commit()
    blob = await files.store_upload(store, _chunks(upload), limit=limit, accepted=files.accepted_types(material))
    try:
        row = await files.record_upload(db, actor, approval, material_code, blob, files.display_name(
            upload.filename, files.fallback_name(material_code, blob.content_type)))
        await db.commit()
    except BaseException:
        await db.rollback()
        await files.discard_upload(store, blob.key)
        raise
    return row.version


# Without JavaScript the browser posts a form that Litestar spools to disk before the handler runs;
# this cap bounds that spool (scans beyond it go through the streaming API upload the page's script uses).
FORM_UPLOAD_CAP = 1024 * 1024 * 1024


@post("/app/approvals/{approval_id:int}/materials/{material_code:str}/files",
      request_max_body_size=FORM_UPLOAD_CAP)
async def upload_page(request: Request[Any, Any, Any], approval_id: FromPath[int], material_code: FromPath[str],
                      state: State, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Template | Redirect:
    """The upload form without JavaScript (upload.js sends each file to the API with a progress bar instead).

    The CSRF middleware has already parsed the multipart body (parts spooled to disk); each file is then
    streamed to storage in chunks, exactly like the API. Success → 303 back with a message; a refusal →
    the page again with the message next to the material.
    """
    form = await request.form()
    uploads = [u for u in form.getall("file", []) if isinstance(u, UploadFile) and (u.filename or "")]
    key = f"upload-{material_code}"
    if not uploads:
        return await render_approval(request, state, actor, db, approval_id, status_code=422,
                                     errors={key: "请先选择要上传的文件。"})
    limit = int(state.settings.upload_limit_bytes)
    done: list[str] = []
    try:
        for upload in uploads:
            version = await _store_one(db, actor, state.blob_store, limit, approval_id, material_code, upload)
            done.append(f"{files.display_name(upload.filename, material_code)}（第 {version} 版）")
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        if getattr(request.state, "web_user", None) is not None:
            await db.refresh(request.state.web_user)
        message = zh(error.detail)
        if done:
            message = f"已上传 {'、'.join(done)}；{uploads[len(done)].filename or '下一个文件'}未上传：{message}"
        return await render_approval(request, state, actor, db, approval_id, status_code=error.status_code,
                                     errors={key: message})
    finally:
        for upload in uploads:
            await upload.close()
    return see_other(f"/app/approvals/{approval_id}?ok={quote('已上传：' + '、'.join(done))}#mat-{material_code}")


HANDLERS: list[Any] = [approval_page, take_action, upload_page]

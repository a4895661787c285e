"""The approval page: clock in plain words, materials with uploads, the actions allowed now, its timeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import Actor, Role
from agency.approvals import decisions, materials, queries, service
from agency.approvals.controllers import clock_summary
from agency.approvals.materials import STATE_NAMES
from agency.approvals.models import Approval
from agency.approvals.rules import ACTION_NAMES, PROCEDURE_NAMES, RULES, STATUS_NAMES
from agency.approvals.schemas import ActionIn
from agency.bundles import service as bundles
from agency.db.session import undo_side_effects
from agency.documents.controllers import papers_of
from agency.dossiers import service as projects
from agency.errors import AgencyError, Invalid
from agency.files import service as files
from agency.files.upload_stream import StreamedForm
from agency.projects import handover
from agency.timeutil import today_local
from agency.web import csrf
from agency.web.forms import convert
from agency.web.pages_fees import fee_section
from agency.web.render import field_errors, page, see_other, zh
from agency.web.session import page_api_token

# Which form fields each action asks for (the service decides which are required).
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "prepare": ("note",), "submit": ("note",), "accept": ("note",), "refuse_intake": ("reason", "legal_basis"),
    "request_supplement": ("missing_materials", "reason"), "resubmit": ("note",),
    "suspend": ("kind", "reason", "days"),
    "resume": ("note",), "extend": ("reason", "days"),
    "approve": ("decision_file", "certificate_no", "valid_until", "note"),
    "reject": ("reason", "legal_basis"), "withdraw": ("reason",), "terminate": ("reason",),
}
FIELD_LABELS = {"note": "备注", "reason": "理由", "legal_basis": "法律依据",
                "missing_materials": "需补正的材料（一次性列明全部）",
                "days": "天数（工作日）", "certificate_no": "证书/批文编号", "valid_until": "有效期至",
                "effective_on": "实际办理日期", "kind": "特别程序（不计入办理时限）",
                "decision_file": "批文或证照扫描件（PDF、JPEG、PNG、TIFF、OFD）"}
OPTIONAL = ("note", "reason", "legal_basis", "days", "certificate_no", "valid_until", "effective_on", "kind")
DANGER = {"refuse_intake", "reject", "withdraw", "terminate"}


def _timeline(events: list[Any], approval_id: int) -> list[Any]:
    """The approval's own events (its actions), and uploads and papers that name it."""
    key = str(approval_id)
    return [e for e in events if (e.object_type == "approval" and e.object_id == key)
            or (e.action in ("file.upload", "document.generate") and (e.after or {}).get("approval_id") == approval_id)]


def _materials(view: queries.ApprovalView, actor: Actor, read_only: bool) -> list[dict[str, Any]]:
    return [{"code": m.code, "name": m.name, "required": m.required, "copies": m.spec.get("copies", 1),
             "original": m.spec.get("original", "original"), "accepted_types": m.spec.get("accepted_types", ["pdf"]),
             "files": m.files, "history": m.history, "pending": m.pending, "state": m.state,
             "state_name": STATE_NAMES[m.state], "decision": m.decision, "spec": m.spec,
             "decidable": [] if read_only else materials.decidable(actor, view.approval, view.department, m)}
            for m in view.materials]


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
    # A site's clerk keeps a read-only view of a dossier his site handed away: no forms (they answer 403).
    read_only = not await handover.holds(db, actor, view.project)
    allowed = [] if read_only else queries.allowed_actions(view, actor)
    can_upload = not read_only and actor.role in (Role.CLERK, Role.ADMIN) and view.approval.status not in (
        "approved", "rejected", "refused", "withdrawn")
    return page(request, "approval.html", actor, status_code=status_code, v=view, a=view.approval,
                summary=clock_summary(view), materials=_materials(view, actor, read_only), allowed=allowed,
                reusable=await materials.reuse_candidates(db, view.approval),
                effective={action: shows_effective_on(action, view, actor) for action in allowed},
                events=_timeline(events, approval_id), can_upload=can_upload,
                api_token=page_api_token(state, actor) if can_upload else "",
                ACTION_NAMES=ACTION_NAMES, PROCEDURE_NAMES=PROCEDURE_NAMES, ACTION_FIELDS=ACTION_FIELDS,
                FIELD_LABELS=FIELD_LABELS, DANGER=DANGER,
                STATUS_NAMES=STATUS_NAMES,
                errors=errors or {}, failed=failed, today=today, values=values or {},
                ok=request.query_params.get("ok"), err=request.query_params.get("err"),
                doc=request.query_params.get("doc"),
                fees=await fee_section(db, actor, state, view.approval, read_only=read_only))


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
    blob: storage.StoredBlob | None = None
    try:
        if body.action == "resubmit":  # the supplement goes out as a bundle with its 移交清单, as through the API
            await bundles.resubmit(db, actor, papers_of(state), approval_id, body, today_local())
        elif body.action == "approve":  # the page asks for the decision's scan, stored first, then named
            blob, name = await _decision_scan(request, db, actor, state, approval_id)
            row = await decisions.record(db, actor, await db.get_one(Approval, approval_id), blob, name)
            body.decision_file_ids = [row.id]
            await service.act(db, actor, approval_id, body, today_local())
        else:
            await service.act(db, actor, approval_id, body, today_local())
    except AgencyError as error:
        if blob is not None:
            await files.discard_upload(state.blob_store, blob.key)
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
    elif body.action == "resubmit":
        done += "，已组批报送并生成材料移交清单"
    return see_other(f"/app/approvals/{approval_id}?ok={quote(done)}")


async def _decision_scan(request: Request[Any, Any, Any], db: AsyncSession, actor: Actor, state: State,
                         approval_id: int) -> tuple[storage.StoredBlob, str]:
    """The decision's scan posted with the approve form, checked and stored as ``POST …/decision-files`` does."""
    await decisions.approval_for_decision_file(db, actor, approval_id)
    upload = (await request.form()).get("decision_file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("请上传批文或证照的扫描件（decision_file is required）", field="decision_file")

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await upload.read(1 << 16):
            yield chunk

    limit = int(state.settings.upload_limit_bytes)
    blob = await files.store_upload(state.blob_store, chunks(), limit=limit, accepted=decisions.ACCEPTED)
    return blob, files.display_name(upload.filename, files.fallback_name("decision", blob.content_type))


async def _store_one(db: AsyncSession, actor: Actor, store: storage.BlobStore, limit: int, approval: Approval,
                     material: dict[str, object], material_code: str, chunks: AsyncIterator[bytes],
                     filename: str | None) -> tuple[int, str]:
    """One file as the API stores it: no transaction held while it is written, the object removed if its row fails."""
    blob = await files.store_upload(store, chunks, limit=limit, accepted=materials.accepted_types(material))
    name = files.display_name(filename, files.fallback_name(material_code, blob.content_type))
    try:
        row = await materials.record_upload(db, actor, approval, material_code, blob, name)
        await db.commit()
    except BaseException:
        await db.rollback()
        await files.discard_upload(store, blob.key)
        raise
    return row.version, name


@post("/app/approvals/{approval_id:int}/materials/{material_code:str}/files",
      request_max_body_size=None, opt={csrf.EXCLUDE: True})
async def upload_page(request: Request[Any, Any, Any], approval_id: FromPath[int], material_code: FromPath[str],
                      state: State, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Template | Redirect:
    """The upload form without JavaScript (upload.js sends each file to the API with a progress bar instead).

    Checked before a byte of the body is read: the web session (the ``actor`` dependency), then the approval
    and the material as the API checks them (404 for an approval the user may not see, 403 for a role that
    does not upload). Then the body is read as a stream, part by part: the CSRF token first (the form puts it
    first; it is checked here rather than by the middleware, which would parse the whole body), then each
    file straight on to storage, the whole body held to the upload limit like the API's.
    """
    limit = int(state.settings.upload_limit_bytes)
    key = f"upload-{material_code}"
    done: list[str] = []
    checked = False  # the CSRF token: until it is, a refusal is an error page, never the redirect of a form
    try:
        approval, material = await materials.approval_for_upload(db, actor, approval_id, material_code)
        await db.commit()  # no transaction held while the files arrive
        cookies, header = dict(request.cookies), request.headers.get(csrf.HEADER)
        if (header is not None and not csrf.valid(state.settings, cookies, header)) or \
                (header is None and request.content_type[0] != "multipart/form-data"):
            raise PermissionDeniedException(csrf.FAILED)
        form = StreamedForm(request, limit)
        if header is None:
            first = await form.next_part()
            if first is None or first.name != csrf.FIELD or not csrf.valid(state.settings, cookies, await form.text()):
                raise PermissionDeniedException(csrf.FAILED)
        checked = True
        while (part := await form.next_part()) is not None:
            if part.name != "file" or not part.filename:
                continue
            version, name = await _store_one(db, actor, state.blob_store, limit, approval, material, material_code,
                                             form.chunks(), part.filename)
            done.append(f"{name}（第 {version} 版）")
    except AgencyError as error:
        if error.status_code in (403, 404) or (actor.role is Role.ENTERPRISE and not checked):
            raise
        await db.rollback()
        if getattr(request.state, "web_user", None) is not None:
            await db.refresh(request.state.web_user)
        message = zh(error.detail)
        if done:
            message = f"已上传 {'、'.join(done)}；其后的文件未上传：{message}"
        if actor.role is Role.ENTERPRISE:
            return await _back_to_portal(db, approval_id, material_code, "failed", message)
        return await render_approval(request, state, actor, db, approval_id, status_code=error.status_code,
                                     errors={key: message})
    if not done:
        if actor.role is Role.ENTERPRISE:
            return await _back_to_portal(db, approval_id, material_code, "failed", "请先选择要上传的文件。")
        return await render_approval(request, state, actor, db, approval_id, status_code=422,
                                     errors={key: "请先选择要上传的文件。"})
    if actor.role is Role.ENTERPRISE:
        return await _back_to_portal(db, approval_id, material_code, "ok",
                                     f"已上传：{'、'.join(done)}，等待代办员审核")
    return see_other(f"/app/approvals/{approval_id}?ok={quote('已上传：' + '、'.join(done))}#mat-{material_code}")


async def _back_to_portal(db: AsyncSession, approval_id: int, material_code: str, key: str, message: str) -> Redirect:
    """The enterprise uploads from its project page (网上办事), and goes back there with what happened."""
    project_id = (await db.execute(select(Approval.project_id).where(Approval.id == approval_id))).scalar_one()
    return see_other(f"/app/portal/projects/{project_id}?{key}={quote(message)}#ask-{approval_id}-{material_code}")


HANDLERS: list[Any] = [approval_page, take_action, upload_page]

"""The sync's review queue for the clerk and the admin, and the admin's integration keys."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.accounts import integration
from agency.errors import AgencyError
from agency.sync import service as sync
from agency.sync.models import SYNC_STATUS_NAMES, SYNC_STATUSES
from agency.timeutil import today_local
from agency.web.pages_department import back
from agency.web.render import page

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
QUEUE = "/app/sync"
ACT_NAMES = {
    "submitted": "报送", "accepted": "受理", "supplement_requested": "一次性告知补正", "resubmitted": "补正后提交",
    "suspended": "中止", "resumed": "恢复办理", "extended": "延长期限", "approved": "准予（办结）",
    "rejected": "不予许可", "refused_intake": "不予受理", "withdrawn": "撤回"}


async def _queue_page(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, *,
                      new_key: str | None = None, key_name: str | None = None) -> Template:
    status = request.query_params.get("status")
    status = status if status in SYNC_STATUSES else None
    rows, total = await sync.queue(db, actor, status=status, page=1, page_size=200)
    keys = await integration.list_keys(db, actor) if actor.role is Role.ADMIN else []
    return page(request, "sync_queue.html", actor, rows=rows, total=total, status=status,
                counts=await sync.counts(db, actor), STATUS_NAMES=SYNC_STATUS_NAMES, ACT_NAMES=ACT_NAMES,
                keys=keys, new_key=new_key, key_name=key_name, ok=request.query_params.get("ok"),
                err=request.query_params.get("err"))


@get(QUEUE)
async def queue_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN, Role.CLERK)
    return await _queue_page(request, actor, db)


async def _handled(db: AsyncSession, work: Any, done: str) -> Redirect:
    try:
        row = await work
    except AgencyError as error:
        if error.status_code == 403:
            raise
        await db.rollback()  # a record that is gone is no secret to whom may see the queue: said on the page
        return back(QUEUE, err=error.detail)
    if row.status == "applied":
        return back(QUEUE, ok=f"记录 {row.record_id} 已应用")
    if row.status == "discarded":
        return back(QUEUE, ok=f"记录 {row.record_id} 已弃用")
    return back(QUEUE, err=f"记录 {row.record_id} 仍未能应用：{row.reason or done}")


@post(f"{QUEUE}/{{record_id:int}}/apply")
async def apply_record(record_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Redirect:
    """Try a queued record again, or (the admin, a late record, with ``reason``) apply it as a correction: the
    same service function as POST /api/sync/queue/{id}/apply."""
    actor.require(Role.ADMIN, Role.CLERK)
    reason = str(data.get("reason", "")).strip() or None
    return await _handled(db, sync.apply(db, actor, record_id, today_local(), reason), "重试")


@post(f"{QUEUE}/{{record_id:int}}/match")
async def match_record(record_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.ADMIN, Role.CLERK)
    given = str(data.get("approval_id", "")).strip()
    if not given.isdigit() or not 1 <= int(given) <= 2**62:
        return back(QUEUE, err="请填写要匹配的审批事项编号（数字）")
    return await _handled(db, sync.match(db, actor, record_id, int(given), today_local()), "匹配")


@post(f"{QUEUE}/{{record_id:int}}/discard")
async def discard_record(record_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.ADMIN, Role.CLERK)
    reason = str(data.get("reason", "")).strip()
    if len(reason) < 2:
        return back(QUEUE, err="弃用须说明理由（至少 2 个字）")
    return await _handled(db, sync.discard(db, actor, record_id, reason), "弃用")


@post("/app/admin/integration-keys")
async def create_key(request: Request[Any, Any, Any], data: Form, actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> Template | Redirect:
    """The key is shown on this answer only; afterwards only its name and dates are."""
    actor.require(Role.ADMIN)
    try:
        row, key = await integration.create_key(db, actor, str(data.get("name", "")))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return back(QUEUE, err=error.detail)
    return await _queue_page(request, actor, db, new_key=key, key_name=row.name)


@post("/app/admin/integration-keys/{key_id:int}/revoke")
async def revoke_key(key_id: FromPath[int], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.ADMIN)
    try:
        row = await integration.revoke_key(db, actor, key_id)
    except AgencyError as error:
        if error.status_code == 403:
            raise
        return back(QUEUE, err=error.detail)
    return back(QUEUE, ok=f"接口密钥 {row.name} 已吊销")


HANDLERS: list[Any] = [queue_page, apply_record, match_record, discard_record, create_key, revoke_key]

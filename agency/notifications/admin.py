"""The outbox as the administrator sees it: what is pending, what was sent, what died, and a retry.

Addresses are masked here too: the administrator needs to see that a number is wrong, not read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.notifications.delivery import masked_address, retry_dead
from agency.notifications.links import masked
from agency.notifications.models import Notification
from agency.schemas import PageNo, PageSize, ResponseBody

# The pattern sits on the optional type itself: ``FromQuery[Annotated[str, …] | None]`` loses it.
Status = Annotated[str | None, QueryParameter(pattern="^(pending|sent|dead)$")]
Channel = Annotated[str | None, QueryParameter(pattern="^(in_app|sms|email)$")]

STATUS_NAMES = {"pending": "待发送", "sent": "已发送", "dead": "投递失败"}


class OutboxItem(ResponseBody):
    id: int
    channel: str
    status: str
    status_name: str
    recipient_name: str
    recipient: str | None
    recipient_user_id: int | None
    subject: str
    body: str
    object_type: str
    object_id: str | None
    project_id: int | None
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class OutboxPage(ResponseBody):
    items: list[OutboxItem]
    total: int
    page: int
    page_size: int
    counts: dict[str, int]  # by status, whatever the filter: the dead letters are never out of sight


def outbox_item(n: Notification) -> OutboxItem:
    return OutboxItem(
        id=n.id, channel=n.channel, status=n.status, status_name=STATUS_NAMES.get(n.status, n.status),
        recipient_name=n.recipient_name, recipient=masked_address(n.channel, n.recipient_address),
        recipient_user_id=n.recipient_user_id, subject=n.subject, body=masked(n.body), object_type=n.object_type,
        object_id=n.object_id, project_id=n.project_id, attempts=n.attempts, next_attempt_at=n.next_attempt_at,
        last_error=n.last_error, created_at=n.created_at, sent_at=n.sent_at)


class OutboxController(Controller):
    path = "/api/outbox"
    tags = ["通知投递 outbox"]
    guards = [require_roles(Role.ADMIN)]

    @get("")
    async def search(self, db: NamedDependency[AsyncSession], status: Status = None,
                     channel: Channel = None, page: PageNo = 1,
                     page_size: PageSize = 50) -> OutboxPage:
        """Outbox messages, newest first; ``status=dead`` lists the dead letters to look after."""
        query = select(Notification)
        if status is not None:
            query = query.where(Notification.status == status)
        if channel is not None:
            query = query.where(Notification.channel == channel)
        total = (await db.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        rows = (await db.execute(query.order_by(Notification.id.desc()).offset((page - 1) * page_size)
                                 .limit(page_size))).scalars().all()
        counts = {name: 0 for name in STATUS_NAMES}
        by_status = select(Notification.status, func.count()).group_by(Notification.status)
        if channel is not None:
            by_status = by_status.where(Notification.channel == channel)
        for name, count in (await db.execute(by_status)).tuples():
            counts[name] = count
        return OutboxPage(items=[outbox_item(n) for n in rows], total=total, page=page, page_size=page_size,
                          counts=counts)

    @post("/{notification_id:int}/retry", status_code=200)
    async def retry(self, notification_id: FromPath[int], actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> OutboxItem:
        """A dead letter goes back to pending with its attempts reset; the worker sends it on its next run."""
        return outbox_item(await retry_dead(db, actor, notification_id))

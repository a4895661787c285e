from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.notifications import service
from agency.schemas import Id, PageNo, PageSize, RequestBody, ResponseBody


class NotificationOut(ResponseBody):
    id: int
    subject: str
    body: str
    object_type: str
    object_id: str | None
    project_id: int | None
    created_at: datetime
    read_at: datetime | None


class Inbox(ResponseBody):
    items: list[NotificationOut]
    total: int
    unread: int
    page: int
    page_size: int


class MarkReadIn(RequestBody):
    ids: Annotated[list[Id], msgspec.Meta(max_length=1000)] | None = None


class NotificationController(Controller):
    path = "/api/notifications"
    tags = ["通知 notifications"]

    @get("")
    async def inbox(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                    unread: FromQuery[bool] = False,
                    page: PageNo = 1,
                    page_size: PageSize = 50) -> Inbox:
        """The caller's in-app notifications, newest first."""
        rows, total, unread_count = await service.inbox(db, actor, unread_only=unread, page=page,
                                                        page_size=page_size)
        return Inbox(items=[NotificationOut(id=n.id, subject=n.subject, body=n.body, object_type=n.object_type,
                                            object_id=n.object_id, project_id=n.project_id,
                                            created_at=n.created_at, read_at=n.read_at) for n in rows],
                     total=total, unread=unread_count, page=page, page_size=page_size)

    @post("/read", status_code=200)
    async def mark_read(self, data: JSONBody[MarkReadIn], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> dict[str, int]:
        """Mark the given notifications (or all, without ``ids``) as read."""
        return {"marked": await service.mark_read(db, actor, data.ids)}

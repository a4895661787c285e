"""Writing messages to the outbox, in the transaction of the change that causes them.

Delivery (SMS, e-mail, retries, dead letters) is the worker's; an in-app message is delivered by
being written. A dedupe key makes writing the same message twice a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, select, true, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor
from agency.accounts.models import User
from agency.audit import service as audit
from agency.db import upsert
from agency.db.base import IdType, UTCDateTime
from agency.db.paging import paginate
from agency.enterprises.models import Enterprise
from agency.notifications.models import Notification

SMS_LIMIT = 70  # one SMS segment of Chinese text


async def enqueue(session: AsyncSession, *, key: str, channel: str, subject: str, body: str, object_type: str,
                  object_id: object, project_id: int | None = None, user_id: int | None = None,
                  address: str | None = None, name: str = "") -> None:
    now = timeutil.now()
    values = {
        "dedupe_key": f"{key}:{channel}:{user_id if user_id is not None else address}"[:200],
        "channel": channel, "recipient_user_id": user_id, "recipient_address": address,
        "recipient_name": name[:100], "subject": subject[:200],
        "body": body[:SMS_LIMIT] if channel == "sms" else body,
        "object_type": object_type, "object_id": None if object_id is None else str(object_id),
        "project_id": project_id, "status": "sent" if channel == "in_app" else "pending", "attempts": 0,
        "next_attempt_at": now, "created_at": now, "sent_at": now if channel == "in_app" else None,
    }
    if channel != "in_app":
        session.info["kick_delivery"] = True
    await session.execute(upsert.insert(session, Notification).values(**values).on_conflict_do_nothing(
        index_elements=[Notification.dedupe_key]))


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a batch: in the app to every active user that meets ``users``, or by SMS to ``address``."""

    key: str
    subject: str
    body: str
    object_type: str
    object_id: object
    project_id: int | None
    users: ColumnElement[bool] | None = None
    address: str | None = None
    name: str = ""


_COLUMNS = ("dedupe_key", "channel", "recipient_user_id", "recipient_address", "recipient_name", "subject", "body",
            "object_type", "object_id", "project_id", "status", "attempts", "next_attempt_at", "created_at", "sent_at")


# Messages a statement carries at most (about 12 bound values each: PostgreSQL takes at most 32,767 in one
# statement); a sweep over a large book writes tens of thousands at once.
MESSAGES_PER_STATEMENT = 1000
# SQLite refuses a compound SELECT (the UNION ALL of a statement's messages) of more than 500 terms.
SQLITE_MESSAGES_PER_STATEMENT = 500


_DEFERRED = "outbox_deferred"


def defer(session: AsyncSession) -> None:
    """Until ``write_deferred``, ``write`` keeps the messages in the session: a caller that acts many times in a
    row (agency.sync, a chunk of records) writes them in one statement at its end, in the same transaction.
    A list, so that a rolled-back savepoint's messages go with it (agency.sync.service._forget_since)."""
    session.info.setdefault(_DEFERRED, [])


async def write_deferred(session: AsyncSession) -> None:
    """Writes what ``write`` kept since ``defer``, and stops keeping."""
    await write(session, session.info.pop(_DEFERRED, None) or [])


def stop_deferring(session: AsyncSession) -> None:
    """Forgets what ``write`` kept (the caller's transaction failed)."""
    session.info.pop(_DEFERRED, None)


async def write(session: AsyncSession, messages: Iterable[Message]) -> None:
    """Every message of an action at once: one INSERT … SELECT, whoever the recipients are (the users are
    found by the statement itself), each message deduplicated by its key like ``enqueue``'s. Many messages go
    ``MESSAGES_PER_STATEMENT`` to a statement, each built as it is sent (or kept: ``defer``)."""
    if (deferred := session.info.get(_DEFERRED)) is not None:
        deferred.extend(messages)
        return
    now = literal(timeutil.now(), UTCDateTime())  # one value, named wherever a row needs it
    per_statement = MESSAGES_PER_STATEMENT if session.get_bind().dialect.name != "sqlite" else \
        min(MESSAGES_PER_STATEMENT, SQLITE_MESSAGES_PER_STATEMENT)
    parts: list[Select[Any]] = []
    for m in messages:
        part = _row_of(session, m, now)
        if part is not None:
            parts.append(part)
        if len(parts) >= per_statement:
            await _insert(session, parts)
            parts = []
    if parts:
        await _insert(session, parts)


# The values every row of a channel shares, built once: an expression may stand in any number of statements.
_IN_APP, _SMS, _SENT, _PENDING, _NO_ATTEMPT = (literal("in_app"), literal("sms"), literal("sent"), literal("pending"),
                                               literal(0))
_NO_USER, _NO_ADDRESS, _NOT_SENT = literal(None, IdType), literal(None, String), literal(None, UTCDateTime())
_IN_APP_KEY, _USER_ID = literal(":in_app:"), cast(User.id, String)
_USER_NAME, _USER_ACTIVE = func.substr(User.display_name, 1, 100), User.is_active.is_(True)


def _row_of(session: AsyncSession, m: Message, now: ColumnElement[Any]) -> Select[Any] | None:
    object_id = literal(None if m.object_id is None else str(m.object_id), String)
    if m.users is not None:
        return select(
            literal(m.key) + _IN_APP_KEY + _USER_ID, _IN_APP, User.id, _NO_ADDRESS, _USER_NAME,
            literal(m.subject[:200]), literal(m.body), literal(m.object_type), object_id,
            literal(m.project_id, IdType), _SENT, _NO_ATTEMPT, now, now, now).where(m.users, _USER_ACTIVE)
    if m.address:
        session.info["kick_delivery"] = True
        return select(
            literal(f"{m.key}:sms:{m.address}"[:200]), _SMS, _NO_USER, literal(m.address), literal(m.name[:100]),
            literal(m.subject[:200]), literal(m.body[:SMS_LIMIT]), literal(m.object_type), object_id,
            literal(m.project_id, IdType), _PENDING, _NO_ATTEMPT, now, now, _NOT_SENT)
    return None


async def write_selected(session: AsyncSession, messages: Select[Any]) -> None:
    """In-app messages chosen set-based, however many, in one statement: each row of ``messages`` — labelled
    ``key``, ``user_id``, ``user_name``, ``subject``, ``body``, ``object_type``, ``object_id``, ``project_id`` —
    is one message to that user, deduplicated by its key as ``write``'s. For a sweep's thousands of firings,
    where one SELECT per message (``write``) would make a statement PostgreSQL takes seconds to plan. (SQLite
    parses an upsert after INSERT … SELECT only when the SELECT has a WHERE clause, hence ``WHERE true``.)"""
    m = messages.subquery("messages").c
    now = literal(timeutil.now(), UTCDateTime())
    rows = select(m.key + _IN_APP_KEY + cast(m.user_id, String), _IN_APP, m.user_id, _NO_ADDRESS,
                  func.substr(m.user_name, 1, 100), func.substr(m.subject, 1, 200), m.body, m.object_type,
                  m.object_id, m.project_id, _SENT, _NO_ATTEMPT, now, now, now).where(true())
    await session.execute(upsert.insert(session, Notification).from_select(_COLUMNS, rows).on_conflict_do_nothing(
        index_elements=[Notification.dedupe_key]))


async def _insert(session: AsyncSession, parts: list[Select[Any]]) -> None:
    rows = parts[0] if len(parts) == 1 else union_all(*parts)
    await session.execute(upsert.insert(session, Notification).from_select(_COLUMNS, rows).on_conflict_do_nothing(
        index_elements=[Notification.dedupe_key]))


async def to_users(session: AsyncSession, users: Iterable[User], *, key: str, subject: str, body: str,
                   object_type: str, object_id: object, project_id: int | None) -> None:
    for user in users:
        await enqueue(session, key=key, channel="in_app", user_id=user.id, name=user.display_name,
                      subject=subject, body=body, object_type=object_type, object_id=object_id,
                      project_id=project_id)


async def to_department(session: AsyncSession, department_code: str, **message: object) -> None:
    officers = (await session.execute(select(User).where(
        User.department_code == department_code, User.is_active.is_(True)))).scalars()
    await to_users(session, officers, **message)  # type: ignore[arg-type]


async def to_enterprise(session: AsyncSession, enterprise: Enterprise, *, key: str, subject: str, body: str,
                        sms: str, object_type: str, object_id: object, project_id: int | None) -> None:
    """The enterprise's contact by SMS, and its users in the app."""
    await enqueue(session, key=key, channel="sms", address=enterprise.contact_phone, name=enterprise.contact_name,
                  subject=subject, body=sms, object_type=object_type, object_id=object_id, project_id=project_id)
    users = (await session.execute(select(User).where(
        User.enterprise_id == enterprise.id, User.is_active.is_(True)))).scalars()
    await to_users(session, users, key=key, subject=subject, body=body, object_type=object_type,
                   object_id=object_id, project_id=project_id)


async def inbox(session: AsyncSession, actor: Actor, *, unread_only: bool, page: int,
                page_size: int) -> tuple[list[Notification], int, int]:
    query = select(Notification).where(Notification.recipient_user_id == actor.user_id,
                                       Notification.channel == "in_app")
    unread = (await session.execute(select(func.count()).select_from(
        query.where(Notification.read_at.is_(None)).subquery()))).scalar_one()
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows, total = await paginate(session, query, order_by=Notification.id.desc(), page=page, page_size=page_size)
    return rows, total, unread


async def mark_read(session: AsyncSession, actor: Actor, ids: list[int] | None) -> int:
    """Marks the caller's own in-app messages read (all of them without ``ids``); audited when any changed."""
    statement = update(Notification).where(Notification.recipient_user_id == actor.user_id,
                                           Notification.channel == "in_app", Notification.read_at.is_(None))
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    result = await session.execute(statement.values(read_at=timeutil.now()).returning(Notification.id))
    marked = sorted(result.scalars().all())
    if marked:
        await audit.record(session, actor, "notification.read", "user", actor.user_id,
                           after={"notification_ids": marked[:200], "count": len(marked)})
    return len(marked)

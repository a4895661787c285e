"""Delivering the outbox: claim a due message, hand it to its channel, record what happened.

Each message goes through three short transactions of its own, so no transaction is open while a
gateway or mail server is being waited on:

1. **claim** — the oldest due pending row is selected (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
   two workers never take the same row; SQLite's ``BEGIN IMMEDIATE`` serialises claimers) and its
   ``next_attempt_at`` is pushed a lease ahead, so no other run finds it due while it is out;
2. **send** — outside any transaction;
3. **record** — ``sent`` (with ``sent_at``), or a failure: ``attempts + 1``, the error, and the next
   try after 30 s × 2^(attempts − 1), at most an hour; ``dead`` after ``max_attempts`` failures or
   at once when retrying cannot help. Every dead letter is written to the audit log.

A row is only ever marked sent while it is still pending, so a message is handed over once per
claim and never again after it is sent. A worker that dies between send and record leaves the row
pending: it is sent again when the lease runs out, with the same dedupe key for the gateway
(``Idempotency-Key``) and the same Message-ID for mail, which lets the receiver drop the repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agency import timeutil
from agency.access import SYSTEM, Actor
from agency.audit.service import record
from agency.errors import Conflict, NotFound
from agency.notifications import links
from agency.notifications.channels import Channels, DeliveryError, Outgoing, mask_email
from agency.notifications.models import Notification
from agency.notifications.service import SMS_LIMIT
from agency.privacy import mask_phone

FIRST_RETRY = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
# How long a claimed message stays out of other runs' sight; far longer than any channel's timeout.
LEASE = timedelta(minutes=5)
DELIVERED_CHANNELS = ("sms", "email")
_ERROR_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 30 s, 1 min, 2 min, … capped at one hour."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), MAX_BACKOFF)


def masked_address(channel: str, address: str | None) -> str | None:
    return mask_phone(address) if channel == "sms" else mask_email(address)


async def deliver_due(session_factory: async_sessionmaker[AsyncSession], channels: Channels, *,
                      now: datetime | None = None, batch: int = 100, max_attempts: int) -> DeliveryReport:
    """Deliver up to ``batch`` due messages; safe to run twice at once, or again after a crash.

    ``now`` fixes the clock (tests); without it every step reads the current time.
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else (lambda: timeutil.now())
    sent = retried = dead = 0
    for _ in range(batch):
        message = await _claim(session_factory, clock())
        if message is None:
            break
        try:
            await _send(channels, message)
        except Exception as error:  # any failure of one message must not stop the others
            outcome = await _record_failure(session_factory, message, error, clock(), max_attempts)
            retried += outcome == "pending"
            dead += outcome == "dead"
        else:
            sent += await _record_sent(session_factory, message.id, clock())
    return DeliveryReport(sent=sent, retried=retried, dead=dead)


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    channel: str
    outgoing: Outgoing | None  # None when the row has no address to send to


async def _claim(session_factory: async_sessionmaker[AsyncSession], now: datetime) -> _Claimed | None:
    async with session_factory() as session, session.begin():
        query = (select(Notification)
                 .where(Notification.status == "pending", Notification.next_attempt_at <= now,
                        Notification.channel.in_(DELIVERED_CHANNELS))
                 .order_by(Notification.next_attempt_at, Notification.id).limit(1))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = (await session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        row.next_attempt_at = max(now, timeutil.now()) + LEASE
        body = row.body[:SMS_LIMIT] if row.channel == "sms" else row.body
        outgoing = None if not row.recipient_address else Outgoing(
            id=row.id, key=row.dedupe_key, to=row.recipient_address.strip(), name=row.recipient_name,
            subject=row.subject, body=body)
        return _Claimed(id=row.id, channel=row.channel, outgoing=outgoing)


async def _send(channels: Channels, message: _Claimed) -> None:
    if message.outgoing is None:
        raise DeliveryError("没有收件地址（no recipient address）", permanent=True)
    backend = channels.sms if message.channel == "sms" else channels.email
    await backend.send(message.outgoing)


async def _record_sent(session_factory: async_sessionmaker[AsyncSession], notification_id: int,
                       now: datetime) -> int:
    async with session_factory() as session, session.begin():
        body = (await session.execute(select(Notification.body).where(Notification.id == notification_id))
                ).scalar_one_or_none()
        values: dict[str, object] = {"status": "sent", "sent_at": now}
        if body is not None and links.has_link(body):
            values["body"] = links.hashed(body)  # delivered: the one-time link's token is kept as its hash only
        result = await session.execute(
            update(Notification).where(Notification.id == notification_id, Notification.status == "pending")
            .values(**values))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _record_failure(session_factory: async_sessionmaker[AsyncSession], message: _Claimed,
                          error: Exception, now: datetime, max_attempts: int) -> str:
    """Counts the failure; returns the row's new status (``sent`` if it was recorded sent meanwhile)."""
    text = links.masked(str(error) if isinstance(error, DeliveryError) else f"{type(error).__name__}: {error}")
    permanent = isinstance(error, DeliveryError) and error.permanent
    async with session_factory() as session, session.begin():
        query = select(Notification).where(Notification.id == message.id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await session.execute(query)).scalar_one_or_none()
        if row is None or row.status != "pending":
            return "gone" if row is None else row.status
        row.attempts += 1
        row.last_error = text[:_ERROR_LIMIT]
        if permanent or row.attempts >= max_attempts:
            row.status = "dead"
            row.next_attempt_at = now
            await record(session, SYSTEM, "notification.dead", "notification", row.id, project_id=row.project_id,
                         after={"channel": row.channel, "to": masked_address(row.channel, row.recipient_address),
                                "attempts": row.attempts, "last_error": row.last_error, "permanent": permanent})
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        return row.status


async def retry_dead(session: AsyncSession, actor: Actor, notification_id: int) -> Notification:
    """An administrator sends a dead letter again: back to pending, attempts from zero, audited."""
    query = select(Notification).where(Notification.id == notification_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise NotFound("没有该条通知（notification not found）")
    if row.status != "dead":
        raise Conflict(f"只有投递失败（dead）的通知可以重发，该通知状态为 {row.status}",
                       extra={"status": row.status})
    before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
    row.status = "pending"
    row.attempts = 0
    row.last_error = None
    row.next_attempt_at = timeutil.now()
    await record(session, actor, "notification.retry", "notification", row.id, project_id=row.project_id,
                 before=before, after={"status": "pending", "attempts": 0})
    await session.flush()
    return row

"""Integration keys: long-lived bearer keys an admin issues to an outside system (role ``integration``).

Only a key's sha256 is kept; the key itself is shown once, when it is made. A key opens the sync endpoint
and nothing else (``integration_guard``), and stops working the moment it is revoked.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.accounts.models import IntegrationKey
from agency.audit import service as audit
from agency.errors import Conflict, Invalid, NotFound

KEY_PREFIX = "agi_"  # tells a key from a login token at a glance (and in the authentication middleware)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(session: AsyncSession, actor: Actor, name: str) -> tuple[IntegrationKey, str]:
    """A new key named ``name`` (the outside system, e.g. ``gongai``): the row, and the key shown once."""
    actor.require(Role.ADMIN)
    name = name.strip()
    if not 2 <= len(name) <= 64:
        raise Invalid("接口名称须为 2 至 64 个字符（name）", field="name")
    if (await session.execute(select(IntegrationKey.id).where(IntegrationKey.name == name))).first():
        raise Conflict(f"接口名称 {name} 已存在（name taken）", field="name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = IntegrationKey(name=name, key_hash=_digest(key), created_at=timeutil.now(), created_by=actor.username)
    session.add(row)
    await session.flush()
    await audit.record(session, actor, "integration.create_key", "integration_key", row.id, after={"name": name})
    return row, key


async def revoke_key(session: AsyncSession, actor: Actor, key_id: int | str) -> IntegrationKey:
    """Revokes the key (by its id, or by its name from the command line): the next request with it is 401 — a
    key is looked up on every request, nothing remembers it. Revoking a revoked key changes nothing."""
    actor.require(Role.ADMIN)
    if isinstance(key_id, str):
        row = (await session.execute(select(IntegrationKey).where(IntegrationKey.name == key_id.strip())))\
            .scalar_one_or_none()
    else:
        row = await session.get(IntegrationKey, key_id)
    if row is None:
        raise NotFound(f"接口密钥 {key_id} 不存在（not found）")
    if row.revoked_at is None:
        row.revoked_at = timeutil.now()
        await session.flush()
        await audit.record(session, actor, "integration.revoke_key", "integration_key", row.id,
                           after={"name": row.name})
    return row


async def list_keys(session: AsyncSession, actor: Actor) -> list[IntegrationKey]:
    actor.require(Role.ADMIN)
    return list((await session.execute(select(IntegrationKey).order_by(IntegrationKey.id))).scalars())


async def actor_for_key(session: AsyncSession, key: str, client_addr: str | None) -> Actor | None:
    """The outside system behind a key that exists and is not revoked; None otherwise."""
    row = (await session.execute(select(IntegrationKey).where(
        IntegrationKey.key_hash == _digest(key), IntegrationKey.revoked_at.is_(None)))).scalar_one_or_none()
    if row is None:
        return None
    return Actor(user_id=None, username=f"integration:{row.name}"[:64], role=Role.INTEGRATION,
                 client_addr=client_addr)

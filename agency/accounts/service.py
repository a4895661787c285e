"""Accounts: login with lockout, tokens that can be revoked, password changes, user administration.

Every function writes its audit event in the caller's transaction; none of them commits.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.accounts import passwords, token_cache
from agency.accounts.editing import check_binding
from agency.accounts.models import AuthToken, User
from agency.accounts.schemas import UserCreateIn
from agency.accounts.sessions import revoke_sessions
from agency.audit import service as audit
from agency.audit.models import AuditEvent
from agency.db.paging import paginate
from agency.errors import Conflict, Invalid, Locked, NotAuthenticated, NotFound, TooManyRequests
from agency.settings import Settings


def actor_of(user: User, *, client_addr: str | None = None, token_id: str | None = None) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        department_code=user.department_code,
        enterprise_id=user.enterprise_id,
        client_addr=client_addr,
        token_id=token_id,
        must_change_password=user.must_change_password,
        site_code=user.site_code,
    )


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token_id: str
    expires_at: datetime


class LoginFailed(Exception):
    """Raised after the failure has been counted and audited; the caller commits, then answers."""

    def __init__(self, error: NotAuthenticated | Locked | TooManyRequests) -> None:
        super().__init__(error.detail)
        self.error = error


async def authenticate(
    session: AsyncSession, settings: Settings, username: str, password: str, client_addr: str | None
) -> User:
    now = timeutil.now()
    name = username.strip().lower()
    anonymous = Actor(user_id=None, username=name[:64], role=Role.ENTERPRISE, client_addr=client_addr)
    # Before the password is looked at: a throttled attempt never tells whether it was right.
    await _check_rate(session, settings, anonymous, now)
    user = (await session.execute(select(User).where(User.username == name).with_for_update())).scalar_one_or_none()
    if user is None or not user.is_active:
        await passwords.verified(None, password)  # same work either way: no user enumeration by timing
        await audit.record(session, anonymous if user is None else actor_of(user, client_addr=client_addr),
                           "auth.login", "user", None if user is None else user.id, result="failure",
                           after={"reason": "unknown user" if user is None else "inactive"})
        raise LoginFailed(NotAuthenticated("用户名或密码错误（invalid username or password）"))
    actor = actor_of(user, client_addr=client_addr)
    if user.locked_until is not None and user.locked_until > now:
        await audit.record(session, actor, "auth.login", "user", user.id, result="failure",
                           after={"reason": "locked", "locked_until": user.locked_until.isoformat()})
        raise LoginFailed(_locked_error(user.locked_until, now))
    if not await passwords.verified(user.password_hash, password):
        # A lock that has run out starts a fresh count.
        failures = 1 if user.locked_until is not None else user.failed_logins + 1
        user.failed_logins = failures
        user.locked_until = None
        reason: dict[str, object] = {"reason": "bad password", "failures": failures}
        if failures >= settings.lockout_threshold:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            reason["locked_until"] = user.locked_until.isoformat()
        await audit.record(session, actor, "auth.login", "user", user.id, result="failure", after=reason)
        if user.locked_until is not None:
            raise LoginFailed(_locked_error(user.locked_until, now))
        left = settings.lockout_threshold - failures
        raise LoginFailed(NotAuthenticated(
            f"用户名或密码错误，再错 {left} 次账号将被锁定 {settings.lockout_minutes} 分钟"
            f"（invalid username or password; {left} attempts left）"
        ))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hashed(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    await audit.record(session, actor, "auth.login", "user", user.id)
    return user


LOGIN_WINDOW = timedelta(minutes=10)
# A throttled attempt is recorded with this result: it is no failure (the password was not even looked
# at), so it does not count towards the limits and a throttled client is free again when the window has
# passed over its failures.
THROTTLED = "throttled"


async def _failures(session: AsyncSession, since: datetime, client_addr: str,
                    username: str | None = None) -> tuple[int, datetime | None]:
    query = select(func.count(), func.min(AuditEvent.occurred_at)).select_from(AuditEvent).where(
        AuditEvent.client_addr == client_addr, AuditEvent.occurred_at >= since,
        AuditEvent.action == "auth.login", AuditEvent.result == "failure")
    if username is not None:
        query = query.where(AuditEvent.actor_username == username)
    count, oldest = (await session.execute(query)).one()
    return int(count), oldest


async def _check_rate(session: AsyncSession, settings: Settings, anonymous: Actor, now: datetime) -> None:
    """Besides the per-account lock, failed logins in the last LOGIN_WINDOW are limited per address and
    username (strict: one person guessing, or mistyping, at one place) and per address alone (far higher:
    spraying one password over many accounts), so an office behind one NAT address is not locked out by
    one colleague's typing. docs/SECURITY.md gives the figures and why."""
    address = anonymous.client_addr
    if address is None:
        return
    since = now - LOGIN_WINDOW
    checks = ((settings.login_failures_per_address_and_user, anonymous.username, "address_and_username"),
              (settings.login_failures_per_address, None, "address"))
    for limit, username, scope in checks:
        count, oldest = await _failures(session, since, address, username)
        if count < limit:
            continue
        wait = max(1, math.ceil(((oldest or now) + LOGIN_WINDOW - now).total_seconds()))
        await audit.record(session, anonymous, "auth.login", "user", None, result=THROTTLED,
                           after={"reason": "rate limited", "limit": scope, "retry_after_seconds": wait})
        who = "该账号在此地址" if username is not None else "该地址"
        raise LoginFailed(TooManyRequests(
            f"{who}登录失败次数过多，请 {math.ceil(wait / 60)} 分钟后再试"
            f"（too many failed logins; retry after {wait} s）",
            extra={"retry_after_seconds": wait, "limit": scope}, headers={"Retry-After": str(wait)}))


def _locked_error(until: datetime, now: datetime) -> Locked:
    local = until.astimezone(timeutil.CHINA).strftime("%Y-%m-%d %H:%M")
    return Locked(
        f"连续登录失败次数过多，账号已锁定至 {local}（account locked until {until.isoformat(timespec='minutes')}）",
        extra={"locked_until": until.isoformat()},
        headers={"Retry-After": str(max(1, math.ceil((until - now).total_seconds())))},
    )


async def issue_token(
    session: AsyncSession, settings: Settings, user: User, *, kind: str = "api", client_addr: str | None = None
) -> IssuedToken:
    now = timeutil.now()
    row = AuthToken(
        id=secrets.token_hex(16),
        user_id=user.id,
        kind=kind,
        issued_at=now,
        expires_at=now + timedelta(minutes=settings.token_ttl_minutes),
        client_addr=client_addr,
    )
    session.add(row)
    await session.flush()
    return IssuedToken(token_id=row.id, expires_at=row.expires_at)


async def actor_for_token(session: AsyncSession, token_id: str, client_addr: str | None) -> Actor | None:
    """The actor behind a token that is neither revoked, expired nor of a disabled user."""
    now = timeutil.now()
    row = (
        await session.execute(
            select(User, AuthToken.expires_at)
            .join(AuthToken, AuthToken.user_id == User.id)
            .where(AuthToken.id == token_id, AuthToken.revoked_at.is_(None), User.is_active.is_(True))
        )
    ).one_or_none()
    if row is None or row.expires_at <= now:
        return None
    user: User = row[0]
    actor = actor_of(user, client_addr=client_addr, token_id=token_id)
    token_cache.remember(token_id, actor, row.expires_at)
    return actor


async def logout(session: AsyncSession, actor: Actor) -> None:
    await session.execute(
        update(AuthToken)
        .where(AuthToken.id == actor.token_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=timeutil.now())
    )
    await audit.record(session, actor, "auth.logout", "user", actor.user_id)


async def change_password(session: AsyncSession, actor: Actor, current: str, new: str) -> User:
    user = await _user(session, actor.user_id)
    if not await passwords.verified(user.password_hash, current):
        await audit.record(session, actor, "user.password_change", "user", user.id, result="failure",
                           after={"reason": "wrong current password"})
        raise Invalid("当前密码不正确（current password is wrong）", field="current_password")
    passwords.check_policy(new, username=user.username, field="new_password")
    if await passwords.verified(user.password_hash, new):
        raise Invalid("新密码不能与当前密码相同（the new password must differ）", field="new_password")
    user.password_hash = await passwords.hashed(new)
    user.must_change_password = False
    user.password_changed_at = timeutil.now()
    # Other sessions end: whoever knew the old password must not keep a way in.
    await session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user.id, AuthToken.id != actor.token_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=timeutil.now())
    )
    await audit.record(session, actor, "user.password_change", "user", user.id)
    return user


async def create_user(session: AsyncSession, actor: Actor, data: UserCreateIn, *, audit_it: bool = True) -> User:
    actor.require(Role.ADMIN)
    username = data.username.strip().lower()
    passwords.check_policy(data.password, username=username)
    await check_binding(session, data.role, data.department_code, data.enterprise_id, data.site_code)
    exists = (await session.execute(select(User.id).where(User.username == username))).scalar_one_or_none()
    if exists is not None:
        raise Conflict(f"用户名 {username} 已存在（username taken）", field="username")
    user = User(
        username=username,
        display_name=data.display_name.strip(),
        role=data.role,
        department_code=data.department_code,
        enterprise_id=data.enterprise_id,
        site_code=data.site_code,
        phone=data.phone,
        email=data.email,
        password_hash=await passwords.hashed(data.password),
        must_change_password=data.must_change_password,
    )
    session.add(user)
    await session.flush()
    if audit_it:
        await audit.record(session, actor, "user.create", "user", user.id, after=_public(user))
    return user


async def list_users(
    session: AsyncSession, actor: Actor, *, q: str | None, role: str | None, page: int, page_size: int,
    site_code: str | None = None,
) -> tuple[list[User], int]:
    actor.require(Role.ADMIN)
    query = select(User)
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(User.username.like(pattern), User.display_name.like(f"%{q.strip()}%")))
    if role:
        query = query.where(User.role == role)
    if site_code:
        query = query.where(User.site_code == site_code)
    return await paginate(session, query, order_by=User.id, page=page, page_size=page_size)


async def get_user(session: AsyncSession, actor: Actor, user_id: int) -> User:
    if actor.user_id != user_id:
        actor.require(Role.ADMIN)
    return await _user(session, user_id)


def _not_oneself(actor: Actor, user: User, what: str) -> None:
    if actor.user_id == user.id:
        raise Conflict(f"不能{what}自己的账号（an administrator cannot {what} himself）")


async def set_locked(session: AsyncSession, actor: Actor, user_id: int, *, locked: bool, settings: Settings) -> User:
    """An administrator's lock holds until he unlocks; it ends every token and web session of the user."""
    actor.require(Role.ADMIN)
    user = await _user(session, user_id)
    before = _public(user)
    revoked = 0
    if locked:
        _not_oneself(actor, user, "锁定")
        user.locked_until = timeutil.now() + timedelta(days=36500)
        revoked = await revoke_sessions(session, user.id)
    else:
        user.locked_until = None
        user.failed_logins = 0
    await audit.record(session, actor, "user.lock" if locked else "user.unlock", "user", user.id,
                       before=before, after=_public(user) | ({"revoked_sessions": revoked} if locked else {}))
    return user


async def set_active(session: AsyncSession, actor: Actor, user_id: int, *, active: bool) -> User:
    """Deactivation (``is_active`` false) keeps the account and its history but refuses every login and ends
    every token and web session of the user at once; activation lets him log in again."""
    actor.require(Role.ADMIN)
    user = await _user(session, user_id)
    before = _public(user)
    revoked = 0
    if not active:
        _not_oneself(actor, user, "停用")
        revoked = await revoke_sessions(session, user.id)
    user.is_active = active
    await session.flush()
    await audit.record(session, actor, "user.activate" if active else "user.deactivate", "user", user.id,
                       before=before, after=_public(user) | ({} if active else {"revoked_sessions": revoked}))
    return user


async def reset_password(session: AsyncSession, actor: Actor, user_id: int, password: str) -> User:
    """An administrator sets a new initial password: the user must change it, and every session ends."""
    actor.require(Role.ADMIN)
    user = await _user(session, user_id)
    passwords.check_policy(password, username=user.username)
    user.password_hash = await passwords.hashed(password)
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    revoked = await revoke_sessions(session, user.id)
    await audit.record(session, actor, "user.password_reset", "user", user.id,
                       after={"must_change_password": True, "revoked_sessions": revoked})
    return user


async def _user(session: AsyncSession, user_id: int | None) -> User:
    user = None if user_id is None else await session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在（user not found）")
    return user


def _public(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "role": user.role,
        "display_name": user.display_name,
        "department_code": user.department_code,
        "enterprise_id": user.enterprise_id,
        "is_active": user.is_active,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
    }

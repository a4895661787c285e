"""The web session: a signed cookie naming one ``auth_tokens`` row of kind ``web``.

The cookie holds ``<token id>.<HMAC-SHA256 of it under settings.secret_key>``; it is HttpOnly and
SameSite=Lax (Secure outside the embedded mode). The row can be revoked (logout, password change),
expires like an API token, and ends after ``settings.session_idle_minutes`` without a request;
``last_seen_at`` is written at most once a minute so that reading pages stays cheap.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor
from agency.accounts.auth import encode_token
from agency.accounts.models import AuthToken, User
from agency.accounts.service import actor_of
from agency.audit import service as audit
from agency.settings import Settings

COOKIE = "agency_session"
ALLOW_INITIAL_PASSWORD = "web_allow_initial_password"
TOUCH_EVERY = timedelta(minutes=1)


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login form."""

    def __init__(self, next_path: str, reason: str = "") -> None:
        super().__init__(reason)
        self.next_path = next_path
        self.reason = reason


class PasswordChangeRequired(Exception):
    """An initial password must be changed before any other page."""


def _mac(secret: str, token_id: str) -> str:
    return hmac.new(secret.encode(), b"web-session:" + token_id.encode(), hashlib.sha256).hexdigest()


def sign(settings: Settings, token_id: str) -> str:
    return f"{token_id}.{_mac(settings.secret_key, token_id)}"


def unsign(settings: Settings, value: str | None) -> str | None:
    if not value or "." not in value:
        return None
    token_id, mac = value.rsplit(".", 1)
    return token_id if hmac.compare_digest(mac, _mac(settings.secret_key, token_id)) else None


def session_cookie(settings: Settings, token_id: str) -> Cookie:
    return Cookie(key=COOKIE, value=sign(settings, token_id), httponly=True, samesite="lax", path="/",
                  secure=not settings.embedded, max_age=settings.token_ttl_minutes * 60)


def clear_cookie(settings: Settings) -> Cookie:
    return Cookie(key=COOKIE, value="", httponly=True, samesite="lax", path="/", secure=not settings.embedded,
                  max_age=0, expires=0)


def login_url(next_path: str, reason: str = "") -> str:
    url = f"/login?next={quote(next_path, safe='/')}"
    return url + (f"&reason={reason}" if reason else "")


def safe_next(value: str | None) -> str:
    """Only a path of our own pages: never another host (//evil or https://…)."""
    if value and value.startswith("/app") and not value.startswith("//") and "\\" not in value:
        return value
    return "/app"


async def web_actor(request: Request[Any, Any, Any], state: State, db: NamedDependency[AsyncSession]) -> Actor:
    """The actor of a page request, or a redirect to the login form (or to the password form)."""
    settings: Settings = state.settings
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    token_id = unsign(settings, request.cookies.get(COOKIE))
    if token_id is None:
        raise LoginRequired(here)
    now = timeutil.now()
    row = (await db.execute(
        select(User, AuthToken).join(AuthToken, AuthToken.user_id == User.id)
        .where(AuthToken.id == token_id, AuthToken.kind == "web", AuthToken.revoked_at.is_(None),
               User.is_active.is_(True)))).one_or_none()
    if row is None or row[1].expires_at <= now:
        raise LoginRequired(here, "expired" if row is not None else "")
    user, token = row[0], row[1]
    seen = token.last_seen_at or token.issued_at
    if now - seen > timedelta(minutes=settings.session_idle_minutes):
        # Committed here: the redirect raised below rolls the request's transaction back.
        await db.execute(update(AuthToken).where(AuthToken.id == token_id).values(revoked_at=now))
        client = request.client.host if request.client else None
        await audit.record(db, actor_of(user, client_addr=client), "auth.session_idle_timeout", "user", user.id,
                           after={"last_seen_at": seen.isoformat(), "idle_minutes": settings.session_idle_minutes})
        await db.commit()
        raise LoginRequired(here, "idle")
    if now - seen >= TOUCH_EVERY:
        token.last_seen_at = now
    client = request.client.host if request.client else None
    actor = actor_of(user, client_addr=client, token_id=token_id)
    request.state.web_user = user
    if actor.must_change_password and not request.route_handler.opt.get(ALLOW_INITIAL_PASSWORD):
        raise PasswordChangeRequired()
    return actor


def page_api_token(state: State, actor: Actor) -> str:
    """A bearer token for this page's own XMLHttpRequest calls to /api (uploads with progress).

    It names the same web session row, so logging out or an idle timeout revokes it too, and it
    expires after the idle period.
    """
    settings: Settings = state.settings
    return encode_token(state.jwt_auth, actor.user_id or 0, actor.token_id or "",
                        timedelta(minutes=settings.session_idle_minutes))

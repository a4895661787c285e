"""CSRF tokens of the pages' forms, bound to the web session.

A form's token is the HMAC (under ``settings.secret_key``) of the web session it was rendered for: a token
taken from one session (one's own, say) is worth nothing in another's, and a session's forms need nothing
the attacker could plant in the victim's browser. Before login (the login form itself, the rating link) the
token is bound to a random cookie of the browser instead.

Every unsafe request to a page is checked here, before its handler runs, except the routes that read their
body as a stream (the upload form, ``EXCLUDE`` in the handler's ``opt``): those check the token themselves
with ``valid`` from the first part of the body, before reading any other (agency/web/pages_approval.py).
The JSON API (bearer tokens, no cookies) is not concerned.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.datastructures.headers import MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from agency.settings import Settings
from agency.web.session import COOKIE as SESSION_COOKIE
from agency.web.session import unsign

COOKIE = "agency_csrf"
FIELD = "_csrf_token"
HEADER = "x-csrftoken"
EXCLUDE = "exclude_from_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FAILED = "CSRF token verification failed"


def _mac(secret: str, purpose: bytes, value: str) -> str:
    return hmac.new(secret.encode(), purpose + value.encode(), hashlib.sha256).hexdigest()


def expected(settings: Settings, cookies: dict[str, str]) -> str | None:
    """The token this browser's forms carry: bound to its web session, else to its CSRF cookie."""
    session = unsign(settings, cookies.get(SESSION_COOKIE))
    if session is not None:
        return "s" + _mac(settings.secret_key, b"csrf-session:", session)
    browser = cookies.get(COOKIE)
    return "b" + _mac(settings.secret_key, b"csrf-browser:", browser) if browser else None


def valid(settings: Settings, cookies: dict[str, str], submitted: str | None) -> bool:
    wanted = expected(settings, cookies)
    if not wanted or not submitted:
        return False
    return hmac.compare_digest(wanted.encode(), str(submitted).encode())


_NOT_PAGES = re.compile(r"^/(api|health|schema|static)(/|$)")


class SessionCSRF(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = EXCLUDE

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.should_bypass_for_scope = lambda scope: bool(_NOT_PAGES.match(scope["path"]))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope=scope, receive=receive)
        cookies = dict(request.cookies)
        if request.method in SAFE_METHODS:
            fresh = None
            if COOKIE not in cookies:
                fresh = cookies[COOKIE] = secrets.token_urlsafe(24)
            ScopeState.from_scope(scope).csrf_token = expected(self.settings, cookies) or ""
            await next_app(scope, receive, self._setting_cookie(send, fresh) if fresh else send)
            return
        submitted = request.headers.get(HEADER)
        content_type, _ = request.content_type
        if not submitted and content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
            submitted = (await request.form()).get(FIELD)  # parsed once: the handler reads the same form
        if not valid(self.settings, cookies, submitted):
            raise PermissionDeniedException(FAILED)
        ScopeState.from_scope(scope).csrf_token = str(submitted)
        await next_app(scope, receive, send)

    def _setting_cookie(self, send: Send, value: str) -> Send:
        cookie = Cookie(key=COOKIE, value=value, path="/", secure=not self.settings.embedded, httponly=True,
                        samesite="lax")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
            await send(message)

        return wrapped

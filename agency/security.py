"""Security headers on every response (等保 2.0 / OWASP): no framing, no MIME sniffing, a strict
Content-Security-Policy for the pages (scripts only from this origin; no inline script)."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# Inline style attributes stay allowed: the plan's bars are positioned with them; scripts are not.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
               "object-src 'none'")
# The interactive API reference loads its viewer from its own CDN; everything else is held to the policy.
UNRESTRICTED = ("/schema",)


class SecurityHeaders(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                if not path.startswith(UNRESTRICTED):
                    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
            await send(message)

        await next_app(scope, receive, send_with_headers)

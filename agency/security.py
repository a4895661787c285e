"""Security headers on every response (等保 2.0 / OWASP): no framing, no MIME sniffing, a strict
Content-Security-Policy for the pages (scripts only from this origin; no inline script)."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# Inline style attributes stay allowed: the plan's bars are positioned with them; scripts are not.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
               "object-src 'none'")
# The interactive API reference (/schema) is served from this app's own static files, like every page; its
# viewer starts from one inline script it writes itself, so that page alone allows inline scripts.
REFERENCE = "/schema"
REFERENCE_POLICY = PAGE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
           (b"x-frame-options", b"DENY"), (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"))
_POLICY = ((b"content-security-policy", PAGE_POLICY.encode()),)
_REFERENCE_POLICY = ((b"content-security-policy", REFERENCE_POLICY.encode()),)


class SecurityHeaders(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        wanted = _ALWAYS + (_REFERENCE_POLICY if scope.get("path", "").startswith(REFERENCE) else _POLICY)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Added where the response did not set them itself (a page may set a stricter policy).
                headers = list(message.get("headers") or ())
                present = {bytes(name).lower() for name, _ in headers}
                message["headers"] = headers + [(name, value) for name, value in wanted if name not in present]
            await send(message)

        await next_app(scope, receive, send_with_headers)

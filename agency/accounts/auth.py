"""Bearer-token authentication, the role guards and the actor dependency every handler uses."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from agency.access import Actor, Role
from agency.accounts import integration, service, token_cache
from agency.errors import Forbidden
from agency.settings import Settings

# Routes a user with an initial password may still use: to see himself, change it, or log out.
ALLOW_INITIAL_PASSWORD = "allow_initial_password"
# Routes an integration key opens (the sync's records): every other route refuses the integration role.
OPEN_TO_INTEGRATION = "open_to_integration"


async def _retrieve_actor(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    if not isinstance(token.jti, str):
        return None
    client = connection.client.host if connection.client else None
    known = token_cache.lookup(token.jti, client)
    if known is not None:
        return known
    async with connection.app.state.sessionmaker() as session:
        return await service.actor_for_token(session, token.jti, client)


class RememberingJWTMiddleware(JWTAuthenticationMiddleware):
    """Checks a token's signature once per process, not on every request.

    A client sends the same token for hours; decoding and verifying it (base64, JSON, HMAC) was
    a tenth of a cached project detail's time. The exact string that verified is remembered with
    its claims; its expiry is still checked every time, and whether it was revoked is the actor
    lookup's business, as before.
    """

    # Keyed with the secret too: a token is only as good as the key it was verified with.
    _verified: dict[tuple[str, str], Token] = {}
    MAX_REMEMBERED = 10_000

    async def authenticate_token(self, encoded_token: str,
                                 connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        if encoded_token.startswith(integration.KEY_PREFIX):
            return await _authenticate_key(encoded_token, connection)
        token = self._verified.get((self.token_secret, encoded_token))
        # ``exp`` was set by Litestar from the real time and is checked by PyJWT against it when the token is
        # verified; a remembered token is held to the same real time. Agency's own expiry of the token (the
        # auth_tokens row) follows agency.timeutil's clock.
        if token is None or token.exp.timestamp() <= time.time():
            return await self._verify(encoded_token, connection)
        user = await self.retrieve_user_handler(token, connection)
        if not user:
            raise NotAuthorizedException()
        return AuthenticationResult(user=user, auth=token)

    async def _verify(self, encoded_token: str,
                      connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        self._verified.pop((self.token_secret, encoded_token), None)
        result = await super().authenticate_token(encoded_token, connection)
        if len(self._verified) >= self.MAX_REMEMBERED:
            self._verified.clear()
        self._verified[(self.token_secret, encoded_token)] = result.auth
        return result


async def _authenticate_key(key: str, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
    """An outside system's key (not a login token): looked up by its sha256 on every request."""
    client = connection.client.host if connection.client else None
    async with connection.app.state.sessionmaker() as session:
        actor = await integration.actor_for_key(session, key, client)
    if actor is None:
        raise NotAuthorizedException("接口密钥无效或已吊销（invalid or revoked integration key）")
    return AuthenticationResult(user=actor, auth=None)


def build_jwt_auth(settings: Settings) -> JWTAuth[Actor, Token]:
    return JWTAuth[Actor, Token](
        authentication_middleware_class=RememberingJWTMiddleware,
        token_secret=settings.secret_key,
        retrieve_user_handler=_retrieve_actor,
        default_token_expiration=timedelta(minutes=settings.token_ttl_minutes),
        # Pages (/, /login, /logout, /app/…, /rate/…) authenticate with the web session cookie instead.
        exclude=["^/health", "^/schema", "^/api/auth/login", "^/static/", "^/favicon", "^/$", "^/login", "^/logout",
                 "^/app", "^/rate/", "^/api/ratings/", "^/verify/", "^/api/verify/"],
        require_claims=["jti", "exp", "sub"],
        description="登录后取得的令牌：Authorization: Bearer <token>",
    )


def encode_token(jwt_auth: JWTAuth[Actor, Token], user_id: int, token_id: str, expires: timedelta) -> str:
    return jwt_auth.create_token(identifier=str(user_id), token_expiration=expires, token_unique_jwt_id=token_id)


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    actor: Actor = request.user
    return actor


# Guards are coroutines: Litestar runs a plain function guard in a worker thread, on every request.
async def initial_password_guard(connection: ASGIConnection[Any, Actor, Any, Any], handler: BaseRouteHandler) -> None:
    if "user" not in connection.scope:
        return
    if connection.user.role is Role.INTEGRATION and not handler.opt.get(OPEN_TO_INTEGRATION):
        raise Forbidden("外部系统接口密钥只能调用同步接口（an integration key opens the sync endpoint only）")
    if handler.opt.get(ALLOW_INITIAL_PASSWORD):
        return
    if connection.user.must_change_password:
        raise Forbidden("请先修改初始密码（POST /api/me/password）后再继续（initial password must be changed）",
                        extra={"must_change_password": True})

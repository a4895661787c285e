"""Login, logout and the password change of the pages (the web session lives in ``session.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.accounts import service
from agency.errors import AgencyError
from agency.web.render import field_errors, page, see_other, zh
from agency.web.session import ALLOW_INITIAL_PASSWORD, COOKIE, clear_cookie, safe_next, session_cookie, unsign

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

REASONS = {"idle": "您已长时间未操作，为了安全已自动退出，请重新登录。", "expired": "登录已过期，请重新登录。",
           "logout": "您已安全退出。"}


HOMES = {Role.ENTERPRISE: "/app/portal", Role.DEPARTMENT: "/app/inbox", Role.LEADER: "/app/dashboard"}


def home_of(actor: Actor) -> str:
    """Where a role lands after login: the portal, the department's inbox, the leader's dashboard, the workbench."""
    return HOMES.get(actor.role, "/app")


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect("/app", status_code=303)


@get("/login", include_in_schema=False)
async def login_form(request: Request[Any, Any, Any], next: FromQuery[str | None] = None,
                     reason: FromQuery[str | None] = None) -> Template:
    return page(request, "login.html", next=safe_next(next), notice=REASONS.get(reason or ""), error=None,
                username="")


@post("/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any], data: Form, state: State, db: NamedDependency[AsyncSession]
                ) -> Template | Redirect:
    username, password = data.get("username", "").strip(), data.get("password", "")
    next_path = safe_next(data.get("next"))
    if not username or not password:
        return page(request, "login.html", status_code=422, next=next_path, notice=None, username=username,
                    error="请输入用户名和密码。")
    client = request.client.host if request.client else None
    try:
        user = await service.authenticate(db, state.settings, username, password, client)
    except service.LoginFailed as failed:
        await db.commit()  # the failure count and its audit line must survive
        # The API's own message (attempts left, locked until …), without its English half.
        detail = zh(failed.error.detail)
        return page(request, "login.html", status_code=failed.error.status_code, headers=failed.error.headers,
                    next=next_path, notice=None, username=username, error=detail)
    issued = await service.issue_token(db, state.settings, user, kind="web", client_addr=client)
    target = "/app/password" if user.must_change_password else (
        next_path if next_path != "/app" else HOMES.get(Role(user.role), "/app"))
    return Redirect(target, status_code=303, cookies=[session_cookie(state.settings, issued.token_id)])


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any], state: State, db: NamedDependency[AsyncSession]) -> Redirect:
    token_id = unsign(state.settings, request.cookies.get(COOKIE))
    if token_id is not None:
        actor = await service.actor_for_token(db, token_id, request.client.host if request.client else None)
        if actor is not None:
            await service.logout(db, actor)
    return Redirect("/login?reason=logout", status_code=303, cookies=[clear_cookie(state.settings)])


@get("/app/password", opt={ALLOW_INITIAL_PASSWORD: True}, include_in_schema=False)
async def password_form(request: Request[Any, Any, Any], actor: NamedDependency[Actor]) -> Template:
    return page(request, "password.html", actor, errors={})


@post("/app/password", opt={ALLOW_INITIAL_PASSWORD: True}, include_in_schema=False)
async def change_password(request: Request[Any, Any, Any], data: Form, actor: NamedDependency[Actor],
                          db: NamedDependency[AsyncSession]) -> Template | Redirect:
    current, new, again = data.get("current_password", ""), data.get("new_password", ""), data.get("confirm", "")
    if new != again:
        return page(request, "password.html", actor, status_code=422,
                    errors={"confirm": "两次输入的新密码不一致。"})
    try:
        await service.change_password(db, actor, current, new)
    except AgencyError as error:
        if error.status_code != 422:
            raise
        # The failed attempt is audited by the service: keep that line.
        await db.commit()
        return page(request, "password.html", actor, status_code=422,
                    errors={k: zh(v) for k, v in field_errors(error).items()})
    return see_other(home_of(actor) + "?changed=1")

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.accounts import editing, service
from agency.accounts.auth import ALLOW_INITIAL_PASSWORD, encode_token
from agency.accounts.models import User
from agency.accounts.schemas import LoginIn, LoginOut, PasswordChangeIn, Secret, UserCreateIn, UserOut, UserPatch
from agency.privacy import mask_phone
from agency.schemas import Page, PageNo, PageSize


def user_out(user: User, *, reveal: bool = False) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,  # type: ignore[arg-type]
        department_code=user.department_code,
        enterprise_id=user.enterprise_id,
        site_code=user.site_code,
        phone=user.phone if reveal else mask_phone(user.phone),
        email=user.email,
        must_change_password=user.must_change_password,
        is_active=user.is_active,
        locked_until=user.locked_until,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
        version=user.version,
    )


class AuthController(Controller):
    path = "/api/auth"
    tags = ["认证 auth"]

    @post("/login", status_code=200, opt={ALLOW_INITIAL_PASSWORD: True}, security=[])
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginIn], state: State,
                    db: NamedDependency[AsyncSession]) -> LoginOut:
        """Log in; 401 on bad credentials, 423 once the account is locked after repeated failures."""
        client = request.client.host if request.client else None
        try:
            user = await service.authenticate(db, state.settings, data.username, data.password, client)
        except service.LoginFailed as failed:
            # The failure count and its audit line must survive the error response.
            await db.commit()
            raise failed.error from None
        issued = await service.issue_token(db, state.settings, user, client_addr=client)
        token = encode_token(state.jwt_auth, user.id, issued.token_id,
                             timedelta(minutes=state.settings.token_ttl_minutes))
        return LoginOut(token=token, token_type="Bearer", expires_at=issued.expires_at,
                        user=user_out(user, reveal=True))

    @post("/logout", status_code=200, opt={ALLOW_INITIAL_PASSWORD: True})
    async def logout(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> dict[str, str]:
        """Revoke the token used for this call."""
        await service.logout(db, actor)
        return {"status": "logged_out"}


class MeController(Controller):
    path = "/api/me"
    tags = ["认证 auth"]
    opt = {ALLOW_INITIAL_PASSWORD: True}

    @get("")
    async def me(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> UserOut:
        return user_out(await service.get_user(db, actor, actor.user_id or 0), reveal=True)

    @post("/password", status_code=200)
    async def change_password(self, actor: NamedDependency[Actor], data: JSONBody[PasswordChangeIn],
                              db: NamedDependency[AsyncSession]) -> UserOut:
        """Change one's own password (required first for a user with an initial password)."""
        user = await service.change_password(db, actor, data.current_password, data.new_password)
        return user_out(user, reveal=True)


class LockIn(msgspec.Struct, forbid_unknown_fields=True):
    locked: bool


class ResetPasswordIn(msgspec.Struct, forbid_unknown_fields=True):
    password: Secret


class UserController(Controller):
    path = "/api/users"
    tags = ["用户 users"]
    guards = [require_roles(Role.ADMIN)]

    @post("", status_code=201)
    async def create(self, actor: NamedDependency[Actor], data: JSONBody[UserCreateIn],
                     db: NamedDependency[AsyncSession]) -> UserOut:
        return user_out(await service.create_user(db, actor, data))

    @get("")
    async def list_users(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                         q: FromQuery[str | None] = None, role: FromQuery[str | None] = None,
                         site_code: FromQuery[str | None] = None,
                         page: PageNo = 1, page_size: PageSize = 50) -> Page[UserOut]:
        users, total = await service.list_users(db, actor, q=q, role=role, site_code=site_code, page=page,
                                                page_size=page_size)
        return Page(items=[user_out(u) for u in users], total=total, page=page, page_size=page_size)

    @get("/{user_id:int}")
    async def get_one(self, actor: NamedDependency[Actor], user_id: FromPath[int],
                      db: NamedDependency[AsyncSession]) -> UserOut:
        return user_out(await service.get_user(db, actor, user_id))

    @patch("/{user_id:int}")
    async def update(self, actor: NamedDependency[Actor], user_id: FromPath[int], data: JSONBody[UserPatch],
                     db: NamedDependency[AsyncSession]) -> UserOut:
        """Edit a user: name, phone, role, department, enterprise, site, active. A new role drops the department
        or enterprise it does not have and needs the one it has (422 naming the field); a changed role or
        binding, or ``is_active`` false, ends the user's sessions. ``version`` (optional): 409 when stale."""
        return user_out(await editing.update_user(db, actor, user_id, data))

    @post("/{user_id:int}/password", status_code=200)
    async def reset_password(self, actor: NamedDependency[Actor], user_id: FromPath[int],
                             data: JSONBody[ResetPasswordIn], db: NamedDependency[AsyncSession]) -> UserOut:
        """Set a new initial password; the user must change it at the next login, open sessions end."""
        return user_out(await service.reset_password(db, actor, user_id, data.password))

    @post("/{user_id:int}/lock", status_code=200)
    async def lock(self, actor: NamedDependency[Actor], user_id: FromPath[int], data: JSONBody[LockIn], state: State,
                   db: NamedDependency[AsyncSession]) -> UserOut:
        """Lock (``locked: true``) or unlock an account; locking ends every token and web session of the user,
        unlocking also clears the failure count."""
        return user_out(await service.set_locked(db, actor, user_id, locked=data.locked, settings=state.settings))

    @post("/{user_id:int}/deactivate", status_code=200)
    async def deactivate(self, actor: NamedDependency[Actor], user_id: FromPath[int],
                         db: NamedDependency[AsyncSession]) -> UserOut:
        """``is_active`` false: no login, and every token and web session of the user ends (within 5 s on
        every server process)."""
        return user_out(await service.set_active(db, actor, user_id, active=False))

    @post("/{user_id:int}/activate", status_code=200)
    async def activate(self, actor: NamedDependency[Actor], user_id: FromPath[int],
                       db: NamedDependency[AsyncSession]) -> UserOut:
        """``is_active`` true again: the user may log in (his old sessions stay ended)."""
        return user_out(await service.set_active(db, actor, user_id, active=True))

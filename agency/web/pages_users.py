"""The administrator's user pages: the list with the new-user form, one user's edit page, lock, deactivation,
password reset. Every change goes through the accounts services the API uses."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import ROLE_NAMES_ZH, Actor, Role
from agency.accounts import editing
from agency.accounts import service as accounts
from agency.accounts.models import User
from agency.accounts.schemas import UserCreateIn, UserPatch
from agency.catalog import service as catalog
from agency.errors import AgencyError
from agency.sites import service as sites
from agency.web.forms import convert
from agency.web.pages_department import back
from agency.web.render import field_errors, page, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
# Users are people: an outside system gets an integration key (the sync page), not an account.
USER_ROLE_NAMES = {role.value: name for role, name in ROLE_NAMES_ZH.items() if role is not Role.INTEGRATION}
CREATE_FIELDS = ("username", "display_name", "role", "password", "department_code", "enterprise_id", "site_code",
                 "phone", "email")
EDIT_FIELDS = ("display_name", "phone", "role", "department_code", "enterprise_id", "site_code", "version")
OPTIONAL = ("department_code", "enterprise_id", "site_code", "phone", "email")
MESSAGES = {
    "username": "请输入用户名（2–64 位字母、数字或 _ . @ -，以字母或数字开头）。",
    "display_name": "请输入姓名（1–64 个字）。",
    "role": "请选择角色。",
    "phone": "请输入有效的手机号码（数字，可含 +、空格和 -，5–20 位）。",
    "email": "请输入有效的电子邮箱。",
    "enterprise_id": "请选择企业。",
    "department_code": "请选择所属部门。",
    "password": "请输入初始密码。",
}
USERS = "/app/admin/users"


def _messages(errors: dict[str, str]) -> dict[str, str]:
    """The form converter's errors in the words of this form."""
    return {field: MESSAGES.get(field, text) for field, text in errors.items()}


async def _choices(db: AsyncSession, actor: Actor) -> dict[str, Any]:
    """What the forms choose from, by name: roles, departments, enterprises, sites."""
    return {"roles": USER_ROLE_NAMES, "departments": await catalog.list_departments(db),
            "enterprises": await editing.enterprise_choices(db, actor), "sites": await sites.list_sites(db)}


async def _users(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, *, status_code: int = 200,
                 values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> Template:
    users, total = await accounts.list_users(db, actor, q=None, role=None, page=1, page_size=500)
    choices = await _choices(db, actor)
    return page(request, "admin_users.html", actor, status_code=status_code, users=users, total=total,
                enterprise_names=await editing.enterprise_names(db, {u.enterprise_id for u in users
                                                                     if u.enterprise_id is not None}),
                department_names={d.code: d.name for d in choices["departments"]},
                site_names={s.code: s.name for s in choices["sites"]}, values=values or {},
                errors=errors or {}, now=timeutil.now(), ok=request.query_params.get("ok"),
                err=request.query_params.get("err"), **choices)


async def _recover(request: Request[Any, Any, Any], db: AsyncSession) -> None:
    """After a refused change: roll it back and reload the signed-in user the page shows."""
    await db.rollback()
    await db.refresh(request.state.web_user)


@get(USERS)
async def users_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    return await _users(request, actor, db)


@post(USERS)
async def create_user(request: Request[Any, Any, Any], data: Form, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.ADMIN)
    values: dict[str, Any] = {k: data.get(k, "") for k in CREATE_FIELDS}
    values["must_change_password"] = "true" if data.get("must_change_password") else "false"
    # The role is always chosen: the form offers none by default, and an empty one is named here.
    errors = {"role": MESSAGES["role"]} if values["role"] not in USER_ROLE_NAMES else {}
    body, converted = (None, {}) if errors else convert(values, UserCreateIn, optional=OPTIONAL)
    errors |= _messages(converted)
    if body is not None:
        try:
            user = await accounts.create_user(db, actor, body)
        except AgencyError as error:
            if error.status_code not in (409, 422):
                raise
            await _recover(request, db)
            errors = {k: zh(v) for k, v in field_errors(error).items()}
        else:
            return back(USERS, ok=f"已创建用户 {user.username}（{user.display_name}）")
    values.pop("password", None)
    return await _users(request, actor, db, status_code=422, values=values, errors=errors)


async def _edit(request: Request[Any, Any, Any], actor: Actor, db: AsyncSession, user: User, *,
                status_code: int = 200, values: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None) -> Template:
    shown = values or {field: getattr(user, field) for field in EDIT_FIELDS}
    return page(request, "admin_user_edit.html", actor, status_code=status_code, u=user, values=shown,
                errors=errors or {}, ok=request.query_params.get("ok"), err=request.query_params.get("err"),
                CHINA=timeutil.CHINA, **await _choices(db, actor))


@get(USERS + "/{user_id:int}")
async def edit_page(request: Request[Any, Any, Any], user_id: FromPath[int], actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> Template:
    actor.require(Role.ADMIN)
    return await _edit(request, actor, db, await accounts.get_user(db, actor, user_id))


@post(USERS + "/{user_id:int}")
async def save_user(request: Request[Any, Any, Any], user_id: FromPath[int], data: Form,
                    actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.ADMIN)
    user = await accounts.get_user(db, actor, user_id)
    values: dict[str, Any] = {k: data.get(k, "") for k in EDIT_FIELDS}
    errors = {"role": MESSAGES["role"]} if values["role"] not in USER_ROLE_NAMES else {}
    # An emptied phone or site is cleared ("" in the patch); department and enterprise follow the role.
    body, converted = (None, {}) if errors else convert(
        values, UserPatch, optional=("department_code", "enterprise_id", "version"))
    errors |= _messages(converted)
    if body is not None:
        try:
            user = await editing.update_user(db, actor, user_id, body)
        except AgencyError as error:
            if error.status_code not in (409, 422):
                raise
            await _recover(request, db)
            user = await accounts.get_user(db, actor, user_id)
            errors = {k if k in EDIT_FIELDS and k != "version" else "_form": zh(v)
                      for k, v in field_errors(error).items()}
        else:
            return back(USERS, ok=f"已保存用户 {user.username}（{user.display_name}）")
    return await _edit(request, actor, db, user, status_code=422, values=values, errors=errors)


def _to(data: dict[str, str], user_id: int) -> str:
    """Back to the page the button was on: the list, or the user's own page."""
    return f"{USERS}/{user_id}" if data.get("from") == "edit" else USERS


@post(USERS + "/{user_id:int}/lock")
async def lock_user(user_id: FromPath[int], data: Form, state: State, actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.ADMIN)
    locked = data.get("locked") == "1"
    try:
        user = await accounts.set_locked(db, actor, user_id, locked=locked, settings=state.settings)
    except AgencyError as error:
        if error.status_code != 409:
            raise
        await db.rollback()
        return back(_to(data, user_id), err=error.detail)
    return back(_to(data, user_id), ok=f"已{'锁定' if locked else '解锁'}用户 {user.username}"
                                       + ("，其登录会话已全部结束" if locked else ""))


@post(USERS + "/{user_id:int}/deactivate")
async def deactivate_user(user_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                          db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.ADMIN)
    try:
        user = await accounts.set_active(db, actor, user_id, active=False)
    except AgencyError as error:
        if error.status_code != 409:
            raise
        await db.rollback()
        return back(_to(data, user_id), err=error.detail)
    return back(_to(data, user_id), ok=f"已停用用户 {user.username}，其登录会话已全部结束，不能再登录")


@post(USERS + "/{user_id:int}/activate")
async def activate_user(user_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.ADMIN)
    user = await accounts.set_active(db, actor, user_id, active=True)
    return back(_to(data, user_id), ok=f"已重新启用用户 {user.username}，可以登录")


@post(USERS + "/{user_id:int}/password")
async def reset_password(request: Request[Any, Any, Any], user_id: FromPath[int], data: Form,
                         actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> Template | Redirect:
    actor.require(Role.ADMIN)
    try:
        user = await accounts.reset_password(db, actor, user_id, data.get("password", ""))
    except AgencyError as error:
        if error.status_code != 422:
            raise
        await _recover(request, db)
        return await _users(request, actor, db, status_code=422, errors={f"password-{user_id}": zh(error.detail)})
    return back(USERS, ok=f"已重置用户 {user.username} 的密码（下次登录须修改）")


HANDLERS: list[Any] = [users_page, create_user, edit_page, save_user, lock_user, deactivate_user, activate_user,
                       reset_password]

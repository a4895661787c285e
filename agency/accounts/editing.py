"""An administrator's edit of a user (``PATCH /api/users/{id}`` and the user page): one function, checked and
audited here, as every other state change of an account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.accounts.models import User
from agency.accounts.schemas import UserPatch
from agency.accounts.sessions import revoke_sessions
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.enterprises.models import Enterprise
from agency.errors import Conflict, Invalid, NotFound
from agency.privacy import mask_phone
from agency.sites.models import Site

EDITABLE = ("display_name", "phone", "role", "department_code", "enterprise_id", "site_code", "is_active")


async def check_binding(session: AsyncSession, role: str, department_code: str | None,
                        enterprise_id: int | None, site_code: str | None) -> None:
    """A department officer belongs to an existing department, an enterprise user to an existing enterprise,
    nobody else to either; a site, if any, exists. Raises Invalid naming the field."""
    if role == "department" and not department_code:
        raise Invalid("部门用户必须选择所属部门。", field="department_code")
    if role == "enterprise" and enterprise_id is None:
        raise Invalid("企业用户必须选择所属企业。", field="enterprise_id")
    if role != "department" and department_code:
        raise Invalid("只有部门用户可以选择所属部门。", field="department_code")
    if role != "enterprise" and enterprise_id is not None:
        raise Invalid("只有企业用户可以绑定企业。", field="enterprise_id")
    if department_code and await session.get(Department, department_code) is None:
        raise Invalid(f"部门 {department_code} 不存在。", field="department_code")
    if enterprise_id is not None and await session.get(Enterprise, enterprise_id) is None:
        raise Invalid("所选企业不存在。", field="enterprise_id")
    if site_code and await session.get(Site, site_code) is None:
        raise Invalid(f"服务站点 {site_code} 不存在。", field="site_code")


# The user pages pick an enterprise from a list of names; a county office has hundreds, not tens of thousands.
ENTERPRISE_CHOICES = 2000


async def enterprise_choices(session: AsyncSession, actor: Actor) -> list[tuple[int, str, str]]:
    """(id, name, credit code) of the enterprises a user may be linked to, by name."""
    actor.require(Role.ADMIN)
    return [(row[0], row[1], row[2]) for row in (await session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.credit_code).order_by(Enterprise.name, Enterprise.id)
        .limit(ENTERPRISE_CHOICES))).all()]


async def enterprise_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """The names of the enterprises users are linked to, for the user list."""
    if not ids:
        return {}
    return {row[0]: row[1] for row in (await session.execute(
        select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)))).all()}


def _audited(field: str, value: object) -> object:
    return mask_phone(str(value)) if field == "phone" and value else value


async def update_user(session: AsyncSession, actor: Actor, user_id: int, data: UserPatch) -> User:
    """Change the fields given. A new role drops the department or enterprise it does not have; deactivation
    (``is_active`` false) ends every session of the user, as ``set_active`` does. Audited as ``user.update``
    with the fields before and after (the phone masked)."""
    actor.require(Role.ADMIN)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在。")
    if data.version is not None and user.version != data.version:
        raise Conflict("用户信息已被他人修改，请刷新后重试。", field="version")
    wanted: dict[str, object] = {field: getattr(user, field) for field in EDITABLE}
    for field in EDITABLE:
        value = getattr(data, field)
        if value is None:
            continue
        if isinstance(value, str):
            value = value.strip()
            if field == "display_name" and not value:
                raise Invalid("姓名不能为空。", field=field)
            if field in ("phone", "site_code") and not value:
                value = None
        wanted[field] = value
    role = str(wanted["role"])
    # What the new role does not have goes, unless the caller sent it (then check_binding refuses it).
    if role != "department" and data.department_code is None:
        wanted["department_code"] = None
    if role != "enterprise" and data.enterprise_id is None:
        wanted["enterprise_id"] = None
    department = wanted["department_code"]
    enterprise = wanted["enterprise_id"]
    site = wanted["site_code"]
    await check_binding(session, role, str(department) if department else None,
                        int(str(enterprise)) if enterprise is not None else None, str(site) if site else None)
    if actor.user_id == user.id and (role != user.role or wanted["is_active"] is False):
        raise Conflict("不能更改自己的角色或停用自己的账号。", field="role" if role != user.role else "is_active")
    changed = {field: value for field, value in wanted.items() if getattr(user, field) != value}
    if not changed:
        return user
    before = {field: _audited(field, getattr(user, field)) for field in changed}
    for field, value in changed.items():
        setattr(user, field, value)
    revoked = 0
    # A changed role or binding changes what the user may see: his open sessions carry the old ones.
    if changed.keys() & {"role", "department_code", "enterprise_id", "site_code"} or changed.get("is_active") is False:
        revoked = await revoke_sessions(session, user.id)
    await session.flush()
    after = {field: _audited(field, value) for field, value in changed.items()}
    await audit.record(session, actor, "user.update", "user", user.id, before=before,
                       after=after | ({"revoked_sessions": revoked} if revoked else {}))
    return user

"""Who is asking, what his role may do, and which rows he may see.

Every domain uses these helpers instead of checking roles by hand: ``require_roles`` as a route
guard, and ``Visibility`` to filter a query *in SQL* to what the actor may see. An object outside
that filter answers 404, so its existence is never revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency.errors import Forbidden, NotFound


class Role(StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    DEPARTMENT = "department"
    LEADER = "leader"
    ENTERPRISE = "enterprise"
    # An outside system (the province's 工改系统…) pushing records with an admin-issued key: no login, no
    # session, no endpoint but the sync's (not ``system``, the internal actor of the CLI and the sweep).
    INTEGRATION = "integration"


ROLE_NAMES_ZH = {
    Role.ADMIN: "系统管理员",
    Role.CLERK: "代办员",
    Role.DEPARTMENT: "部门窗口人员",
    Role.LEADER: "领导/督查",
    Role.ENTERPRISE: "企业用户",
    Role.INTEGRATION: "外部系统接口",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated user of one request (or the system, for jobs)."""

    user_id: int | None
    username: str
    role: Role
    department_code: str | None = None
    enterprise_id: int | None = None
    client_addr: str | None = None
    token_id: str | None = None
    must_change_password: bool = False
    # The service site the user works at (agency.sites); None: not bound to one (sees as the center does).
    site_code: str | None = None

    def is_(self, *roles: Role) -> bool:
        return self.role in roles

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(f"当前角色（{ROLE_NAMES_ZH[self.role]}）无权执行该操作")


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN)

M = TypeVar("M")

# A visibility rule turns an actor into a SQL condition on one model.
VisibilityRule = Callable[[Actor], ColumnElement[bool]]


class Visibility:
    """Per-model visibility rules, registered by each domain next to its models."""

    _rules: dict[type[Any], VisibilityRule] = {}
    _restrictions: dict[type[Any], dict[str, VisibilityRule]] = {}
    _extensions: dict[type[Any], dict[str, VisibilityRule]] = {}

    @classmethod
    def register(cls, model: type[Any], rule: VisibilityRule) -> None:
        cls._rules[model] = rule

    @classmethod
    def restrict(cls, model: type[Any], name: str, rule: VisibilityRule) -> None:
        """A further condition on a model's rows from a domain above it (which papers an enterprise may read
        among the files of its dossiers); ANDed with the model's own rule, never widening it."""
        cls._restrictions.setdefault(model, {})[name] = rule

    @classmethod
    def extend(cls, model: type[Any], name: str, rule: VisibilityRule) -> None:
        """Further rows of a model a domain above it shows (the papers sent to a department beyond its own
        approvals'); ORed with the model's own rule, then restricted like it."""
        cls._extensions.setdefault(model, {})[name] = rule

    @classmethod
    def condition(cls, model: type[Any], actor: Actor) -> ColumnElement[bool]:
        rule = cls._rules.get(model)
        if rule is None:
            # Failing closed: a model nobody described is visible to the administrator only.
            return true() if actor.role is Role.ADMIN else ~true()
        extensions = cls._extensions.get(model)
        own = or_(rule(actor), *(extra(actor) for extra in extensions.values())) if extensions else rule(actor)
        restrictions = cls._restrictions.get(model)
        if not restrictions:
            return own
        return and_(own, *(restriction(actor) for restriction in restrictions.values()))


def visible(model: type[M], actor: Actor) -> Select[tuple[M]]:
    """``SELECT model`` already limited to the rows the actor may see."""
    return select(model).where(Visibility.condition(model, actor))


def not_visible(what: str) -> NotFound:
    """The answer for an object the actor may not see: the same as for one that does not exist."""
    return NotFound(f"{what}不存在或无权查看（not found）")


async def get_visible(session: AsyncSession, model: type[M], object_id: Any, actor: Actor, *,
                      what: str = "对象") -> M:
    """The object if the actor may see it, else 404 — the same answer as for a missing one."""
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    row = (await session.execute(visible(model, actor).where(pk == object_id))).scalar_one_or_none()
    if row is None:
        raise not_visible(what)
    return row


# Guards are coroutines: Litestar runs a plain function guard in a worker thread, on every request.
def require_roles(*roles: Role) -> Any:
    allowed = ", ".join(ROLE_NAMES_ZH[r] for r in roles)

    async def guard(connection: ASGIConnection[Any, Actor, Any, Any], _: BaseRouteHandler) -> None:
        if "user" not in connection.scope:
            # Only the generated OPTIONS answers get here unauthenticated: they reveal nothing but "Allow".
            return
        if connection.user.role not in roles:
            raise Forbidden(f"该操作仅限{allowed}（role {connection.user.role} may not do this）")

    return guard

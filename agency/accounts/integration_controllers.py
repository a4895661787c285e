"""The admin's integration keys over the API (the admin page /app/admin/sync and the CLI do the same)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.accounts import integration
from agency.accounts.models import IntegrationKey
from agency.accounts.schemas import IntegrationKeyIn, IntegrationKeyOut


def key_out(row: IntegrationKey, key: str | None = None) -> IntegrationKeyOut:
    return IntegrationKeyOut(id=row.id, name=row.name, created_at=row.created_at, created_by=row.created_by,
                             revoked_at=row.revoked_at, key=key)


class IntegrationKeyController(Controller):
    path = "/api/integration-keys"
    tags = ["省级系统同步 sync"]
    guards = [require_roles(Role.ADMIN)]

    @get("/")
    async def list_keys(self, actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> list[IntegrationKeyOut]:
        """Every key issued, revoked ones too (name and dates; never the key)."""
        return [key_out(row) for row in await integration.list_keys(db, actor)]

    @post("/", status_code=201)
    async def create_key(self, data: JSONBody[IntegrationKeyIn], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> IntegrationKeyOut:
        """A new key for the outside system ``name``: ``key`` is in this answer only. A name taken → 409."""
        row, key = await integration.create_key(db, actor, data.name)
        return key_out(row, key)

    @post("/{key_id:int}/revoke", status_code=200)
    async def revoke_key(self, key_id: FromPath[int], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> IntegrationKeyOut:
        """Revokes the key: its next request is 401. Revoking it again changes nothing."""
        return key_out(await integration.revoke_key(db, actor, key_id))

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.enterprises import service
from agency.enterprises.models import Enterprise
from agency.enterprises.schemas import EnterpriseIn, EnterpriseOut, EnterprisePatch
from agency.privacy import mask_phone
from agency.schemas import Page, PageNo, PageSize


def enterprise_out(enterprise: Enterprise, actor: Actor, *, reveal: bool = True) -> EnterpriseOut:
    phone = service.shown_phone(actor, enterprise) if reveal else mask_phone(enterprise.contact_phone)
    return EnterpriseOut(
        id=enterprise.id, credit_code=enterprise.credit_code, name=enterprise.name,
        legal_representative=enterprise.legal_representative, contact_name=enterprise.contact_name,
        contact_phone=phone or "", address=enterprise.address, park=enterprise.park,
        key_enterprise=enterprise.key_enterprise, created_at=enterprise.created_at, version=enterprise.version,
        site_code=enterprise.site_code,
    )


class EnterpriseController(Controller):
    path = "/api/enterprises"
    tags = ["企业 enterprises"]

    @post("", status_code=201, guards=[require_roles(Role.CLERK, Role.ADMIN)])
    async def create(self, data: JSONBody[EnterpriseIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> EnterpriseOut:
        """Register an enterprise. A credit code failing the GB 32100 check → 422; a duplicate → 409."""
        return enterprise_out(await service.create(db, actor, data), actor)

    @get("")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     q: FromQuery[str | None] = None, site_code: FromQuery[str | None] = None,
                     page: PageNo = 1, page_size: PageSize = 50) -> Page[EnterpriseOut]:
        """Enterprises the caller may see (a township hall's clerk: those registered at his hall or owning one of
        its dossiers), by name fragment or exact credit code; ``site_code``: those of that site; phones masked."""
        rows, total = await service.search(db, actor, q=q, page=page, page_size=page_size, site_code=site_code)
        return Page(items=[enterprise_out(e, actor, reveal=False) for e in rows], total=total, page=page,
                    page_size=page_size)

    @get("/{enterprise_id:int}")
    async def get_one(self, enterprise_id: FromPath[int], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> EnterpriseOut:
        return enterprise_out(await service.get(db, actor, enterprise_id), actor)

    @patch("/{enterprise_id:int}", guards=[require_roles(Role.CLERK, Role.ADMIN)])
    async def update(self, enterprise_id: FromPath[int], data: JSONBody[EnterprisePatch], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> EnterpriseOut:
        """Change the name and contacts (each change audited, the phone masked in the trail); not the credit code."""
        return enterprise_out(await service.update(db, actor, enterprise_id, data), actor)

"""/api/sites: the county's service sites (center, sub-centers, township halls)."""

from __future__ import annotations

import re

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.errors import Invalid
from agency.sites import service
from agency.sites.models import KIND_WORDS, Site
from agency.sites.schemas import SiteIn, SiteOut

SITE_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def site_out(site: Site) -> SiteOut:
    return SiteOut(code=site.code, name=site.name, kind=site.kind, kind_name=KIND_WORDS[site.kind])


class SiteController(Controller):
    path = "/api/sites"
    tags = ["站点 sites"]

    @get("")
    async def list_sites(self, db: NamedDependency[AsyncSession]) -> list[SiteOut]:
        """Every site of the county: the center, its sub-centers (分中心), the township halls (乡镇便民服务大厅)."""
        return [site_out(s) for s in await service.list_sites(db)]

    @put("/{code:str}", guards=[require_roles(Role.ADMIN)])
    async def save(self, code: FromPath[str], data: JSONBody[SiteIn], actor: NamedDependency[Actor],
                   db: NamedDependency[AsyncSession]) -> SiteOut:
        """Adds or renames a site (the administrator)."""
        if not SITE_CODE.match(code):
            raise Invalid("站点代码须为小写字母开头的英文代码（code）", field="code")
        return site_out(await service.save(db, actor, code, name=data.name, kind=data.kind))

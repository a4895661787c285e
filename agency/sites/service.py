"""The county's service sites: listed for everyone signed in, kept by the administrator (each change audited)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.audit import service as audit
from agency.errors import Invalid
from agency.sites.models import KINDS, Site


async def list_sites(session: AsyncSession) -> list[Site]:
    """The center first, then sub-centers, then township halls, each by code."""
    sites = list((await session.execute(select(Site))).scalars())
    return sorted(sites, key=lambda s: (KINDS.index(s.kind), s.code))


async def save(session: AsyncSession, actor: Actor, code: str, *, name: str, kind: str) -> Site:
    """Adds a site or renames it; only the administrator."""
    actor.require(Role.ADMIN)
    if kind not in KINDS:
        raise Invalid("站点类型无效（kind）", field="kind")
    if not name.strip():
        raise Invalid("须填写站点名称（name is required）", field="name")
    site = await session.get(Site, code)
    before = None if site is None else {"name": site.name, "kind": site.kind}
    if site is None:
        site = Site(code=code, name=name.strip(), kind=kind)
        session.add(site)
    else:
        site.name, site.kind = name.strip(), kind
    await session.flush()
    await audit.record(session, actor, "site.save", "site", code, before=before,
                       after={"name": site.name, "kind": site.kind})
    return site


async def exists(session: AsyncSession, code: str) -> bool:
    return await session.get(Site, code) is not None

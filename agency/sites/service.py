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


async def readable_by(session: AsyncSession, actor: Actor) -> list[Site]:
    """The sites whose dossiers the actor may read, for a list's site select: a sub-center's or township hall's
    clerk his own site (what he handed over he reads in the lists unfiltered); everybody else every site."""
    every = await list_sites(session)
    if actor.role is Role.CLERK and actor.site_code is not None:
        own = [s for s in every if s.code == actor.site_code]
        if own and own[0].kind != "center":
            return own
    return every


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


async def require_known(session: AsyncSession, site_code: str | None, found: int) -> None:
    """A list's ``site_code=`` naming no site is refused (422 naming the field), not answered with an empty list
    that reads as "nothing there". Asked only when the list came back empty (``found`` rows in all): an unknown
    site holds nothing, so a list with rows needs no look-up, and a filled list costs no statement more."""
    if site_code and not found and not await exists(session, site_code):
        raise Invalid(f"站点 {site_code} 不存在（unknown site）", field="site_code")

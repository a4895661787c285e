"""Which site holds a dossier, what a site's clerk may see and change of it, and the handover (移交) from a
township hall to the center's agency office.

A clerk bound to a site sees the dossiers his site holds and those it handed over (read-only); a clerk of the
center sees every site's dossiers but changes only those the center holds (its own, and those handed to it).
A dossier without a site (opened before sites were kept) is the center's. A clerk bound to no site, leaders,
the administrator and the departments see as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, exists, func, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, get_visible
from agency.accounts.models import User
from agency.audit import service as audit
from agency.errors import Conflict, Forbidden, Invalid
from agency.notifications import service as outbox
from agency.projects.models import Project, ProjectHandover

# The sites table (agency.sites keeps it; read here by name so that package stays above this one).
_sites = table("sites", column("code"), column("name"), column("kind"))
OPEN_STATUSES = ("planning", "in_progress", "blocked")


def site_bound(actor: Actor) -> bool:
    return actor.role is Role.CLERK and actor.site_code is not None


def _at_center(site_code: str) -> ColumnElement[bool]:
    return exists(select(_sites.c.code).where(_sites.c.code == site_code, _sites.c.kind == "center"))


def site_scope(actor: Actor) -> ColumnElement[bool] | None:
    """The condition on ``Project`` for a clerk bound to a site; None for everybody else (no condition)."""
    if not site_bound(actor):
        return None
    site = actor.site_code
    assert site is not None
    handed_away = select(ProjectHandover.project_id).where(ProjectHandover.from_site_code == site)
    return or_(_at_center(site), Project.site_code == site, Project.id.in_(handed_away))


def on_site(site_code: str) -> ColumnElement[bool]:
    """The condition on ``Project`` of the dossiers a site holds (a list's ``site_code=``): the center's also
    holds those opened before sites were kept."""
    return or_(Project.site_code == site_code, and_(Project.site_code.is_(None), _at_center(site_code)))


def held_by(site_code: str) -> Select[tuple[int]]:
    """The ids of the dossiers a site holds, for the rows hanging off a dossier (a list's ``site_code=``)."""
    return select(Project.id).where(on_site(site_code))


def worked_at(actor: Actor) -> str | None:
    """The site whose dossiers make a clerk's worklist: a site's clerk works what his site holds (a dossier handed
    over leaves the hall's worklist for the receiving site's, though the hall still reads it); None: no site."""
    return actor.site_code if site_bound(actor) else None


def enterprise_scope(actor: Actor, enterprise_id: Any, enterprise_site: Any) -> ColumnElement[bool] | None:
    """The condition on the enterprises (their id and registering site columns) a site's clerk sees: those
    registered at his site and those owning a dossier he sees; a center clerk: all. None: not bound to a site."""
    scope = site_scope(actor)
    if scope is None:
        return None
    site = actor.site_code
    return or_(_at_center(str(site)), enterprise_site == site,
               enterprise_id.in_(select(Project.enterprise_id).where(scope)))


def site_projects(actor: Actor) -> Select[tuple[int]] | None:
    """The ids of the dossiers a site's clerk sees (his site's, those it handed over; a center clerk: all), for
    the rows hanging off a dossier (bundles, obligations, problems, meetings, escalations); None: no condition."""
    scope = site_scope(actor)
    return None if scope is None else select(Project.id).where(scope)


async def _site(session: AsyncSession, code: str | None) -> tuple[str, str, str] | None:
    row = (await session.execute(select(_sites.c.code, _sites.c.name, _sites.c.kind).where(_sites.c.code == code))
           ).first()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


async def _from_name(session: AsyncSession, code: str | None) -> str:
    site = await _site(session, code)
    return site[1] if site else "县政务服务中心"


async def holder_name(session: AsyncSession, project: Project) -> str:
    if project.site_code is None:
        return "县政务服务中心"
    site = await _site(session, project.site_code)
    return site[1] if site else project.site_code


async def holds(session: AsyncSession, actor: Actor, project: Project) -> bool:
    """Whether the actor's site holds the dossier (always, for an actor not bound to a site)."""
    if not site_bound(actor) or project.site_code == actor.site_code:
        return True
    if project.site_code is None:
        site = await _site(session, actor.site_code)
        return site is not None and site[2] == "center"
    return False


async def holding_site(session: AsyncSession, project: Project) -> tuple[str, str, str] | None:
    """(code, name, kind) of the site holding the dossier; None for one opened before sites were kept."""
    return None if project.site_code is None else await _site(session, project.site_code)


async def require_holder_of(session: AsyncSession, actor: Actor, project_id: int) -> None:
    """``require_holder`` for a row hanging off a dossier (a bundle, an obligation, a problem, an escalation)."""
    if site_bound(actor):
        await require_holder(session, actor, await session.get_one(Project, project_id))


async def require_holder(session: AsyncSession, actor: Actor, project: Project) -> None:
    """A site's clerk changes only the dossiers his site holds; the others he may only read."""
    if not await holds(session, actor, project):
        raise Forbidden(f"该项目由{await holder_name(session, project)}办理，本站点只能查看（read-only: the "
                        "dossier is held by another site）")


async def _center(session: AsyncSession) -> str:
    centers = list((await session.execute(select(_sites.c.code).where(_sites.c.kind == "center")
                                          .order_by(_sites.c.code))).scalars())
    if len(centers) != 1:
        raise Invalid("请指定接收站点（site_code is required）", field="site_code")
    return str(centers[0])


def _clerks_of(code: str, kind: str) -> Select[tuple[int, str, str | None]]:
    """The active clerks who may take a dossier handed to a site: its own (the center: those bound to no site
    too — the agency office's)."""
    return select(User.id, User.display_name, User.site_code).where(
        User.role == Role.CLERK.value, User.is_active.is_(True),
        or_(User.site_code == code, User.site_code.is_(None)) if kind == "center" else User.site_code == code)


async def receiving_clerks(session: AsyncSession, code: str, kind: str) -> list[tuple[int, str]]:
    """(id, name) of the clerks a handover to the site may name (``clerk_id``), the site's own first, by name."""
    return [(int(i), str(n)) for i, n, _ in (await session.execute(
        _clerks_of(code, kind).order_by(User.site_code.is_(None), User.display_name, User.id))).all()]


async def _receiving_clerk(session: AsyncSession, site: tuple[str, str, str], clerk_id: int | None) -> tuple[int, str]:
    """(id, name) of the clerk of the receiving site who takes the dossier: the one named, else the site's active
    clerk with the fewest open dossiers (the center: its clerks bound to no site too, if it has none of its own)."""
    code, _, kind = site
    clerks = _clerks_of(code, kind)
    if clerk_id is not None:
        named = (await session.execute(clerks.where(User.id == clerk_id))).first()
        if named is None:
            raise Invalid("接办代办员须为接收站点在岗的代办员（clerk_id is not an active clerk of that site）",
                          field="clerk_id")
        return int(named[0]), str(named[1])
    load = (select(func.count()).select_from(Project)
            .where(Project.clerk_id == User.id, Project.status.in_(OPEN_STATUSES)).scalar_subquery())
    # The site's own clerks before those bound to no site; then the least loaded, then the first registered.
    found = (await session.execute(clerks.order_by(User.site_code.is_(None), load, User.id).limit(1))).first()
    if found is None:
        raise Conflict(f"{site[1]}没有在岗的代办员，不能移交（no active clerk at the receiving site）",
                       field="site_code")
    return int(found[0]), str(found[1])


async def hand_over(session: AsyncSession, actor: Actor, project_id: int, *, note: str,
                    site_code: str | None = None, version: int | None = None,
                    clerk_id: int | None = None) -> ProjectHandover:
    """The clerk of the site holding the dossier hands it to another site (by default the center's agency
    office) with a note; the dossier keeps its history, its timeline carries the handover. The receiving site's
    clerk (``clerk_id``, else the least loaded) becomes the dossier's clerk: its escalations, reminders and
    "my dossiers" go to him from now on."""
    actor.require(Role.CLERK)
    project = await get_visible(session, Project, project_id, actor, what="项目")
    await require_holder(session, actor, project)
    if version is not None and version != project.version:
        raise Conflict("项目已被他人修改，请刷新后重试（stale version）", field="version")
    if project.status not in OPEN_STATUSES:
        raise Conflict("项目已办结或关闭，不能移交（the dossier is finished）", extra={"status": project.status})
    if len(note.strip()) < 2:
        raise Invalid("须填写移交说明（note is required）", field="note")
    target_code = site_code or await _center(session)
    target = await _site(session, target_code)
    if target is None:
        raise Invalid(f"站点 {target_code} 不存在（unknown site）", field="site_code")
    from_code = project.site_code
    if from_code == target_code or (from_code is None and target[2] == "center"):
        raise Conflict("项目已在该站点办理（already held by that site）", field="site_code")
    receiver, receiver_name = await _receiving_clerk(session, target, clerk_id)
    handover = ProjectHandover(project_id=project.id, from_site_code=from_code, to_site_code=target_code,
                               note=note.strip(), handed_by=actor.user_id, handed_at=timeutil.now(),
                               received_by=receiver)
    session.add(handover)
    before = {"site_code": from_code, "clerk_id": project.clerk_id}
    project.site_code, project.clerk_id = target_code, receiver
    await session.flush()
    await audit.record(session, actor, "project.handover", "project", project.id, project_id=project.id,
                       before=before, after={"site_code": target_code, "site_name": target[1], "note": handover.note,
                                             "clerk_id": receiver, "clerk_name": receiver_name})
    # The receiving clerk hears of it at once (the worklist and the escalations are his from now on).
    await outbox.write(session, [outbox.Message(
        f"handover:{handover.id}", f"{target[1]}接办项目：{project.name}",
        f"{await _from_name(session, from_code)}移交项目“{project.name}”（{project.code}），由您接办。移交说明："
        f"{handover.note}", object_type="project", object_id=project.id, project_id=project.id,
        users=User.id == receiver)])
    return handover


async def history(session: AsyncSession, actor: Actor, project_id: int) -> list[ProjectHandover]:
    await get_visible(session, Project, project_id, actor, what="项目")
    return list((await session.execute(select(ProjectHandover).where(ProjectHandover.project_id == project_id)
                                       .order_by(ProjectHandover.id))).scalars())


async def open_by_site(session: AsyncSession, actor: Actor) -> list[tuple[str | None, str, int, int]]:
    """The dossiers still being worked, per holding site (its name; 县政务服务中心 for those without one), as the
    actor may see them: (site code, site name, open dossiers, all dossiers), in the sites' order, the center
    first — the same dossiers as the project list's ``site_code=`` (``on_site``) gives for that site."""
    scope = site_scope(actor)
    query = select(Project.site_code, Project.status, func.count()).group_by(Project.site_code, Project.status)
    if scope is not None:
        query = query.where(scope)
    counts: dict[str | None, list[int]] = {}
    for site_code, status, count in (await session.execute(query)).all():
        row = counts.setdefault(site_code, [0, 0])
        row[1] += int(count)
        if status in OPEN_STATUSES:
            row[0] += int(count)
    kinds = {"center": 0, "sub_center": 1, "township_hall": 2}
    sites = sorted((await session.execute(select(_sites.c.code, _sites.c.name, _sites.c.kind))).all(),
                   key=lambda s: (kinds.get(str(s[2]), 3), str(s[0])))
    center = next((str(s[0]) for s in sites if s[2] == "center"), None)
    if None in counts and center is not None:  # dossiers from before sites were kept are the center's
        extra = counts.pop(None)
        row = counts.setdefault(center, [0, 0])
        row[0], row[1] = row[0] + extra[0], row[1] + extra[1]
    result: list[tuple[str | None, str, list[int]]] = [
        (str(code), str(name), counts.get(str(code), [0, 0])) for code, name, _ in sites]
    if None in counts:
        result.insert(0, (None, "县政务服务中心", counts[None]))
    return [(code, name, row[0], row[1]) for code, name, row in result]

"""The ledger of escalations (电子监察): who may see a firing, and acknowledging and resolving one. The
sweep that fires them is agency.supervision's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, bindparam, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.audit import service as audit
from agency.db.paging import paginate
from agency.errors import Conflict, Forbidden, Invalid
from agency.escalation.models import LEVEL_WORDS, Escalation
from agency.projects.handover import held_by, require_holder_of, site_projects
from agency.projects.models import Project
from agency.sites import service as sites

__all__ = ["LEVEL_WORDS", "acknowledge", "open_for", "resolve", "search"]

def _visibility(actor: Actor) -> ColumnElement[bool]:
    # A site's clerk: the escalations of the dossiers his site sees (the center's clerks: every site's, so
    # those of a dossier handed to the center too, whoever its clerk).
    site = site_projects(actor)
    if site is not None:
        return Escalation.project_id.in_(site)
    if actor.role in (Role.ADMIN, Role.LEADER):
        return true()
    if actor.role is Role.DEPARTMENT:
        return Escalation.department_code == actor.department_code
    if actor.role is Role.CLERK:
        return Escalation.project_id.in_(select(Project.id).where(Project.clerk_id == actor.user_id))
    return false()


Visibility.register(Escalation, _visibility)


async def search(session: AsyncSession, actor: Actor, *, status: str | None, level: str | None,
                 department_code: str | None, project_id: int | None, approval_id: int | None, page: int,
                 page_size: int, site_code: str | None = None) -> tuple[list[Escalation], int]:
    """The escalations the actor may see, newest first; ``site_code``: those of the dossiers that site holds."""
    query = visible(Escalation, actor)
    if site_code:
        query = query.where(Escalation.project_id.in_(held_by(site_code)))
    for column, value in ((Escalation.status, status), (Escalation.level, level),
                          (Escalation.department_code, department_code), (Escalation.project_id, project_id),
                          (Escalation.approval_id, approval_id)):
        if value is not None:
            query = query.where(column == value)
    rows, total = await paginate(session, query, order_by=Escalation.id.desc(), page=page, page_size=page_size)
    await sites.require_known(session, site_code, total)
    return rows, total


async def fired_per_day(session: AsyncSession, actor: Actor, start: date, end: date) -> dict[tuple[date, str], int]:
    """How many escalations the actor may see were fired on each day (their sweep date) of [start, end], per
    level: counted in SQL over the rows ``search`` lists, however many a sweep fired."""
    query = visible(Escalation, actor).where(Escalation.as_of.between(start, end)).order_by(None).subquery()
    return {(as_of, level): int(count) for as_of, level, count in (await session.execute(
        select(query.c.as_of, query.c.level, func.count()).group_by(query.c.as_of, query.c.level))).all()}


async def acknowledge(session: AsyncSession, actor: Actor, escalation_id: int, note: str) -> Escalation:
    escalation = await get_visible(session, Escalation, escalation_id, actor, what="督办")
    if actor.role not in (Role.DEPARTMENT, Role.LEADER, Role.ADMIN):
        raise Forbidden("督办由责任部门签收（the department acknowledges）")
    if escalation.status != "open":
        raise Conflict("该督办已签收、已办结或已撤销（already acknowledged, resolved or withdrawn）")
    escalation.status, escalation.acknowledged_by = "acknowledged", actor.user_id
    escalation.acknowledged_at, escalation.acknowledge_note = timeutil.now(), note.strip()
    await session.flush()
    await audit.record(session, actor, "escalation.acknowledge", "escalation", escalation.id,
                       project_id=escalation.project_id, after={"note": note.strip()})
    return escalation


async def resolve(session: AsyncSession, actor: Actor, escalation_id: int, note: str) -> Escalation:
    escalation = await get_visible(session, Escalation, escalation_id, actor, what="督办")
    if actor.role not in (Role.LEADER, Role.ADMIN, Role.CLERK):
        raise Forbidden("督办由领导或代办员办结（leaders and clerks resolve）")
    await require_holder_of(session, actor, escalation.project_id)
    if escalation.status in ("resolved", "withdrawn"):
        raise Conflict("该督办已办结或已撤销（already resolved or withdrawn）")
    if len(note.strip()) < 2:
        raise Invalid("须填写处理结果（a note is required）", field="note")
    escalation.status, escalation.resolved_by = "resolved", actor.user_id
    escalation.resolved_at, escalation.resolve_note = timeutil.now(), note.strip()
    await session.flush()
    await audit.record(session, actor, "escalation.resolve", "escalation", escalation.id,
                       project_id=escalation.project_id, after={"note": note.strip()})
    return escalation


async def open_for(session: AsyncSession, approval_ids: list[int]) -> list[Escalation]:
    """The escalations of these approvals not yet resolved."""
    return list((await session.execute(_OPEN_FOR, {"open_for_ids": approval_ids or [0]})).scalars())


# Built once: every action's answer reads it, and building a statement costs more than running this one.
_OPEN_FOR = select(Escalation).where(Escalation.approval_id.in_(bindparam("open_for_ids", expanding=True)),
                                     or_(Escalation.status == "open", Escalation.status == "acknowledged"))

"""回访: the center's return visit to the enterprise after a bad rating of a department's service or officer.

The follow-up of old is now part of the rectification (整改) the rating opened: /api/follow-ups answers as a
view of the rectifications of approvals (a follow-up's id is its rectification's), open until a clerk or a
leader records the visit (``visit_note``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, get_visible, visible
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.errors import Conflict, Invalid, NotFound
from agency.evaluations.models import Evaluation, Rectification
from agency.projects.handover import held_by, require_holder_of
from agency.projects.models import Project
from agency.sites import service as sites

# What closing a follow-up records of the return visit: at least this many characters (API and page alike).
CLOSING_NOTE_AT_LEAST = 2
Row = tuple[Rectification, Evaluation, Approval, Project]


def status_of(r: Rectification) -> str:
    return "open" if r.visited_at is None else "closed"


async def search(session: AsyncSession, actor: Actor, status: str | None, *, page: int,
                 page_size: int, site_code: str | None = None) -> tuple[list[Row], int]:
    """Leaders and administrators see all, a clerk those of his projects; ``site_code``: those of the dossiers
    that site holds."""
    actor.require(Role.ADMIN, Role.LEADER, Role.CLERK)
    query = visible(Rectification, actor).where(Rectification.approval_id.is_not(None))
    if site_code:
        query = query.where(Rectification.project_id.in_(held_by(site_code)))
    if status:
        query = query.where(Rectification.visited_at.is_(None) if status == "open"
                            else Rectification.visited_at.is_not(None))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    await sites.require_known(session, site_code, total)
    ids = query.with_only_columns(Rectification.id).order_by(Rectification.id.desc()) \
        .offset((page - 1) * page_size).limit(page_size).subquery()
    rows = (await session.execute(
        select(Rectification, Evaluation, Approval, Project).join(ids, ids.c.id == Rectification.id)
        .join(Evaluation, Evaluation.id == Rectification.evaluation_id)
        .join(Approval, Approval.id == Rectification.approval_id)
        .join(Project, Project.id == Rectification.project_id).order_by(Rectification.id.desc()))).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows], total


async def detail(session: AsyncSession, r: Rectification) -> Row:
    return (r, await session.get_one(Evaluation, r.evaluation_id), await session.get_one(Approval, r.approval_id),
            await session.get_one(Project, r.project_id))


async def close(session: AsyncSession, actor: Actor, follow_up_id: int, note: str) -> Rectification:
    """A clerk or leader records the return visit."""
    actor.require(Role.CLERK, Role.LEADER)
    r = await get_visible(session, Rectification, follow_up_id, actor, what="回访事项")
    if r.approval_id is None:
        raise NotFound("回访事项不存在或无权查看（follow-up not found）")
    await require_holder_of(session, actor, r.project_id)  # a hall that handed the dossier over only reads
    if r.visited_at is not None:
        raise Conflict("该回访已办结，不能重复关闭（follow-up already closed）")
    if len(note.strip()) < CLOSING_NOTE_AT_LEAST:
        raise Invalid(f"须填写回访情况（至少 {CLOSING_NOTE_AT_LEAST} 个字）（a note of the visit is required）",
                      field="note")
    r.visit_note, r.visited_by, r.visited_at = note.strip(), actor.user_id, timeutil.now()
    await session.flush()
    await audit.record(session, actor, "follow_up.close", "follow_up", r.id, project_id=r.project_id,
                       before={"status": "open"}, after={"status": "closed", "note": r.visit_note})
    return r

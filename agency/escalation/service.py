"""What follows the firings of a sweep — who is told, the 督办通知单 for red, the audit trail — and
the escalations API (list, acknowledge, resolve)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import SYSTEM, Actor, Role, Visibility, get_visible, visible
from agency.audit import service as audit
from agency.db.paging import paginate
from agency.documents import service as papers_service
from agency.documents.service import Papers
from agency.errors import Conflict, Forbidden, Invalid
from agency.escalation.models import Escalation
from agency.escalation.notify import LEVEL_WORDS, notify_new
from agency.escalation.sweep import SweepResult, sweep
from agency.projects.models import Approval, Project
from agency.settings import Settings

__all__ = ["LEVEL_WORDS", "acknowledge", "resolve", "run", "search"]

# Supervision notices are rendered a batch at a time so a first sweep over a large backlog stays short;
# the rest are made by the following runs.
NOTICES_PER_RUN = 200


def _visibility(actor: Actor) -> ColumnElement[bool]:
    if actor.role in (Role.ADMIN, Role.LEADER):
        return true()
    if actor.role is Role.DEPARTMENT:
        return Escalation.department_code == actor.department_code
    if actor.role is Role.CLERK:
        return Escalation.project_id.in_(select(Project.id).where(Project.clerk_id == actor.user_id))
    return false()


Visibility.register(Escalation, _visibility)


async def run(session: AsyncSession, as_of: date, settings: Settings, papers: Papers | None = None) -> SweepResult:
    """The sweep and everything that follows the new firings, in the caller's transaction."""
    result = await sweep(session, as_of)
    if result.new_ids:
        await notify_new(session, settings.center_leaders, settings.county_leaders)
        # One line for the run (the escalation rows themselves are the accountability record).
        await audit.record(session, SYSTEM, "escalation.sweep", "escalation", None, after={
            "as_of": as_of.isoformat(), "fired": result.fired, "escalation_ids": result.new_ids})
    if papers is not None:
        await _supervision_notices(session, papers, as_of)
    return result


async def _supervision_notices(session: AsyncSession, papers: Papers, as_of: date) -> None:
    pending = (await session.execute(
        select(Escalation, Approval, Project).join(Approval, Approval.id == Escalation.approval_id)
        .join(Project, Project.id == Escalation.project_id)
        .where(Escalation.level == "red", Escalation.rule == "clock", Escalation.document_id.is_(None),
               Approval.status == "accepted").order_by(Escalation.id).limit(NOTICES_PER_RUN))).all()
    for escalation, approval, project in pending:
        document = await papers_service.generate(session, SYSTEM, papers, project, "supervision_notice",
                                                 approval=approval, output="docx", today=as_of)
        escalation.document_id = document.id
    await session.flush()


async def search(session: AsyncSession, actor: Actor, *, status: str | None, level: str | None,
                 department_code: str | None, project_id: int | None, approval_id: int | None, page: int,
                 page_size: int) -> tuple[list[Escalation], int]:
    query = visible(Escalation, actor)
    for column, value in ((Escalation.status, status), (Escalation.level, level),
                          (Escalation.department_code, department_code), (Escalation.project_id, project_id),
                          (Escalation.approval_id, approval_id)):
        if value is not None:
            query = query.where(column == value)
    return await paginate(session, query, order_by=Escalation.id.desc(), page=page, page_size=page_size)


async def acknowledge(session: AsyncSession, actor: Actor, escalation_id: int, note: str) -> Escalation:
    escalation = await get_visible(session, Escalation, escalation_id, actor, what="督办")
    if actor.role not in (Role.DEPARTMENT, Role.LEADER, Role.ADMIN):
        raise Forbidden("督办由责任部门签收（the department acknowledges）")
    if escalation.status != "open":
        raise Conflict("该督办已签收或已办结（already acknowledged or resolved）")
    escalation.status, escalation.acknowledged_by = "acknowledged", actor.user_id
    escalation.acknowledged_at, escalation.acknowledge_note = datetime.now(UTC), note.strip()
    await session.flush()
    await audit.record(session, actor, "escalation.acknowledge", "escalation", escalation.id,
                       project_id=escalation.project_id, after={"note": note.strip()})
    return escalation


async def resolve(session: AsyncSession, actor: Actor, escalation_id: int, note: str) -> Escalation:
    escalation = await get_visible(session, Escalation, escalation_id, actor, what="督办")
    if actor.role not in (Role.LEADER, Role.ADMIN, Role.CLERK):
        raise Forbidden("督办由领导或代办员办结（leaders and clerks resolve）")
    if escalation.status == "resolved":
        raise Conflict("该督办已办结（already resolved）")
    if len(note.strip()) < 2:
        raise Invalid("须填写处理结果（a note is required）", field="note")
    escalation.status, escalation.resolved_by = "resolved", actor.user_id
    escalation.resolved_at, escalation.resolve_note = datetime.now(UTC), note.strip()
    await session.flush()
    await audit.record(session, actor, "escalation.resolve", "escalation", escalation.id,
                       project_id=escalation.project_id, after={"note": note.strip()})
    return escalation

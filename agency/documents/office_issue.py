"""Issuing the agency office's papers that follow an act outside an approval's flow: the mandate's papers when
the enterprise pauses, renews or ends the service, a meeting's minutes when they are recorded, a fee line's
payment notice when it is assessed (each rendered after its act has committed, by agency/documents/jobs.py), and
the 督办通知单 on an overdue coordination problem (the leader's request, or the sweep's red card).

Each paper is numbered in its issuer's series (the agency office's; a payment notice in the collecting
department's), kept with its project, and sent where it belongs: the minutes to the departments they name, a
problem's notice to the department responsible (DocumentRecipient)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, get_visible
from agency.approvals.models import Approval
from agency.coordination.meetings import project_ids_of
from agency.coordination.models import Meeting, Problem
from agency.documents.models import Document, DocumentRecipient
from agency.documents.service import Papers, generate
from agency.errors import Forbidden, Invalid
from agency.escalation.models import Escalation
from agency.fees.models import FeeLine
from agency.projects.models import Project

# Who may ask for a 督办通知单 on a problem: supervision, as for an approval (agency/documents/rules.py).
SUPERVISORS = frozenset({Role.LEADER, Role.ADMIN})


async def _already(session: AsyncSession, template: str, subject_type: str, subject_id: int) -> Document | None:
    """The paper a retried job already made (its first run committed, the answer was lost)."""
    return (await session.execute(select(Document).where(
        Document.template_code == template, Document.subject_type == subject_type,
        Document.subject_id == subject_id).order_by(Document.id.desc()).limit(1))).scalar_one_or_none()


async def _about(session: AsyncSession, document: Document, subject_type: str, subject_id: int,
                 departments: list[str]) -> Document:
    document.subject_type, document.subject_id = subject_type, subject_id
    session.add_all(DocumentRecipient(document_id=document.id, department_code=code) for code in departments)
    await session.flush()
    return document


async def mandate_paper(session: AsyncSession, actor: Actor, papers: Papers, project_id: int, template: str,
                        today: date, facts: dict[str, Any]) -> Document:
    """中止单, 终止单 or 续办委托书 of the project's agency mandate, in the office's series."""
    project = await session.get_one(Project, project_id)
    return await generate(session, actor, papers, project, template, approval=None,
                          output=papers.settings.act_papers, today=today, facts=facts)


async def minutes(session: AsyncSession, actor: Actor, papers: Papers, meeting_id: int, today: date) -> Document:
    """The 会议纪要 of a meeting, kept with its first project and sent to every department its decisions name."""
    meeting = await session.get_one(Meeting, meeting_id)
    if meeting.minutes_document_id is not None:
        return await session.get_one(Document, meeting.minutes_document_id)
    ids = (await project_ids_of(session, [meeting.id]))[meeting.id]
    project = await session.get_one(Project, ids[0])
    document = await generate(session, actor, papers, project, "meeting_minutes", approval=None,
                              output=papers.settings.act_papers, today=today, facts={"meeting_id": meeting.id})
    meeting.minutes_document_id = document.id
    named = sorted({d["department_code"] for d in meeting.decisions})
    return await _about(session, document, "meeting", meeting.id, named)


async def payment_notice(session: AsyncSession, actor: Actor, papers: Papers, fee_id: int, today: date) -> Document:
    """The 缴款通知书 of a fee line, in the collecting department's series, issued to the enterprise."""
    made = await _already(session, "payment_notice", "fee", fee_id)
    if made is not None:
        return made
    line = await session.get_one(FeeLine, fee_id)
    approval = await session.get_one(Approval, line.approval_id)
    project = await session.get_one(Project, line.project_id)
    document = await generate(session, actor, papers, project, "payment_notice", approval=approval,
                              output=papers.settings.act_papers, today=today, by_department=True,
                              facts={"fee_id": line.id})
    return await _about(session, document, "fee", line.id, [])


async def issue_on_problem(session: AsyncSession, actor: Actor, papers: Papers, project_id: int, template: str,
                           problem_id: int, *, output: str, today: date) -> Document:
    """``POST /api/projects/{id}/documents`` with a ``problem_id``: only the 督办通知单 is issued on a problem."""
    if template != "supervision_notice":
        raise Invalid("针对协调问题只能出具督办通知单（only supervision_notice takes problem_id）", field="problem_id")
    if actor.role not in SUPERVISORS:
        raise Forbidden("督办通知单由领导或管理员出具（only supervision issues it）")
    project = await get_visible(session, Project, project_id, actor, what="项目")
    return await problem_supervision(session, actor, papers, project, problem_id, today, output, seal_now=True)


async def problem_supervision(session: AsyncSession, actor: Actor, papers: Papers, project: Project,
                              problem_id: int, today: date, output: str = "docx", *, seal_now: bool = False
                              ) -> Document:
    """The 督办通知单 on a coordination problem: the approval's template and rules (a yellow card or worse), sent
    to the department responsible; its firings are marked as supervised by it."""
    if actor.role not in SUPERVISORS:
        raise Forbidden("督办通知单由领导或管理员出具（only supervision issues it）")
    problem = await get_visible(session, Problem, problem_id, actor, what="问题")
    if problem.project_id != project.id:
        raise Invalid("该问题不属于此项目（problem not in this project）", field="problem_id")
    document = await generate(session, actor, papers, project, "supervision_notice", approval=None, output=output,
                              today=today, facts={"problem_id": problem.id}, seal_now=seal_now)
    for card in (await session.execute(select(Escalation).where(
            Escalation.subject_type == "problem", Escalation.subject_id == problem.id,
            Escalation.due_on == problem.due_on, Escalation.document_id.is_(None),
            Escalation.level.in_(("red", "l3"))))).scalars():
        card.document_id = document.id
    return await _about(session, document, "problem", problem.id, [problem.department_code])

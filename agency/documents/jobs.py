"""Papers the flow calls for, rendered after the act that calls for them has committed: a slow or failed
printer never rolls a lawful act back. A failed job is retried (agency/jobs/runner.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from agency.access import SYSTEM
from agency.approvals.models import Approval
from agency.coordination.models import OPEN_PROBLEM_STATES, Problem
from agency.documents import office_issue, service
from agency.escalation.models import Escalation
from agency.jobs.runner import JobContext
from agency.jobs.service import actor_from
from agency.jobs.sessions import transaction
from agency.projects.models import Project

FOR_ACTION = "papers.for_action"
SUPERVISION_NOTICES = "papers.supervision_notices"
# The office's papers of acts outside an approval's flow (agency/documents/office_issue.py).
FOR_MANDATE = "papers.for_mandate"
MEETING_MINUTES = "papers.meeting_minutes"
PAYMENT_NOTICE = "papers.payment_notice"
# Supervision notices are rendered a batch at a time, each batch its own transaction.
NOTICES_PER_BATCH = 50


def papers_of(ctx: JobContext) -> service.Papers:
    papers: service.Papers = ctx.services["papers"]
    return papers


async def for_action(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The paper an action calls for (agency/approvals/notices.py) in the name of who acted."""
    async with transaction(ctx) as session:
        approval = await session.get_one(Approval, payload["approval_id"])
        project = await session.get_one(Project, approval.project_id)
        document = await service.generate_for_action(
            session, actor_from(payload["actor"]), papers_of(ctx), project, approval, payload["paper"],
            date.fromisoformat(payload["today"]), payload.get("facts"))
        return {"document_id": document.id}


async def for_mandate(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """中止单, 续办委托书 or 终止单 after the mandate's change committed, in the name of the clerk who recorded it."""
    async with transaction(ctx) as session:
        document = await office_issue.mandate_paper(
            session, actor_from(payload["actor"]), papers_of(ctx), payload["project_id"], payload["paper"],
            date.fromisoformat(payload["today"]), payload.get("facts") or {})
        return {"document_id": document.id}


async def meeting_minutes(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    async with transaction(ctx) as session:
        document = await office_issue.minutes(session, actor_from(payload["actor"]), papers_of(ctx),
                                              payload["meeting_id"], date.fromisoformat(payload["today"]))
        return {"document_id": document.id}


async def payment_notice(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    async with transaction(ctx) as session:
        document = await office_issue.payment_notice(session, actor_from(payload["actor"]), papers_of(ctx),
                                                     payload["fee_id"], date.fromisoformat(payload["today"]))
        return {"document_id": document.id}


async def supervision_notices(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """A 督办通知单 for every red card of an accepted approval that has none yet."""
    as_of = date.fromisoformat(payload["as_of"])
    made = 0
    while True:
        async with transaction(ctx) as session:
            pending = (await session.execute(
                select(Escalation, Approval, Project).join(Approval, Approval.id == Escalation.approval_id)
                .join(Project, Project.id == Escalation.project_id)
                .where(Escalation.level == "red", Escalation.rule == "clock", Escalation.document_id.is_(None),
                       Approval.status == "accepted").order_by(Escalation.id).limit(NOTICES_PER_BATCH))).all()
            for escalation, approval, project in pending:
                document = await service.generate(session, SYSTEM, papers_of(ctx), project, "supervision_notice",
                                                  approval=approval, output="docx", today=as_of)
                escalation.document_id = document.id
            made += len(pending)
        if len(pending) < NOTICES_PER_BATCH:
            break
    return {"notices": made + await _problem_notices(ctx, as_of)}


async def _problem_notices(ctx: JobContext, as_of: date) -> int:
    """A 督办通知单 for every red card of an open coordination problem that has none yet (the same template)."""
    made = 0
    while True:
        async with transaction(ctx) as session:
            pending = (await session.execute(
                select(Problem.id, Problem.project_id).join(Escalation, Escalation.subject_id == Problem.id)
                .where(Escalation.subject_type == "problem", Escalation.level == "red",
                       Escalation.document_id.is_(None), Escalation.due_on == Problem.due_on,
                       Escalation.withdrawn_at.is_(None), Problem.status.in_(OPEN_PROBLEM_STATES))
                .distinct().order_by(Problem.id).limit(NOTICES_PER_BATCH))).all()
            for problem_id, project_id in pending:
                project = await session.get_one(Project, project_id)
                await office_issue.problem_supervision(session, SYSTEM, papers_of(ctx), project, problem_id, as_of)
            made += len(pending)
        if len(pending) < NOTICES_PER_BATCH:
            return made

"""The papers the flow issued to the enterprise about one approval (``notices`` of the approval): those
rendered, with their number and status, and those still waiting for their job after the act's commit.

The generated papers belong to agency/documents, which reads approvals: this module reads its table through a
bare table clause instead of importing it, so the two packages still depend one way only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, bindparam, column, literal, null, select, table, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from agency.approvals.models import Approval
from agency.approvals.notices import NOTICE_PAPERS, PAPERS_JOB
from agency.jobs.models import Job

_documents = table("documents", column("id"), column("approval_id"), column("template_code"),
                   column("doc_number"), column("status"))
# A job not yet done: its paper is pending (a failing one is retried until it gives up: failed).
_UNFINISHED = {"pending": "pending", "running": "pending", "failed": "failed"}


def _notices_statement() -> CompoundSelect[Any]:
    """Built once (every action's answer runs it): the approval's id is bound at execution."""
    approval_id: BindParameter[int] = bindparam("notices_approval_id")
    rendered = (select(literal(0).label("waiting"), _documents.c.id, _documents.c.template_code,
                       _documents.c.doc_number, _documents.c.status)
                .where(_documents.c.approval_id == approval_id, _documents.c.template_code.in_(NOTICE_PAPERS)))
    paper = Job.payload["paper"].as_string()
    waiting = (select(literal(1), Job.id, paper, null(), Job.status)
               .where(Job.kind == PAPERS_JOB, Job.status.in_(tuple(_UNFINISHED)),
                      Job.payload["approval_id"].as_integer() == approval_id, paper.in_(NOTICE_PAPERS)))
    query = union_all(rendered, waiting)
    return query.order_by(query.selected_columns.waiting, query.selected_columns.id)


_NOTICES = _notices_statement()


async def notices_of(session: AsyncSession, approval: Approval) -> list[dict[str, Any]]:
    """One statement: the rendered papers, then the unfinished paper jobs of this approval (every action's
    answer carries this list, so it costs one round trip, not two)."""
    rows = (await session.execute(_NOTICES, {"notices_approval_id": approval.id})).all()
    return [{"template": code, "document_id": None if is_job else row_id, "number": number,
             "status": _UNFINISHED[status] if is_job else status}
            for is_job, row_id, code, number, status in rows]

"""The mandate's papers (中止单, 续办委托书, 终止单), asked for when the enterprise's decision commits: rendered after
the commit by agency/documents/jobs.py, so a printer never rolls the decision back (asked for by name: the
documents package reads dossiers, not the other way round)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.jobs import service as jobs
from agency.projects.models import Project

MANDATE_PAPERS_JOB = "papers.for_mandate"
PAPER_OF = {"pause": "mandate_pause", "resume": "mandate_renewal", "close": "mandate_end"}


async def request(session: AsyncSession, actor: Actor, project: Project, change: str, today: date, *, reason: str,
                  paused_on: date | None = None) -> None:
    facts = {"reason": reason, "effective_on": today.isoformat(),
             "paused_on": paused_on.isoformat() if paused_on else None}
    await jobs.enqueue(session, MANDATE_PAPERS_JOB, {"project_id": project.id, "paper": PAPER_OF[change],
                                                     "today": today.isoformat(), "actor": jobs.actor_payload(actor),
                                                     "facts": facts}, actor=actor)

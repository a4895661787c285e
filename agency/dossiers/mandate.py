"""The agency mandate (委托代办): the enterprise may pause the service (中止) and renew it (续办); ending it is
closing the dossier (终止, ``service.close``), and it completes with the dossier.

While the mandate is paused the applicant's side of the work is the enterprise's own: the sweep addresses
the stalls of a supplement unanswered or a preparation untouched to the enterprise instead of the clerk
(agency/supervision/notify.py). The departments' clocks run on: the law's time limits do not depend on the
agency service.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.audit import service as audit
from agency.dossiers import mandate_papers
from agency.dossiers.service import editable
from agency.errors import Conflict, Invalid
from agency.projects.models import MANDATE_NAMES, Project, mandate_of


def state_of(project: Project) -> dict[str, object]:
    """What the project shows of its mandate."""
    status = mandate_of(project)
    return {"status": status, "status_name": MANDATE_NAMES[status],
            "paused_on": project.mandate_paused_on.isoformat() if project.mandate_paused_on else None,
            "pause_reason": project.mandate_pause_reason if status == "paused" else None}


async def change(session: AsyncSession, actor: Actor, project_id: int, action: Literal["pause", "resume"],
                 reason: str, today: date, version: int | None = None) -> Project:
    """Pause or resume the mandate, as the enterprise asked (the clerk records it, with its reason)."""
    project = await editable(session, actor, project_id, version)
    reason = reason.strip()
    if len(reason) < 2:
        raise Invalid("须写明企业中止或续办代办的原因（reason is required）", field="reason")
    before = state_of(project)
    paused_on = project.mandate_paused_on
    if action == "pause":
        if project.mandate_paused_on is not None:
            raise Conflict(f"代办已于{project.mandate_paused_on.isoformat()}中止（already paused）", field="action")
        project.mandate_paused_on, project.mandate_pause_reason = today, reason
    else:
        if project.mandate_paused_on is None:
            raise Conflict("代办未中止，无需续办（not paused）", field="action")
        project.mandate_paused_on = project.mandate_pause_reason = None
    await session.flush()
    await audit.record(session, actor, f"project.mandate_{action}", "project", project.id, project_id=project.id,
                       before=before, after={**state_of(project), "reason": reason})
    # 中止单 or 续办委托书, rendered after the commit.
    await mandate_papers.request(session, actor, project, action, today, reason=reason, paused_on=paused_on)
    return project

"""即评: the single-use rating link of a decided approval, sent after the decision has committed."""

from __future__ import annotations

from typing import Any

from agency.approvals.models import Approval
from agency.evaluations import service
from agency.jobs.runner import JobContext
from agency.jobs.sessions import transaction
from agency.settings import Settings

RATING_LINK = "ratings.link"


async def rating_link(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    settings: Settings = ctx.services["settings"]
    async with transaction(ctx) as session:
        approval = await session.get_one(Approval, payload["approval_id"])
        await service.issue_rating_link(session, approval, settings.public_url)
    return {"approval_id": approval.id}

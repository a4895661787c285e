"""The dossier's identity beyond its 档案编号: the national investment project code (投资项目统一代码)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.audit import service as audit
from agency.dossiers import service
from agency.projects import codes
from agency.projects.models import Project
from agency.timeutil import today_local


async def set_investment_code(session: AsyncSession, actor: Actor, project_id: int, given: str | None,
                              version: int | None = None) -> Project:
    """The clerk enters the platform's code when it is given (or corrects it); null clears it."""
    project = await service.editable(session, actor, project_id, version)
    code = await codes.free_code(session, given, project.id, today_local())
    before = {"investment_code": project.investment_code}
    if code == project.investment_code:
        return project
    project.investment_code = code
    await session.flush()
    await audit.record(session, actor, "project.investment_code", "project", project.id, project_id=project.id,
                       before=before, after={"investment_code": code})
    return project

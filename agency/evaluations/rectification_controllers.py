"""/api/rectifications: the 整改 of bad ratings — the department's reply, the enterprise's verdict on it."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, require_roles
from agency.catalog.models import Department
from agency.evaluations import rectifications
from agency.evaluations.models import OFFICE_WORDS, RECTIFICATION_WORDS, SCORE_WORDS, TARGET_WORDS
from agency.evaluations.schemas import RectificationOut, RectificationReplyIn, RectificationVerdictIn
from agency.schemas import ResponseBody


class RectificationPage(ResponseBody):
    items: list[RectificationOut]
    total: int


async def _names(db: AsyncSession) -> dict[str, str]:
    return {code: name for code, name in (await db.execute(select(Department.code, Department.name))).all()}


def rectification_out(listed: rectifications.Listed, names: dict[str, str]) -> RectificationOut:
    r, e = listed.rectification, listed.evaluation
    assignee = names.get(r.department_code, r.department_code) if r.department_code else OFFICE_WORDS
    return RectificationOut(id=r.id, evaluation_id=e.id, target=e.target, target_name=TARGET_WORDS[e.target],
                            approval_id=r.approval_id, approval_name=listed.approval_name,
                            project_id=r.project_id, project_name=listed.project_name,
                            department_code=r.department_code, assignee_name=assignee, score=e.score,
                            score_name=SCORE_WORDS[e.score],
                            comment=e.comment, status=r.status, status_name=RECTIFICATION_WORDS[r.status],
                            opened_on=r.opened_on, due_on=r.due_on, reply=r.reply, replied_on=r.replied_on,
                            satisfied=r.satisfied, verdict_on=r.verdict_on)


class RectificationController(Controller):
    path = "/api/rectifications"
    tags = ["评价 evaluations"]

    @get("")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     status: Annotated[str | None, QueryParameter(pattern="^(open|replied|closed)$")] = None,
                     site_code: FromQuery[str | None] = None) -> RectificationPage:
        """The rectifications the actor may see: the rated department its own, the enterprise its own ratings';
        ``site_code``: those of the dossiers that site holds."""
        rows, names = await rectifications.search(db, actor, status, site_code), await _names(db)
        return RectificationPage(items=[rectification_out(r, names) for r in rows], total=len(rows))

    @post("/{rectification_id:int}/reply", status_code=200,
          guards=[require_roles(Role.ADMIN, Role.DEPARTMENT, Role.LEADER)])
    async def reply(self, rectification_id: FromPath[int], data: JSONBody[RectificationReplyIn],
                    actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> RectificationOut:
        """The rated department's officers answer (the leaders for a clerk's, the agency office's)."""
        r = await rectifications.reply(db, actor, rectification_id, data.note, timeutil.today())
        return rectification_out(await rectifications.detail(db, r), await _names(db))

    @post("/{rectification_id:int}/verdict", status_code=200, guards=[require_roles(Role.ENTERPRISE)])
    async def verdict(self, rectification_id: FromPath[int], data: JSONBody[RectificationVerdictIn],
                      actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> RectificationOut:
        r = await rectifications.verdict(db, actor, rectification_id, data.satisfied, timeutil.today())
        return rectification_out(await rectifications.detail(db, r), await _names(db))

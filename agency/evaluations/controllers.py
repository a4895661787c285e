"""即评 (POST /api/evaluations), 回访 (/api/follow-ups) and the no-login rating links (/api/ratings/{token})."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, require_roles
from agency.approvals.models import Approval
from agency.evaluations import rectifications, service
from agency.evaluations.models import APPEAL_WORDS, SCORE_WORDS, Evaluation, FollowUp
from agency.evaluations.schemas import (
    AppealDecisionIn,
    AppealIn,
    CloseFollowUpIn,
    EvaluationIn,
    EvaluationOut,
    FollowUpOut,
    RatingIn,
    RatingLinkOut,
    ScoreLevel,
)
from agency.projects.models import Project
from agency.schemas import Page, PageNo, PageSize


def evaluation_out(e: Evaluation, follow_up: FollowUp | None) -> EvaluationOut:
    return EvaluationOut(id=e.id, approval_id=e.approval_id, project_id=e.project_id,
                         department_code=e.department_code, score=e.score, score_name=SCORE_WORDS[e.score],
                         comment=e.comment, channel=e.channel, rated_on=e.rated_on, created_at=e.created_at,
                         follow_up_id=follow_up.id if follow_up else None, appeal_status=e.appeal_status,
                         appeal_status_name=APPEAL_WORDS.get(e.appeal_status or ""), appeal_reason=e.appeal_reason,
                         appeal_note=e.appeal_note)


def follow_up_out(f: FollowUp, e: Evaluation, a: Approval, p: Project) -> FollowUpOut:
    return FollowUpOut(id=f.id, evaluation_id=e.id, approval_id=a.id, approval_name=a.name, project_id=p.id,
                       project_name=p.name, department_code=f.department_code, score=e.score,
                       score_name=SCORE_WORDS[e.score], comment=e.comment, status=f.status, created_at=f.created_at,
                       closed_at=f.closed_at, closed_by=f.closed_by, note=f.note)


class EvaluationController(Controller):
    path = "/api/evaluations"
    tags = ["评价 evaluations"]

    @post("", status_code=201, guards=[require_roles(Role.ENTERPRISE)])
    async def create(self, data: JSONBody[EvaluationIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> EvaluationOut:
        """即评: a user of the approval's enterprise rates a completed (approved or rejected) approval, once.
        A score of 1–2 opens a follow-up visit (回访) for the center."""
        evaluation, follow_up = await service.rate(db, actor, data.approval_id, data.score, data.comment)
        return evaluation_out(evaluation, follow_up)

    @post("/{evaluation_id:int}/appeal", status_code=200, guards=[require_roles(Role.DEPARTMENT)])
    async def appeal(self, evaluation_id: FromPath[int], data: JSONBody[AppealIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> EvaluationOut:
        """申诉: an officer of the rated department appeals the rating, with the reason."""
        evaluation = await rectifications.appeal(db, actor, evaluation_id, data.reason, timeutil.today())
        return evaluation_out(evaluation, None)

    @post("/{evaluation_id:int}/appeal/decision", status_code=200, guards=[require_roles(Role.LEADER)])
    async def decide_appeal(self, evaluation_id: FromPath[int], data: JSONBody[AppealDecisionIn],
                            actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> EvaluationOut:
        """A leader upholds the appeal (the rating no longer counts in the satisfaction figures) or rejects it."""
        evaluation = await rectifications.decide_appeal(db, actor, evaluation_id, data.upheld, data.note,
                                                        timeutil.today())
        return evaluation_out(evaluation, None)


class FollowUpController(Controller):
    path = "/api/follow-ups"
    tags = ["评价 evaluations"]

    @get("")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     status: Annotated[str | None, QueryParameter(pattern="^(open|closed)$")] = None,
                     page: PageNo = 1, page_size: PageSize = 50) -> Page[FollowUpOut]:
        """Follow-ups of bad ratings: leaders and administrators see all, a clerk those of his projects."""
        rows, total = await service.follow_ups(db, actor, status, page=page, page_size=page_size)
        return Page(items=[follow_up_out(*row) for row in rows], total=total, page=page, page_size=page_size)

    @post("/{follow_up_id:int}/close", status_code=200, guards=[require_roles(Role.ADMIN, Role.LEADER, Role.CLERK)])
    async def close(self, follow_up_id: FromPath[int], data: JSONBody[CloseFollowUpIn],
                    actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> FollowUpOut:
        """A clerk or leader records the return visit and closes the follow-up."""
        follow_up = await service.close_follow_up(db, actor, follow_up_id, data.note)
        return follow_up_out(*await service.follow_up_detail(db, follow_up))


class RatingLinkController(Controller):
    """No login: the token of the SMS link is the credential (single use, 7 days)."""

    path = "/api/ratings"
    tags = ["评价 evaluations"]
    security = []

    @get("/{token:str}")
    async def show(self, token: FromPath[str], db: NamedDependency[AsyncSession]) -> RatingLinkOut:
        """What the link rates; 404 for an unknown link, 410 once used or expired."""
        target = await service.rating_link(db, token)
        return RatingLinkOut(approval_name=target.approval.name, department_name=target.department_name,
                             expires_at=target.link.expires_at,
                             levels=[ScoreLevel(score=s, name=n) for s, n in SCORE_WORDS.items()])

    @post("/{token:str}", status_code=201)
    async def rate(self, token: FromPath[str], data: JSONBody[RatingIn],
                   db: NamedDependency[AsyncSession]) -> EvaluationOut:
        """Rates through the link, spending it; a second use is 410."""
        evaluation, follow_up = await service.rate_with_token(db, token, data.score, data.comment)
        return evaluation_out(evaluation, follow_up)

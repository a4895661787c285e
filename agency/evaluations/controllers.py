"""好差评 (POST /api/evaluations), 回访 (/api/follow-ups, a view of the rectifications of approvals) and the
no-login rating links (/api/ratings/{token})."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, require_roles
from agency.approvals.models import Approval
from agency.evaluations import follow_ups, rectifications, service
from agency.evaluations.models import APPEAL_WORDS, REASONS, SCORE_WORDS, TARGET_WORDS, Evaluation, Rectification
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


def evaluation_out(e: Evaluation, rectification: Rectification | None) -> EvaluationOut:
    visit = rectification.id if rectification is not None and rectification.approval_id is not None else None
    return EvaluationOut(id=e.id, target=e.target, target_name=TARGET_WORDS[e.target], approval_id=e.approval_id,
                         project_id=e.project_id, occasion=e.occasion, rated_user_id=e.rated_user_id,
                         department_code=e.department_code, score=e.score, score_name=SCORE_WORDS[e.score],
                         reasons=list(e.reasons), reason_names=[REASONS[r] for r in e.reasons if r in REASONS],
                         comment=e.comment, channel=e.channel, rated_on=e.rated_on, created_at=e.created_at,
                         rectification_id=rectification.id if rectification else None, follow_up_id=visit,
                         appeal_status=e.appeal_status, appeal_status_name=APPEAL_WORDS.get(e.appeal_status or ""),
                         appeal_reason=e.appeal_reason, appeal_note=e.appeal_note)


def follow_up_out(r: Rectification, e: Evaluation, a: Approval, p: Project) -> FollowUpOut:
    return FollowUpOut(id=r.id, evaluation_id=e.id, approval_id=a.id, approval_name=a.name, project_id=p.id,
                       project_name=p.name, department_code=a.department_code, score=e.score,
                       score_name=SCORE_WORDS[e.score], comment=e.comment, status=follow_ups.status_of(r),
                       created_at=e.created_at, closed_at=r.visited_at, closed_by=r.visited_by, note=r.visit_note)


class EvaluationController(Controller):
    path = "/api/evaluations"
    tags = ["评价 evaluations"]

    @post("", status_code=201, guards=[require_roles(Role.ENTERPRISE)])
    async def create(self, data: JSONBody[EvaluationIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> EvaluationOut:
        """好差评 by a user of the enterprise: a completed approval (the default target), its handling officer
        (an online department's), or the project's clerk on an occasion — once per target and occasion (409).
        A score of 1–2 opens a rectification (整改) and the center's return visit (回访)."""
        evaluation, rectification = await service.rate(
            db, actor, data.approval_id, data.score, data.comment, target=data.target, project_id=data.project_id,
            occasion=data.occasion, reasons=data.reasons)
        return evaluation_out(evaluation, rectification)

    @post("/{evaluation_id:int}/appeal", status_code=200, guards=[require_roles(Role.DEPARTMENT, Role.CLERK)])
    async def appeal(self, evaluation_id: FromPath[int], data: JSONBody[AppealIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> EvaluationOut:
        """申诉: the rated officer or clerk (for a department's service, its officers) appeals, with the reason."""
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
                     site_code: FromQuery[str | None] = None,
                     page: PageNo = 1, page_size: PageSize = 50) -> Page[FollowUpOut]:
        """Return visits of bad ratings of approvals (a view of their rectifications, the same ids): leaders and
        administrators see all, a clerk those of his projects; ``site_code``: those of the dossiers that site
        holds."""
        rows, total = await follow_ups.search(db, actor, status, page=page, page_size=page_size,
                                              site_code=site_code)
        return Page(items=[follow_up_out(*row) for row in rows], total=total, page=page, page_size=page_size)

    @post("/{follow_up_id:int}/close", status_code=200, guards=[require_roles(Role.ADMIN, Role.LEADER, Role.CLERK)])
    async def close(self, follow_up_id: FromPath[int], data: JSONBody[CloseFollowUpIn],
                    actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> FollowUpOut:
        """A clerk or leader records the return visit and closes the follow-up."""
        rectification = await follow_ups.close(db, actor, follow_up_id, data.note)
        return follow_up_out(*await follow_ups.detail(db, rectification))


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
        evaluation, rectification = await service.rate_with_token(db, token, data.score, data.comment)
        return evaluation_out(evaluation, rectification)

"""Ratings (好差评) of an approval, the project's clerk or the approval's officer; the rectification (整改) a bad
one opens; the single-use rating links sent by SMS on completion.

A rating link's token is 128 random bits, shown once (in the SMS) and stored only as its SHA-256:
it needs no login, expires after ``LINK_TTL`` and is spent by its first use. Once an approval is
rated (in the app or by any link) every link of it is spent too: an approval is rated once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import SYSTEM, Actor, Role
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.enterprises.models import Enterprise
from agency.errors import AgencyError, Conflict, Invalid, NotFound
from agency.evaluations import rectifications, targets
from agency.evaluations.models import FOLLOW_UP_AT_MOST, SCORE_WORDS, Evaluation, RatingLink, Rectification
from agency.evaluations.targets import Target
from agency.notifications import service as outbox
from agency.notifications.service import SMS_LIMIT
from agency.projects.models import Project

LINK_TTL = timedelta(days=7)


class Gone(AgencyError):
    """A rating link that was used or has expired (410)."""

    status_code = 410


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def _already_rated(session: AsyncSession, key: str) -> bool:
    found = await session.execute(select(Evaluation.id).where(Evaluation.target_key == key))
    return found.scalar_one_or_none() is not None


async def _tell_clerk(session: AsyncSession, target: Target, evaluation: Evaluation, r: Rectification) -> None:
    """The center's return visit (回访) of a bad rating of a department's service or officer: the clerk's."""
    clerk = await session.get(User, target.project.clerk_id)
    if clerk is None or target.approval is None:
        return
    await outbox.to_users(
        session, [clerk], key=f"follow_up:{r.id}", subject=f"差评回访：{target.name}",
        body=f"企业对“{target.project.name}·{target.name}”的评价为“{SCORE_WORDS[evaluation.score]}”"
             f"{'：' + evaluation.comment if evaluation.comment else ''}。请及时回访并记录结果。",
        object_type="follow_up", object_id=r.id, project_id=target.project.id)


async def _create(session: AsyncSession, actor: Actor, target: Target, score: int, reasons: list[str],
                  comment: str, channel: str) -> tuple[Evaluation, Rectification | None]:
    if score not in SCORE_WORDS:
        raise Invalid("评价须为 1–5 之一：非常满意、满意、基本满意、不满意、非常不满意（score must be 1..5）",
                      field="score")
    reasons = targets.check_reasons(reasons)
    if await _already_rated(session, target.key):
        field = "occasion" if target.kind == "clerk" else "approval_id"
        raise Conflict("已评价过，同一对象每次只能评价一次（already rated）", field=field)
    project = target.project
    evaluation = Evaluation(target=target.kind, approval_id=target.approval.id if target.approval else None,
                            project_id=project.id, occasion=target.occasion, target_key=target.key,
                            rated_user_id=target.rated_user_id, enterprise_id=project.enterprise_id,
                            department_code=target.department_code, score=score, reasons=reasons,
                            comment=comment.strip(), channel=channel, rated_by=actor.user_id,
                            rated_on=timeutil.today(), created_at=timeutil.now())
    session.add(evaluation)
    await session.flush()  # a concurrent second rating fails here on the unique key (409)
    rectification = None
    if score <= FOLLOW_UP_AT_MOST:
        rectification = await rectifications.open_for(session, evaluation, target.name, project)
        await _tell_clerk(session, target, evaluation, rectification)
    if target.kind == "approval":  # spent: no link of this approval can rate it again
        await session.execute(update(RatingLink).where(RatingLink.approval_id == evaluation.approval_id,
                                                       RatingLink.used_at.is_(None))
                              .values(used_at=timeutil.now()))
    await audit.record(session, actor, "evaluation.create", "evaluation", evaluation.id, project_id=project.id,
                       after={"target": target.kind, "approval_id": evaluation.approval_id,
                              "occasion": target.occasion, "rated_user_id": target.rated_user_id, "score": score,
                              "reasons": reasons, "channel": channel,
                              "rectification_id": rectification.id if rectification else None})
    return evaluation, rectification


async def rate(session: AsyncSession, actor: Actor, approval_id: int | None, score: int, comment: str, *,
               target: str = "approval", project_id: int | None = None, occasion: str | None = None,
               reasons: list[str] | None = None) -> tuple[Evaluation, Rectification | None]:
    """好差评 by a logged-in user of the enterprise: an approval (the default), its officer, or the clerk."""
    actor.require(Role.ENTERPRISE)
    rated = await targets.resolve(session, actor, target, approval_id, project_id, occasion, timeutil.today())
    return await _create(session, actor, rated, score, reasons or [], comment, "app")


# ---- single-use rating links ---------------------------------------------------------------------


def _sms(approval: Approval, url: str) -> str:
    """The link must survive the SMS limit whole: the approval's name goes first to make room."""
    for text in (f"【代办服务】{approval.name}已办结，请评价：{url}", f"【代办服务】事项已办结，请评价：{url}",
                 f"【代办服务】请评价：{url}"):
        if len(text) <= SMS_LIMIT:
            return text
    return url


async def issue_rating_link(session: AsyncSession, approval: Approval, base_url: str | None = None, *,
                            now: datetime | None = None) -> str:
    """A new single-use link to rate ``approval``, sent by SMS to the enterprise contact through the
    outbox (in the caller's transaction). Returns the link; the token itself is not stored."""
    token = secrets.token_urlsafe(16)
    issued = now or timeutil.now()
    link = RatingLink(token_hash=token_hash(token), approval_id=approval.id, created_at=issued,
                      expires_at=issued + LINK_TTL)
    session.add(link)
    await session.flush()
    url = f"{(base_url or '').rstrip('/')}/rate/{token}"
    project = await session.get_one(Project, approval.project_id)
    enterprise = await session.get_one(Enterprise, project.enterprise_id)
    await outbox.enqueue(session, key=f"rating_link:{link.id}", channel="sms", address=enterprise.contact_phone,
                         name=enterprise.contact_name, subject=f"{approval.name}办结评价", body=_sms(approval, url),
                         object_type="approval", object_id=approval.id, project_id=project.id)
    await audit.record(session, SYSTEM, "rating_link.issue",
                       "approval", approval.id, project_id=project.id,
                       after={"rating_link_id": link.id, "expires_at": link.expires_at.isoformat()})
    return url


@dataclass(slots=True)
class LinkTarget:
    link: RatingLink
    approval: Approval
    project: Project
    department_name: str


async def _live_link(session: AsyncSession, token: str, *, lock: bool = False) -> LinkTarget:
    query = select(RatingLink).where(RatingLink.token_hash == token_hash(token))
    if lock:
        query = query.with_for_update()
    link = (await session.execute(query)).scalar_one_or_none()
    if link is None:
        raise NotFound("评价链接无效（rating link not found）")
    if link.used_at is not None:
        raise Gone("该评价链接已使用，每个事项只能评价一次（rating link already used）")
    if link.expires_at <= timeutil.now():
        raise Gone("该评价链接已过期（有效期7天），如需评价请登录代办服务系统（rating link expired）")
    approval = await session.get_one(Approval, link.approval_id)
    project = await session.get_one(Project, approval.project_id)
    department = await session.get(Department, approval.department_code)
    return LinkTarget(link, approval, project, department.name if department else approval.department_code)


async def rating_link(session: AsyncSession, token: str) -> LinkTarget:
    """What a live link rates (no login); 404 unknown, 410 used or expired."""
    return await _live_link(session, token)


async def rate_with_token(session: AsyncSession, token: str, score: int,
                          comment: str) -> tuple[Evaluation, Rectification | None]:
    """Rates through a link, spending it. A second use, or a link of an approval already rated, is 410."""
    target = await _live_link(session, token, lock=True)
    # Spend the link first, conditionally: of two concurrent uses only one updates the row.
    spent = await session.execute(update(RatingLink).where(RatingLink.id == target.link.id,
                                                           RatingLink.used_at.is_(None))
                                  .values(used_at=timeutil.now()))
    if not spent.rowcount:  # type: ignore[attr-defined]
        raise Gone("该评价链接已使用，每个事项只能评价一次（rating link already used）")
    rated = targets.of_approval(target.approval, target.project)
    if await _already_rated(session, rated.key):
        raise Gone("该事项已评价过，每个事项只能评价一次（already rated）")
    actor = Actor(user_id=None, username="rating-link", role=Role.ENTERPRISE,
                  enterprise_id=target.project.enterprise_id)
    return await _create(session, actor, rated, score, [], comment, "link")

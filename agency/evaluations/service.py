"""Ratings of completed approvals (即评), the follow-up a bad rating calls for (回访), and the
single-use rating links sent by SMS on completion.

A rating link's token is 128 random bits, shown once (in the SMS) and stored only as its SHA-256:
it needs no login, expires after ``LINK_TTL`` and is spent by its first use. Once an approval is
rated (in the app or by any link) every link of it is spent too: an approval is rated once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, false, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import SYSTEM, Actor, Role, Visibility, get_visible, visible
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.enterprises.models import Enterprise
from agency.errors import AgencyError, Conflict, Invalid, NotFound
from agency.evaluations import rectifications
from agency.evaluations.models import FOLLOW_UP_AT_MOST, SCORE_WORDS, Evaluation, FollowUp, RatingLink
from agency.notifications import service as outbox
from agency.notifications.service import SMS_LIMIT
from agency.projects.handover import require_holder_of, site_projects
from agency.projects.models import Project

LINK_TTL = timedelta(days=7)
# What closing a follow-up records of the return visit: at least this many characters (API and page alike).
CLOSING_NOTE_AT_LEAST = 2
RATEABLE = ("approved", "rejected")


class Gone(AgencyError):
    """A rating link that was used or has expired (410)."""

    status_code = 410


def _follow_up_visibility(actor: Actor) -> ColumnElement[bool]:
    site = site_projects(actor)  # a site's clerk: the follow-ups of the dossiers his site sees
    if site is not None:
        return FollowUp.project_id.in_(site)
    if actor.role in (Role.ADMIN, Role.LEADER):
        return true()
    if actor.role is Role.CLERK:
        return FollowUp.project_id.in_(select(Project.id).where(Project.clerk_id == actor.user_id))
    return false()


Visibility.register(FollowUp, _follow_up_visibility)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def _already_rated(session: AsyncSession, approval_id: int) -> bool:
    found = await session.execute(select(Evaluation.id).where(Evaluation.approval_id == approval_id))
    return found.scalar_one_or_none() is not None


async def _create(session: AsyncSession, actor: Actor, approval: Approval, project: Project, score: int,
                  comment: str, channel: str) -> tuple[Evaluation, FollowUp | None]:
    if score not in SCORE_WORDS:
        raise Invalid("评价须为 1–5 之一：非常满意、满意、基本满意、不满意、非常不满意（score must be 1..5）",
                      field="score")
    if approval.status not in RATEABLE:
        raise Conflict("只能评价已办结（准予或不予许可）的事项（approval not completed）", field="approval_id")
    if await _already_rated(session, approval.id):
        raise Conflict("该事项已评价过，每个事项只能评价一次（already rated）", field="approval_id")
    evaluation = Evaluation(approval_id=approval.id, project_id=project.id, enterprise_id=project.enterprise_id,
                            department_code=approval.department_code, score=score, comment=comment.strip(),
                            channel=channel, rated_by=actor.user_id, rated_on=timeutil.today(),
                            created_at=timeutil.now())
    session.add(evaluation)
    await session.flush()  # a concurrent second rating fails here on the unique key (409)
    follow_up = None
    if score <= FOLLOW_UP_AT_MOST:
        follow_up = FollowUp(evaluation_id=evaluation.id, approval_id=approval.id, project_id=project.id,
                             department_code=approval.department_code, status="open",
                             created_at=timeutil.now())
        session.add(follow_up)
        await session.flush()
        await rectifications.open_for(session, evaluation, approval, project)  # 整改 by the rated department
        clerk = await session.get(User, project.clerk_id)
        if clerk is not None:
            await outbox.to_users(
                session, [clerk], key=f"follow_up:{follow_up.id}", subject=f"差评回访：{approval.name}",
                body=f"企业对“{project.name}·{approval.name}”的评价为“{SCORE_WORDS[score]}”"
                     f"{'：' + evaluation.comment if evaluation.comment else ''}。请及时回访并记录结果。",
                object_type="follow_up", object_id=follow_up.id, project_id=project.id)
    # Spent: no link of this approval can rate it again.
    await session.execute(update(RatingLink).where(RatingLink.approval_id == approval.id,
                                                   RatingLink.used_at.is_(None))
                          .values(used_at=timeutil.now()))
    await audit.record(session, actor, "evaluation.create", "approval", approval.id, project_id=project.id, after={
        "evaluation_id": evaluation.id, "score": score, "channel": channel,
        "follow_up_id": follow_up.id if follow_up else None})
    return evaluation, follow_up


async def rate(session: AsyncSession, actor: Actor, approval_id: int, score: int,
               comment: str) -> tuple[Evaluation, FollowUp | None]:
    """即评 by a logged-in user of the approval's enterprise."""
    actor.require(Role.ENTERPRISE)
    approval = await get_visible(session, Approval, approval_id, actor, what="事项")
    project = await session.get_one(Project, approval.project_id)
    return await _create(session, actor, approval, project, score, comment, "app")


async def follow_ups(session: AsyncSession, actor: Actor, status: str | None, *, page: int,
                     page_size: int) -> tuple[list[tuple[FollowUp, Evaluation, Approval, Project]], int]:
    actor.require(Role.ADMIN, Role.LEADER, Role.CLERK)
    query = visible(FollowUp, actor)
    if status:
        query = query.where(FollowUp.status == status)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    ids = query.with_only_columns(FollowUp.id).order_by(FollowUp.id.desc()).offset((page - 1) * page_size) \
        .limit(page_size).subquery()
    rows = (await session.execute(
        select(FollowUp, Evaluation, Approval, Project).join(ids, ids.c.id == FollowUp.id)
        .join(Evaluation, Evaluation.id == FollowUp.evaluation_id)
        .join(Approval, Approval.id == FollowUp.approval_id).join(Project, Project.id == FollowUp.project_id)
        .order_by(FollowUp.id.desc()))).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows], total


async def follow_up_detail(session: AsyncSession,
                           follow_up: FollowUp) -> tuple[FollowUp, Evaluation, Approval, Project]:
    return (follow_up, await session.get_one(Evaluation, follow_up.evaluation_id),
            await session.get_one(Approval, follow_up.approval_id),
            await session.get_one(Project, follow_up.project_id))


async def close_follow_up(session: AsyncSession, actor: Actor, follow_up_id: int, note: str) -> FollowUp:
    actor.require(Role.CLERK, Role.LEADER)
    follow_up = await get_visible(session, FollowUp, follow_up_id, actor, what="回访事项")
    await require_holder_of(session, actor, follow_up.project_id)  # a hall that handed the dossier over only reads
    if follow_up.status != "open":
        raise Conflict("该回访已办结，不能重复关闭（follow-up already closed）")
    if len(note.strip()) < CLOSING_NOTE_AT_LEAST:
        raise Invalid(f"须填写回访情况（至少 {CLOSING_NOTE_AT_LEAST} 个字）（a note of the visit is required）",
                      field="note")
    follow_up.status, follow_up.note = "closed", note.strip()
    follow_up.closed_by, follow_up.closed_at = actor.user_id, timeutil.now()
    await session.flush()
    await audit.record(session, actor, "follow_up.close", "follow_up", follow_up.id, project_id=follow_up.project_id,
                       before={"status": "open"}, after={"status": "closed", "note": follow_up.note})
    return follow_up


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
                          comment: str) -> tuple[Evaluation, FollowUp | None]:
    """Rates through a link, spending it. A second use, or a link of an approval already rated, is 410."""
    target = await _live_link(session, token, lock=True)
    # Spend the link first, conditionally: of two concurrent uses only one updates the row.
    spent = await session.execute(update(RatingLink).where(RatingLink.id == target.link.id,
                                                           RatingLink.used_at.is_(None))
                                  .values(used_at=timeutil.now()))
    if not spent.rowcount:  # type: ignore[attr-defined]
        raise Gone("该评价链接已使用，每个事项只能评价一次（rating link already used）")
    if await _already_rated(session, target.approval.id):
        raise Gone("该事项已评价过，每个事项只能评价一次（already rated）")
    actor = Actor(user_id=None, username="rating-link", role=Role.ENTERPRISE,
                  enterprise_id=target.project.enterprise_id)
    return await _create(session, actor, target.approval, target.project, score, comment, "link")

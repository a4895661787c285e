"""The 整改 of a bad rating (国办发〔2019〕51号): opened by a rating of 2 or less, assigned to the rated
party's department (an approval's, its officer's) or, for a clerk, to the agency office (its leaders answer),
due in 5 working days; the answer says what was done, the enterprise sees it and rates it (satisfied or not).
An open one past its date fires red in the one ledger (subject ``rectification``) to the department (or the
office's leaders) and the center's leaders. The rated officer or clerk may appeal (申诉) the rating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.calendar.service import get_calendar
from agency.errors import Conflict, Forbidden, Invalid, NotFound
from agency.escalation.models import LIVE, Escalation
from agency.evaluations.models import RECTIFY_WITHIN_WORKDAYS, SCORE_WORDS, Evaluation, Rectification
from agency.notifications import service as outbox
from agency.notifications.service import Message
from agency.projects.handover import held_by, site_projects
from agency.projects.models import Project
from agency.sites import service as sites

KEY = ["subject_type", "subject_id", "rule", "level", "occasion"]


def _visibility(actor: Actor) -> ColumnElement[bool]:
    site = site_projects(actor)  # a site's clerk: the rectifications of the dossiers his site sees
    if site is not None:
        return Rectification.project_id.in_(site)
    if actor.role in (Role.ADMIN, Role.LEADER):
        return true()
    if actor.role is Role.DEPARTMENT:
        return Rectification.department_code == actor.department_code
    if actor.role is Role.CLERK:
        return Rectification.project_id.in_(select(Project.id).where(Project.clerk_id == actor.user_id))
    if actor.enterprise_id is None:
        return false()
    return Rectification.enterprise_id == actor.enterprise_id


Visibility.register(Rectification, _visibility)


def _owners(department_code: str | None) -> ColumnElement[bool]:
    """Who answers a rectification: its department's officers, or the leaders for the agency office."""
    return User.department_code == department_code if department_code else User.role == Role.LEADER.value


async def open_for(session: AsyncSession, evaluation: Evaluation, what: str, project: Project) -> Rectification:
    today = evaluation.rated_on
    due = (await get_calendar(session)).add_workdays(today, RECTIFY_WITHIN_WORKDAYS)
    rectification = Rectification(evaluation_id=evaluation.id, approval_id=evaluation.approval_id,
                                  project_id=project.id, enterprise_id=project.enterprise_id,
                                  department_code=evaluation.department_code, status="open", opened_on=today,
                                  due_on=due)
    session.add(rectification)
    await session.flush()
    await outbox.write(session, [Message(
        key=f"rectification:{rectification.id}:open", subject=f"差评整改：{what}",
        body=f"企业对“{project.name}·{what}”的评价为“{SCORE_WORDS[evaluation.score]}”"
             f"{'：' + evaluation.comment if evaluation.comment else ''}。请于 {due.isoformat()} 前整改并答复。",
        object_type="rectification", object_id=rectification.id, project_id=project.id,
        users=_owners(evaluation.department_code))])
    return rectification


@dataclass(frozen=True, slots=True)
class Listed:
    rectification: Rectification
    evaluation: Evaluation
    approval_name: str | None
    project_name: str


async def search(session: AsyncSession, actor: Actor, status: str | None,
                 site_code: str | None = None) -> list[Listed]:
    """The rectifications the actor may see, the soonest due first; ``site_code``: those of the dossiers that
    site holds."""
    query = visible(Rectification, actor)
    if site_code:
        query = query.where(Rectification.project_id.in_(held_by(site_code)))
    if status:
        query = query.where(Rectification.status == status)
    ids = query.with_only_columns(Rectification.id).subquery()
    rows = (await session.execute(
        select(Rectification, Evaluation, Approval.name, Project.name).join(ids, ids.c.id == Rectification.id)
        .join(Evaluation, Evaluation.id == Rectification.evaluation_id)
        .outerjoin(Approval, Approval.id == Rectification.approval_id)
        .join(Project, Project.id == Rectification.project_id)
        .order_by(Rectification.due_on, Rectification.id))).all()
    await sites.require_known(session, site_code, len(rows))
    return [Listed(r[0], r[1], r[2], r[3]) for r in rows]


async def detail(session: AsyncSession, rectification: Rectification) -> Listed:
    approval = await session.get(Approval, rectification.approval_id) if rectification.approval_id else None
    return Listed(rectification, await session.get_one(Evaluation, rectification.evaluation_id),
                  approval.name if approval else None, (await session.get_one(Project, rectification.project_id)).name)


def may_answer(actor: Actor, r: Rectification) -> bool:
    """The rated department's officers answer, the leaders for the agency office; administrators any."""
    if actor.role is Role.ADMIN:
        return True
    if r.department_code is None:
        return actor.role is Role.LEADER
    return actor.role is Role.DEPARTMENT and actor.department_code == r.department_code


async def reply(session: AsyncSession, actor: Actor, rectification_id: int, note: str, today: date) -> Rectification:
    """The rated department (or the office) says what it did; the enterprise is told and may rate the reply."""
    r = await get_visible(session, Rectification, rectification_id, actor, what="整改事项")
    if not may_answer(actor, r):
        raise Forbidden("只有被评价部门（代办员的整改由中心领导）可以答复整改（only the rated party）")
    if r.status != "open":
        raise Conflict("该整改已答复（already replied）")
    if len(note.strip()) < 2:
        raise Invalid("须写明整改情况（note is required）", field="note")
    r.status, r.reply, r.replied_by, r.replied_on = "replied", note.strip(), actor.user_id, today
    await session.flush()
    await audit.record(session, actor, "rectification.reply", "rectification", r.id, project_id=r.project_id,
                       before={"status": "open"}, after={"status": "replied", "reply": r.reply})
    await outbox.write(session, [Message(
        key=f"rectification:{r.id}:reply", subject="差评整改已答复，请评价",
        body=f"部门答复：{r.reply}", object_type="rectification", object_id=r.id, project_id=r.project_id,
        users=User.enterprise_id == r.enterprise_id)])
    return r


async def verdict(session: AsyncSession, actor: Actor, rectification_id: int, satisfied: bool,
                  today: date) -> Rectification:
    """The enterprise rates the reply; the rectification is closed either way (the verdict is what counts)."""
    r = await get_visible(session, Rectification, rectification_id, actor, what="整改事项")
    if actor.role is not Role.ENTERPRISE:
        raise Forbidden("只有评价的企业可以评价整改答复（only the enterprise）")
    if r.status != "replied":
        raise Conflict("部门尚未答复或已评价（not awaiting a verdict）")
    r.status, r.satisfied, r.verdict_on = "closed", satisfied, today
    await session.flush()
    await audit.record(session, actor, "rectification.verdict", "rectification", r.id, project_id=r.project_id,
                       before={"status": "replied"}, after={"status": "closed", "satisfied": satisfied})
    await outbox.write(session, [Message(
        key=f"rectification:{r.id}:verdict", subject="企业对整改答复的评价：" + ("满意" if satisfied else "不满意"),
        body=f"整改答复：{r.reply}", object_type="rectification", object_id=r.id, project_id=r.project_id,
        users=_owners(r.department_code))])
    return r


@dataclass(frozen=True, slots=True)
class Appealed:
    evaluation: Evaluation
    approval_name: str | None
    project_name: str


def may_appeal(actor: Actor, evaluation: Evaluation) -> bool:
    """The rated person appeals: the officer or clerk rated, or for a department's service its officers."""
    if evaluation.target == "approval":
        return actor.role is Role.DEPARTMENT and evaluation.department_code == actor.department_code
    wanted = Role.CLERK if evaluation.target == "clerk" else Role.DEPARTMENT
    return actor.role is wanted and evaluation.rated_user_id == actor.user_id


async def appeals(session: AsyncSession, actor: Actor, status: str | None = "pending") -> list[Appealed]:
    """The appealed ratings: the leaders (who decide them) and administrators see all, a department its own,
    a clerk the ratings of himself."""
    query = (select(Evaluation, Approval.name, Project.name).outerjoin(Approval, Approval.id == Evaluation.approval_id)
             .join(Project, Project.id == Evaluation.project_id).where(Evaluation.appeal_status.is_not(None)))
    if actor.role is Role.DEPARTMENT:
        query = query.where(Evaluation.department_code == actor.department_code)
    elif actor.role is Role.CLERK:
        query = query.where(Evaluation.target == "clerk", Evaluation.rated_user_id == actor.user_id)
    elif actor.role not in (Role.LEADER, Role.ADMIN):
        raise Forbidden("只有领导、管理员和被评价的部门、代办员可以查看申诉（appeals）")
    if status:
        query = query.where(Evaluation.appeal_status == status)
    rows = (await session.execute(query.order_by(Evaluation.appealed_on, Evaluation.id))).all()
    return [Appealed(r[0], r[1], r[2]) for r in rows]


async def appeal(session: AsyncSession, actor: Actor, evaluation_id: int, reason: str, today: date) -> Evaluation:
    evaluation = await session.get(Evaluation, evaluation_id)
    if evaluation is None or not may_appeal(actor, evaluation):
        raise NotFound("评价不存在或无权查看（not found）")
    if evaluation.appeal_status is not None:
        raise Conflict("该评价已申诉过（already appealed）")
    if len(reason.strip()) < 2:
        raise Invalid("须写明申诉理由（reason is required）", field="reason")
    evaluation.appeal_status, evaluation.appeal_reason = "pending", reason.strip()
    evaluation.appealed_by, evaluation.appealed_on = actor.user_id, today
    await session.flush()
    await audit.record(session, actor, "evaluation.appeal", "evaluation", evaluation.id,
                       project_id=evaluation.project_id, after={"appeal_status": "pending", "reason": reason.strip()})
    await outbox.write(session, [Message(
        key=f"evaluation:{evaluation.id}:appeal", subject="评价申诉待审", body=f"申诉理由：{reason.strip()}",
        object_type="evaluation", object_id=evaluation.id, project_id=evaluation.project_id,
        users=User.role == "leader")])
    return evaluation


async def decide_appeal(session: AsyncSession, actor: Actor, evaluation_id: int, upheld: bool, note: str,
                        today: date) -> Evaluation:
    actor.require(Role.LEADER)
    evaluation = await session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise NotFound("评价不存在或无权查看（not found）")
    if evaluation.appeal_status != "pending":
        raise Conflict("该评价没有待审的申诉（no pending appeal）")
    if not upheld and len(note.strip()) < 2:
        raise Invalid("驳回申诉须写明理由（note is required）", field="note")
    evaluation.appeal_status = "upheld" if upheld else "rejected"
    evaluation.appeal_note = note.strip()
    evaluation.appeal_decided_by, evaluation.appeal_decided_on = actor.user_id, today
    await session.flush()
    await audit.record(session, actor, "evaluation.appeal_decision", "evaluation", evaluation.id,
                       project_id=evaluation.project_id, before={"appeal_status": "pending"},
                       after={"appeal_status": evaluation.appeal_status, "note": note.strip()})
    await outbox.write(session, [Message(
        key=f"evaluation:{evaluation.id}:appeal_decision",
        subject="评价申诉" + ("成立" if upheld else "不成立"), body=note.strip() or "申诉成立，该评价不计入满意率。",
        object_type="evaluation", object_id=evaluation.id, project_id=evaluation.project_id,
        users=User.id == evaluation.appealed_by if evaluation.appealed_by else _owners(evaluation.department_code))])
    return evaluation


async def fire_overdue(session: AsyncSession, as_of: date, center_leaders: tuple[str, ...]) -> list[int]:
    """Red, once, for every rectification still open after its date; told to the department and the leaders."""
    rows = (await session.execute(select(Rectification).where(
        Rectification.status == "open", Rectification.due_on < as_of).order_by(Rectification.id))).scalars().all()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now, fired = timeutil.now(), []
    for r in rows:
        new_id = (await session.execute(insert(Escalation).values(
            subject_type="rectification", subject_id=r.id, occasion="", approval_id=r.approval_id,
            project_id=r.project_id, department_code=r.department_code or "", rule="rectification_overdue", level="red",
            due_on=r.due_on, overdue_workdays=0, as_of=as_of, fired_at=now, status="open", notified=True,
            provisional=False, targets=["department", "center_leaders"])
            .on_conflict_do_nothing(index_elements=KEY, index_where=LIVE).returning(Escalation.id))).scalar()
        if new_id is None:
            continue
        fired.append(int(new_id))
        users = _owners(r.department_code)
        if center_leaders:
            users = users | User.username.in_(center_leaders)
        await outbox.write(session, [Message(
            key=f"escalation:{new_id}", subject="红牌督办：差评整改逾期未答复",
            body=f"差评整改应于 {r.due_on.isoformat()} 前答复，至今未答复。", object_type="escalation",
            object_id=new_id, project_id=r.project_id, users=users)])
    return fired

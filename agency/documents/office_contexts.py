"""The contexts of the agency office's papers issued by an act that is not an approval's: the mandate's 中止单,
终止单 and 续办委托书 (the enterprise pauses, ends or renews the agency service), a coordination meeting's 会议纪要,
a fee line's 缴款通知书 and the 督办通知单 on an overdue coordination problem (the approval's template, subject
``problem``). ``facts`` say which meeting, fee line or problem, and what the act said (its reason, its day)."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.approvals.rules import OPEN_STATES, STATUS_NAMES
from agency.calendar.service import get_calendar
from agency.catalog.models import Department
from agency.coordination.meetings import project_ids_of
from agency.coordination.models import CATEGORY_NAMES, OPEN_PROBLEM_STATES, Meeting, Problem
from agency.errors import Conflict, Invalid
from agency.escalation.models import LEVELS, Escalation
from agency.fees.models import PER_WORDS, FeeLine
from agency.projects.models import Project
from agency.settings import Settings

MANDATE_PAPERS = frozenset({"mandate_pause", "mandate_end", "mandate_renewal"})
OFFICE_TEMPLATES = MANDATE_PAPERS | {"meeting_minutes", "payment_notice"}
# A problem is supervised, as an approval, once it has a yellow card or worse.
_SUPERVISED_LEVELS = ("yellow", "red", "l3")


def _day(facts: dict[str, Any], key: str, fallback: date | None = None) -> date | None:
    value = facts.get(key)
    return date.fromisoformat(value) if isinstance(value, str) and value else fallback


def _id(facts: dict[str, Any], key: str) -> int:
    value = facts.get(key)
    if not isinstance(value, int):
        raise Invalid(f"缺少 {key}（{key} is required）", field=key)
    return value


async def build(session: AsyncSession, template: str, base: dict[str, Any], project: Project,
                approvals: list[Approval], departments: dict[str, Department], settings: Settings,
                facts: dict[str, Any], today: date) -> msgspec.Struct:
    if template in MANDATE_PAPERS:
        return _mandate(template, base, project, approvals, departments, facts, today)
    if template == "meeting_minutes":
        return await _minutes(session, base, departments, _id(facts, "meeting_id"))
    return await _payment_notice(session, base, departments, settings, _id(facts, "fee_id"))


def _mandate(template: str, base: dict[str, Any], project: Project, approvals: list[Approval],
             departments: dict[str, Department], facts: dict[str, Any], today: date) -> msgspec.Struct:
    on = _day(facts, "effective_on", today) or today
    reason = str(facts.get("reason") or "")
    common = {**base, "reason": reason, "mandated_on": project.created_at.date()}
    open_items = tuple(paper.OpenItem(name=a.name, department=departments[a.department_code].name,
                                      status=STATUS_NAMES.get(a.status, a.status))
                       for a in approvals if a.status in OPEN_STATES and a.status != "planned")
    if template == "mandate_pause":
        return paper.MandatePauseContext(**common, paused_on=on, open_items=open_items)
    if template == "mandate_renewal":
        return paper.MandateRenewalContext(**common, resumed_on=on, paused_on=_day(facts, "paused_on"),
                                           open_items=open_items)
    return paper.MandateEndContext(**common, ended_on=on,
                                   finished_items=tuple(a.name for a in approvals if a.status == "approved"))


async def _minutes(session: AsyncSession, base: dict[str, Any], departments: dict[str, Department],
                   meeting_id: int) -> msgspec.Struct:
    meeting = await session.get_one(Meeting, meeting_id)
    if meeting.held_on is None:
        raise Conflict("会议尚未形成纪要（no minutes yet）", field="meeting")
    ids = (await project_ids_of(session, [meeting.id]))[meeting.id]
    names: dict[int, str] = {i: n for i, n in (await session.execute(
        select(Project.id, Project.name).where(Project.id.in_(ids)))).all()}
    convener = await session.get(User, meeting.called_by) if meeting.called_by else None
    decisions = tuple(paper.MinutesDecision(
        text=d["text"], department=departments[d["department_code"]].name, due_on=date.fromisoformat(d["due_on"]),
        project=names.get(int(d.get("project_id") or 0), "") if len(ids) > 1 else "") for d in meeting.decisions)
    named = sorted({d["department_code"] for d in meeting.decisions})
    return paper.MeetingMinutesContext(
        **base, title=meeting.title, held_on=meeting.held_on, attendees=tuple(meeting.attendees),
        decisions=decisions, projects=tuple(names[i] for i in ids),
        recipients=tuple(departments[c].name for c in named),
        convener=convener.display_name if convener else "")


def _standard(rule: dict[str, Any]) -> str:
    amount = rule.get("amount_rule") or {}
    per = PER_WORDS.get(amount.get("per", "fixed"), "")
    unit = amount.get("unit_yuan", "")
    return f"每{per} {unit} 元" if per else f"{unit} 元"


async def _payment_notice(session: AsyncSession, base: dict[str, Any], departments: dict[str, Department],
                          settings: Settings, fee_id: int) -> msgspec.Struct:
    line = await session.get_one(FeeLine, fee_id)
    approval = await session.get_one(Approval, line.approval_id)
    charged = line.status != "not_charged" and line.amount_yuan > 0
    return paper.PaymentNoticeContext(
        **base, item_name=approval.name, department=departments[line.department_code].name, fee_name=line.name,
        basis=str(line.rule.get("basis", "")), standard=_standard(line.rule), amount_yuan=f"{line.amount_yuan:.2f}",
        charged=charged, payment_ref=(line.payment_ref or "") if charged else "",
        account_name=settings.fee_account_name, bank=settings.fee_account_bank, account_no=settings.fee_account_no,
        due_on=line.due_on if charged else None)


async def problem_supervision(session: AsyncSession, base: dict[str, Any], departments: dict[str, Department],
                              problem: Problem, today: date) -> paper.SupervisionNoticeContext:
    """The 督办通知单 on a problem past (or near) its due date: the approval's template, subject ``problem``; its
    level is the highest card the sweep gave the problem for its current due date."""
    if problem.status not in OPEN_PROBLEM_STATES:
        raise Conflict("该问题已确认解决，无需督办（problem confirmed solved）", field="problem_id")
    cards = list((await session.execute(select(Escalation).where(
        Escalation.subject_type == "problem", Escalation.subject_id == problem.id,
        Escalation.due_on == problem.due_on, Escalation.withdrawn_at.is_(None),
        Escalation.level.in_(_SUPERVISED_LEVELS)))).scalars())
    if not cards:
        raise Conflict("该问题未亮牌，无需督办（no yellow or red card）", field="problem_id")
    top = max(cards, key=lambda e: LEVELS.index(e.level))
    department = departments[problem.department_code]
    contacts = department.contacts or {}
    who = ["chief_representative"] + (["leader_in_charge"] if top.level != "yellow" else []) + (
        ["main_leader"] if top.level == "l3" else [])
    calendar = await get_calendar(session)
    return paper.SupervisionNoticeContext(
        **base, subject="problem", category=CATEGORY_NAMES.get(problem.category, problem.category),
        item_name=problem.title, department=department.name, level=top.level, accepted_on=problem.opened_on,
        due_on=problem.due_on, overdue_workdays=max(e.overdue_workdays for e in cards),
        respond_by=calendar.add_workdays(today, 2),
        targets=tuple(f"{department.name} {contacts[k]['name']}" for k in who if k in contacts))

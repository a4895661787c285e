"""Who hears of new firings, written to the outbox set-based: one INSERT … SELECT per audience.

A first sweep over a large backlog fires tens of thousands of rows at once; a statement per audience
keeps that to a handful of statements instead of a loop of queries per firing. The dedupe key of each
message ("escalation:<id>:<channel>:<recipient>") keeps a repeated run from writing it twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.catalog.models import Department
from agency.enterprises.models import Enterprise
from agency.escalation.models import LEVEL_WORDS, Escalation, level_words
from agency.notifications.models import Notification
from agency.projects.models import Project

# Which department contact is told, by SMS, at which level (DESIGN.md "Escalation").
CONTACT_OF_LEVEL = {"yellow": "chief_representative", "red": "leader_in_charge", "l3": "main_leader"}
# What the escalation row records as its targets (roles; the outbox holds the people).
TARGETS = {
    "prompt": ["clerk", "handler"],
    "yellow": ["clerk", "department", "chief_representative"],
    "red": ["clerk", "department", "leader_in_charge", "center_leaders"],
    "l3": ["clerk", "department", "main_leader", "center_leaders", "county_leaders"],
}
COLUMNS = ["dedupe_key", "channel", "recipient_user_id", "recipient_address", "recipient_name", "subject", "body",
           "object_type", "object_id", "project_id", "status", "attempts", "next_attempt_at", "created_at", "sent_at"]


# What a firing of a rule other than the clock is about, said before its level.
RULE_WORDS = {"deferral_overdue": "容缺受理的材料逾期未补交，", "verification_overdue": "告知承诺的事后核查",
              "stall_supplement": "补正材料逾期未交，", "stall_preparing": "材料准备停滞，",
              "stall_submitted": "报送后未受理，", "fee_unreconciled": "已办结但收费未与收费专户对账，"}
# The stalls of the applicant's side: while the enterprise has paused the agency mandate they are its own.
APPLICANT_STALLS = ("stall_supplement", "stall_preparing")


def _rule_words() -> Any:
    return case(*((Escalation.rule == k, literal(v)) for k, v in RULE_WORDS.items()), else_=literal(""))


def _texts() -> tuple[Any, Any]:
    subject = level_words() + literal("：") + Project.name + literal("·") + Approval.name
    body = (Department.name + literal("办理的“") + Approval.name + literal("”（项目 ") + Project.code + literal("）")
            + _rule_words() + level_words() + literal("。请及时处理。"))
    return subject, body


def _key(channel: str, recipient: Any) -> Any:
    return (literal("escalation:") + cast(Escalation.id, String) + literal(f":{channel}:")
            + cast(recipient, String))


def _base(new: Any) -> Select[Any]:
    return (select(Escalation, Approval, Project, Department)
            .join(Approval, Approval.id == Escalation.approval_id)
            .join(Project, Project.id == Escalation.project_id)
            .join(Department, Department.code == Escalation.department_code)
            .where(new))


def _in_app(new: Any, user_id: Any, user_name: Any, now: datetime) -> Select[Any]:
    subject, body = _texts()
    return _base(new).with_only_columns(
        _key("in_app", user_id), literal("in_app"), user_id, literal(None, String), user_name, subject, body,
        literal("escalation"), cast(Escalation.id, String), Escalation.project_id, literal("sent"), literal(0),
        literal(now), literal(now), literal(now), maintain_column_froms=True)


def _sms(new: Any, phone: Any, name: Any, text: Any, now: datetime) -> Select[Any]:
    subject, _ = _texts()
    return _base(new).with_only_columns(
        _key("sms", phone), literal("sms"), literal(None), phone, name, subject, text, literal("escalation"),
        cast(Escalation.id, String), Escalation.project_id, literal("pending"), literal(0), literal(now),
        literal(now), literal(None), maintain_column_froms=True)


async def notify_new(session: AsyncSession, center_leaders: tuple[str, ...], county_leaders: tuple[str, ...]) -> int:
    """Writes the outbox rows of every escalation not yet notified, then marks them notified."""
    now = timeutil.now()
    new = Escalation.notified.is_(False)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statements: list[Select[Any]] = []
    # The applicant's stalls of a dossier whose mandate the enterprise paused are addressed to it, not the clerk.
    paused_stall = and_(Project.mandate_paused_on.is_not(None), Escalation.rule.in_(APPLICANT_STALLS))
    clerk = _in_app(and_(new, ~paused_stall), User.id, User.display_name, now).join(User, User.id == Project.clerk_id)
    statements.append(clerk)
    handler = _in_app(and_(new, Escalation.level == "prompt"), User.id, User.display_name, now).join(
        User, User.id == Approval.handler_id)
    statements.append(handler)
    officers = _in_app(and_(new, Escalation.level != "prompt", Escalation.rule != "stall_preparing"), User.id,
                       User.display_name, now).join(
        User, and_(User.department_code == Escalation.department_code, User.is_active.is_(True)))
    statements.append(officers)
    for levels, names in ((("red", "l3"), center_leaders), (("l3",), county_leaders)):
        if names:
            statements.append(_in_app(and_(new, Escalation.level.in_(levels)), User.id, User.display_name, now)
                              .join(User, User.username.in_(names)))
    for level, contact in CONTACT_OF_LEVEL.items():
        phone = Department.contacts[contact]["phone"].as_string()
        name = Department.contacts[contact]["name"].as_string()
        warning = literal(LEVEL_WORDS[level] + "，请及时办理。")
        text = literal("【电子监察】") + Department.name + Approval.name + warning
        # The department's leaders by SMS for what the department owes, not for what the enterprise does.
        statements.append(_sms(and_(new, Escalation.level == level,
                                    Escalation.rule.not_in(("stall_preparing", "deferral_overdue")),
                                    phone.is_not(None)), phone, name, text, now))
    # What the enterprise owes: an unanswered notice, a deferred material, any applicant stall while paused.
    owes = and_(new, or_(Escalation.rule.in_(("stall_supplement", "deferral_overdue")), paused_stall))
    owed_text = case((Escalation.rule == "deferral_overdue", literal("容缺受理的材料已过承诺补交日期，请尽快提交。")),
                     (Escalation.rule == "stall_preparing", literal("申请材料准备停滞，请尽快准备并报送。")),
                     else_=literal("补正材料逾期未交，请尽快提交。"))
    statements.append(_sms(owes, Enterprise.contact_phone, Enterprise.contact_name,
                           literal("【代办服务】") + Approval.name + owed_text, now)
                      .join(Enterprise, Enterprise.id == Project.enterprise_id))
    statements.append(_in_app(owes, User.id, User.display_name, now).join(
        User, User.enterprise_id == Project.enterprise_id))
    session.info["kick_delivery"] = True
    for statement in statements:
        await session.execute(insert(Notification).from_select(COLUMNS, statement)
                              .on_conflict_do_nothing(index_elements=[Notification.dedupe_key]))
    result = await session.execute(update(Escalation).where(new).values(
        notified=True, targets=case(*((Escalation.level == k, literal(v, Escalation.targets.type))
                                      for k, v in TARGETS.items()))))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


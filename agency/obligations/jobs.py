"""The sweep's part for obligations: reminders before the due date and red when it passes unmet.

Each firing goes into the one ledger (escalations, subject ``obligation``): a reminder is level ``prompt`` of
rule ``obligation_due`` with its own occasion (``30d``, ``10d``, ``3d``); a missed date is ``red`` of rule
``obligation_overdue``. The ledger's unique key makes each fire once, however often the sweep runs. Only
the nearest reminder due is fired (an obligation created 5 days before its date gets the 10-day one, not the
30-day one as well). The rows are written already notified: what the enterprise owes is told to the clerk
and the enterprise (and, when red, the center's leaders), not to the department the clock firings go to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.accounts.models import User
from agency.enterprises.models import Enterprise
from agency.escalation.models import LIVE, Escalation
from agency.notifications import service as notifications
from agency.notifications.service import Message
from agency.obligations.models import Obligation
from agency.projects.models import Project

KEY = ["subject_type", "subject_id", "rule", "level", "occasion"]


@dataclass(frozen=True, slots=True)
class Firing:
    obligation: Obligation
    project: Project
    rule: str
    level: str
    occasion: str


def firings_due(obligations: list[tuple[Obligation, Project]], as_of: date,
                reminder_days: tuple[int, ...]) -> list[Firing]:
    found = []
    for obligation, project in obligations:
        left = (obligation.due_on - as_of).days
        if left < 0:
            found.append(Firing(obligation, project, "obligation_overdue", "red", ""))
            continue
        nearest = min((n for n in reminder_days if left <= n), default=None)
        if nearest is not None:
            found.append(Firing(obligation, project, "obligation_due", "prompt", f"{nearest}d"))
    return found


async def remind(session: AsyncSession, as_of: date, reminder_days: tuple[int, ...],
                 center_leaders: tuple[str, ...]) -> list[int]:
    """Fires the reminders and red cards of open obligations due on ``as_of``; the ids of the new firings."""
    horizon = max(reminder_days, default=0)
    rows = (await session.execute(
        select(Obligation, Project).join(Project, Project.id == Obligation.project_id)
        .where(Obligation.status == "open", Obligation.due_on <= date.fromordinal(as_of.toordinal() + horizon))
        .order_by(Obligation.id))).tuples().all()
    now = timeutil.now()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    new_ids = []
    for firing in firings_due(list(rows), as_of, reminder_days):
        o = firing.obligation
        inserted = (await session.execute(insert(Escalation).values(
            subject_type="obligation", subject_id=o.id, occasion=firing.occasion, approval_id=o.approval_id,
            project_id=o.project_id, department_code=o.department_code, rule=firing.rule, level=firing.level,
            due_on=o.due_on, overdue_workdays=0, as_of=as_of, fired_at=now, status="open", notified=True,
            provisional=False, targets=_targets(firing.level))
            .on_conflict_do_nothing(index_elements=KEY, index_where=LIVE).returning(Escalation.id))).scalar()
        if inserted is not None:
            new_ids.append(int(inserted))
            await _tell(session, firing, int(inserted), as_of, center_leaders)
    return new_ids


def _targets(level: str) -> list[str]:
    return ["clerk", "center_leaders"] if level == "red" else ["clerk", "enterprise"]


async def _tell(session: AsyncSession, firing: Firing, escalation_id: int, as_of: date,
                center_leaders: tuple[str, ...]) -> None:
    o, project = firing.obligation, firing.project
    left = (o.due_on - as_of).days
    if firing.level == "red":
        subject = f"红牌督办：{project.name}·{o.name}已逾期"
        body = (f"项目 {project.code} 的“{o.name}”已于 {o.due_on.isoformat()} 到期未履行。"
                f"{o.rule.get('consequence', '')}")
        users: Any = User.id == project.clerk_id
        if center_leaders:
            users = users | User.username.in_(center_leaders)
        await notifications.write(session, [Message(key=f"escalation:{escalation_id}", subject=subject, body=body,
                                                    object_type="escalation", object_id=escalation_id,
                                                    project_id=project.id, users=users)])
        return
    subject = f"义务到期提示：{project.name}·{o.name}"
    body = f"项目 {project.code} 的“{o.name}”将于 {o.due_on.isoformat()} 到期（还有 {left} 天）。请按期履行。"
    enterprise = await session.get_one(Enterprise, project.enterprise_id)
    messages = [Message(key=f"escalation:{escalation_id}", subject=subject, body=body, object_type="escalation",
                        object_id=escalation_id, project_id=project.id,
                        users=(User.id == project.clerk_id) | (User.enterprise_id == project.enterprise_id))]
    if enterprise.contact_phone:
        messages.append(Message(key=f"escalation:{escalation_id}", subject=subject,
                                body=f"【代办服务】{o.name}将于{o.due_on.isoformat()}到期，请按期履行。",
                                object_type="escalation", object_id=escalation_id, project_id=project.id,
                                address=enterprise.contact_phone, name=enterprise.contact_name or ""))
    await notifications.write(session, messages)

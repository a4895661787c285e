"""Firings made on an estimated calendar, once the real one is known; and the reminder to load it.

A year chinesecalendar does not know runs on the statutory holidays alone (agency/calendar/seed.py) until
the admin imports the State Council's schedule, which usually adds make-up working Saturdays and
bridge days. A firing whose dates fell in such a year says so (``provisional``). When the schedule is
imported each such firing is judged again on the day it was made: one the real calendar bears out
stays (no longer provisional); one it does not is withdrawn, with the reason, and no longer counts in
the ledger's uniqueness — so the real firing can come on its real day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.accounts.models import User
from agency.approvals.clock import ClockError
from agency.approvals.clocks import events_of, read_clock, route_definitions
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.calendar.service import calendar_and_revision, get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.errors import Conflict
from agency.escalation.models import LEVEL_WORDS, LEVELS, Escalation
from agency.notifications import service as outbox
from agency.projects.models import Project
from agency.supervision.sweep import STALLS

# From this month on, next year's schedule is overdue for import if it is still missing.
REMIND_FROM_MONTH = 10


def _holds(escalation: Escalation, approval: Approval, project: Project, route: Any, events: list[Any],
           calendar: WorkCalendar) -> bool:
    """Whether the real calendar bears the firing out on the day it was made."""
    if escalation.rule == "clock":
        try:
            clock = read_clock(approval, project, route, [e for e in events if e.on <= escalation.as_of], calendar,
                               escalation.as_of)
        except Conflict:
            return False
        rank = LEVELS.index
        if escalation.level == "prompt":
            return clock.due_soon or clock.level == "prompt"
        return clock.level in LEVELS and rank(clock.level) >= rank(escalation.level)
    statuses, workdays, _ = STALLS[escalation.rule]
    if approval.status not in statuses or approval.status_since is None or approval.status_since > escalation.as_of:
        return True  # the stall has moved on since: what it was that day cannot be told again, so it stays
    return calendar.workdays_between(approval.status_since, escalation.as_of) >= workdays


async def reevaluate(session: AsyncSession, actor: Actor) -> dict[str, int]:
    """Judges every open provisional firing again on the calendar as it now is (after an official import)."""
    # As this transaction sees it (the import it follows may not have committed yet).
    calendar, _ = await calendar_and_revision(session, trust=False)
    rows = (await session.execute(
        select(Escalation, Approval, Project).join(Approval, Approval.id == Escalation.approval_id)
        .join(Project, Project.id == Approval.project_id)
        .where(Escalation.provisional.is_(True), Escalation.status.in_(("open", "acknowledged")))
        .order_by(Escalation.id))).all()
    if not rows:
        return {"kept": 0, "withdrawn": 0}
    events = await events_of(session, [a.id for _, a, _ in rows])
    routes = await route_definitions(session, {p.route_id for _, _, p in rows})
    kept = withdrawn = 0
    for escalation, approval, project in rows:
        try:
            holds = _holds(escalation, approval, project, routes.get(project.route_id), events.get(approval.id, []),
                           calendar)
        except ClockError:
            holds = False
        still_estimated = calendar.is_provisional(escalation.as_of) or (
            escalation.due_on is not None and calendar.is_provisional(escalation.due_on))
        if holds:
            escalation.provisional = still_estimated
            kept += 1
            continue
        escalation.status, escalation.withdrawn_at = "withdrawn", timeutil.now()
        escalation.withdrawn_reason = (f"正式放假安排公布后按实际工作日重新核算，{escalation.as_of.isoformat()} "
                                       f"不构成“{LEVEL_WORDS[escalation.level]}”，撤销该次预警")
        withdrawn += 1
        await audit.record(session, actor, "escalation.withdraw", "escalation", escalation.id,
                           project_id=escalation.project_id,
                           after={"reason": escalation.withdrawn_reason, "level": escalation.level,
                                  "as_of": escalation.as_of.isoformat()})
    await session.flush()
    return {"kept": kept, "withdrawn": withdrawn}


async def remind_to_import(session: AsyncSession, today: date) -> bool:
    """From October on, each day while next year's official schedule is missing: the administrators hear
    of it in the app (one message a day)."""
    if today.month < REMIND_FROM_MONTH:
        return False
    calendar = await get_calendar(session)
    if today.year + 1 not in calendar.provisional_years:
        return False
    admins = (await session.execute(select(User).where(User.role == Role.ADMIN.value, User.is_active.is_(True)))
              ).scalars().all()
    await outbox.to_users(session, admins, key=f"calendar-missing:{today.year + 1}:{today.isoformat()}",
                          subject=f"{today.year + 1} 年放假安排尚未导入",
                          body=(f"{today.year + 1} 年的工作日历仍为预估（只含法定节假日及其补休，不含调休上班日）。"
                                "国务院办公厅公布放假安排后，请在“工作日历”中导入，以免跨年的办理期限和预警出错。"),
                          object_type="calendar_year", object_id=today.year + 1, project_id=None)
    return True


def missing_next_year(calendar: WorkCalendar, today: date) -> int | None:
    """The year whose official schedule the administrator should import now, if any (for his pages)."""
    if today.month >= REMIND_FROM_MONTH and today.year + 1 in calendar.provisional_years:
        return today.year + 1
    return None

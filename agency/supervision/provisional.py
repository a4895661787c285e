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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.accounts.models import User
from agency.calendar.service import get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.escalation.models import LEVEL_WORDS, Escalation
from agency.notifications import service as outbox
from agency.supervision.rejudge import rejudge

# From this month on, next year's schedule is overdue for import if it is still missing.
REMIND_FROM_MONTH = 10


async def reevaluate(session: AsyncSession, actor: Actor) -> dict[str, int]:
    """Judges every open provisional firing again on the calendar as it now is (after an official import)."""

    def reason(escalation: Escalation) -> str:
        return (f"正式放假安排公布后按实际工作日重新核算，{escalation.as_of.isoformat()} "
                f"不构成“{LEVEL_WORDS[escalation.level]}”，撤销该次预警")

    def keep(escalation: Escalation, calendar: WorkCalendar) -> None:
        escalation.provisional = calendar.is_provisional(escalation.as_of) or (
            escalation.due_on is not None and calendar.is_provisional(escalation.due_on))

    return await rejudge(session, actor, Escalation.provisional.is_(True), reason, keep)


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

"""行政许可法 第三十二条 as the sweep applies it: which applications the law has accepted for the department.

It binds administrative organs (``authority``) working online in Agency, where Agency itself sees when the
application arrived: the day its bundle was sent to the department (``submitted_on``). The 5 working days
count from the next working day; with no answer by the end of the 5th the application is accepted as of
the day it was received. Offline and external departments report their acts late, and utilities are not
administrative organs: the rule is not applied to them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.approvals.models import Approval
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import Department

INTAKE_WORKDAYS = 5


def applies(approval: Approval, department: Department) -> bool:
    """Whether the rule watches this approval now (the same conditions ``overdue`` selects by)."""
    return (approval.status == "submitted" and approval.submitted_on is not None and department.mode == "online"
            and department.kind == "authority")


def answer_by(calendar: WorkCalendar, received_on: date) -> date:
    """The last day the department may still accept, refuse or ask for a supplement."""
    return calendar.add_workdays(received_on, INTAKE_WORKDAYS)


async def overdue(session: AsyncSession, as_of: date, calendar: WorkCalendar) -> list[int]:
    """The approvals the law has accepted by ``as_of``, in id order."""
    rows = (await session.execute(
        select(Approval.id, Approval.submitted_on).join(Department, Department.code == Approval.department_code)
        .where(Approval.status == "submitted", Approval.submitted_on.is_not(None), Approval.submitted_on < as_of,
               Department.mode == "online", Department.kind == "authority").order_by(Approval.id))).all()
    return [approval_id for approval_id, received in rows if as_of > answer_by(calendar, received)]

"""The deadlines the sweep watches that are not an approval's clock, one set-based statement each, in the
ledger's column order (sweep.COLUMNS):

* ``deferral_overdue`` (subject ``deferral``, the approval, one occasion per material): a material accepted
  for now (容缺) whose promised date has passed without its file — yellow on the first working day after it,
  to the clerk, the department and the enterprise that owes it. A file that arrives ends the deferral
  (materials.state_of), and nothing fires after.
* ``verification_overdue`` (subject ``verification``, the check): the department's check of a commitment
  (告知承诺 → 事后核查) — yellow when 5 working days or fewer remain, red when its due date has passed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, Select, and_, cast, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from agency.approvals.models import Approval, CommitmentCheck, MaterialState
from agency.approvals.rules import OPEN_STATES
from agency.calendar.models import WorkdayOrdinal
from agency.files.models import StoredFile

# The working days before its due date at which a check turns yellow.
VERIFICATION_YELLOW_WORKDAYS = 5


def _ordinal(day: Any) -> Any:
    return select(WorkdayOrdinal.ordinal).where(WorkdayOrdinal.day == day).scalar_subquery()


def provisional_day(day: Any) -> Any:
    """Whether ``day`` lies in a year whose official schedule is not known yet (a subquery of the index)."""
    return func.coalesce(select(WorkdayOrdinal.provisional).where(WorkdayOrdinal.day == day).scalar_subquery(),
                         False)


def deferrals(as_of: date, now: datetime) -> Select[Any]:
    today = _ordinal(literal(as_of, Date))
    promised = aliased(WorkdayOrdinal, name="promised")
    arrived = exists(select(StoredFile.id).where(
        StoredFile.approval_id == MaterialState.approval_id, StoredFile.material_code == MaterialState.material_code,
        StoredFile.state == "current"))
    # The working day after the promise has begun: today's count of working days is past the promise's, and
    # today is a working day (on a weekend after a Friday promise the count has not moved yet).
    due = and_(today > promised.ordinal, select(WorkdayOrdinal.workday).where(
        WorkdayOrdinal.day == literal(as_of, Date)).scalar_subquery())
    return (select(literal("deferral"), Approval.id, MaterialState.material_code, Approval.id, Approval.project_id,
                   Approval.department_code, literal("deferral_overdue"), literal("yellow"), MaterialState.promised_on,
                   cast(today - promised.ordinal, Integer), literal(as_of, Date), literal(now), literal("open"),
                   literal(False), or_(provisional_day(literal(as_of, Date)), promised.provisional))
            .join(Approval, Approval.id == MaterialState.approval_id)
            .join(promised, promised.day == MaterialState.promised_on)
            .where(MaterialState.state == "deferred", Approval.status.in_(OPEN_STATES), ~arrived, due))


def verifications(as_of: date, now: datetime) -> Select[Any]:
    today = _ordinal(literal(as_of, Date))
    due = aliased(WorkdayOrdinal, name="due")
    provisional = or_(provisional_day(literal(as_of, Date)), due.provisional)

    def fire(level: str, where: Any) -> Select[Any]:
        overdue = cast(today - due.ordinal, Integer)
        return (select(literal("verification"), CommitmentCheck.id, literal(""), CommitmentCheck.approval_id,
                       CommitmentCheck.project_id, CommitmentCheck.department_code, literal("verification_overdue"),
                       literal(level), CommitmentCheck.due_on, overdue if level == "red" else literal(0),
                       literal(as_of, Date), literal(now), literal("open"), literal(False), provisional)
                .join(due, due.day == CommitmentCheck.due_on)
                .where(CommitmentCheck.status == "open", where))

    return union_all(  # type: ignore[return-value]
        fire("yellow", due.ordinal - today <= VERIFICATION_YELLOW_WORKDAYS),
        fire("red", CommitmentCheck.due_on < literal(as_of, Date)),
    )

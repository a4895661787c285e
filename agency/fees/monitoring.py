"""Fees answered for (体外循环): an approval decided with a fee assessed but no credit of the fee account
reconciled against it fires ``fee_unreconciled`` — once, in the sweep's one ledger of firings (its unique
key makes a second sweep, or a second worker, insert nothing)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, Integer, and_, cast, column, exists, literal, select, table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.escalation.models import LIVE, Escalation
from agency.fees.models import FeeLine, StatementLine

RULE = "fee_unreconciled"
LEVEL = "yellow"
# The statements of a few days after the decision are imported before anyone is told (the bank's statement
# comes the next working day; a week and a weekend are the slack).
RECONCILE_WITHIN_DAYS = 10
_approvals = table("approvals", column("id"), column("project_id"), column("status"), column("department_code"),
                   column("decided_on", Date))
_KEY = ["subject_type", "subject_id", "rule", "level", "occasion"]
_COLUMNS = ["subject_type", "subject_id", "occasion", "approval_id", "project_id", "department_code", "rule",
            "level", "due_on", "overdue_workdays", "as_of", "fired_at", "status", "notified", "provisional"]


async def fire_unreconciled(session: AsyncSession, as_of: date) -> list[int]:
    """Fires ``fee_unreconciled`` for each approval approved ``RECONCILE_WITHIN_DAYS`` or more days before
    ``as_of`` with a fee line that stands (待缴款 or 已缴款, more than 0) and no statement credit reconciled
    against it; returns the ids of the new firings (left for the sweep's notifier: ``notified`` false)."""
    reconciled = select(StatementLine.fee_id).where(StatementLine.fee_id.is_not(None))
    unreconciled = exists(select(FeeLine.id).where(
        FeeLine.approval_id == _approvals.c.id, FeeLine.status.in_(("assessed", "paid")), FeeLine.amount_yuan > 0,
        FeeLine.id.not_in(reconciled)))
    rows = select(
        literal("approval"), _approvals.c.id, literal(""), _approvals.c.id, _approvals.c.project_id,
        _approvals.c.department_code, literal(RULE), literal(LEVEL), _approvals.c.decided_on,
        cast(literal(0), Integer), literal(as_of, Date), literal(timeutil.now()), literal("open"), literal(False),
        literal(False),
    ).where(and_(_approvals.c.status == "approved", _approvals.c.decided_on.is_not(None),
                 _approvals.c.decided_on <= as_of - timedelta(days=RECONCILE_WITHIN_DAYS), unreconciled))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(Escalation).from_select(_COLUMNS, rows)
                 .on_conflict_do_nothing(index_elements=_KEY, index_where=LIVE).returning(Escalation.id))
    return [int(i) for i in (await session.execute(statement)).scalars()]

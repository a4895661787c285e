"""The sweep and what follows its new firings — who is told, the audit trail, and the 督办通知单 of each
red card (rendered after the commit by a job, agency/documents/jobs.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import SYSTEM, Actor
from agency.audit import service as audit
from agency.coordination import deadlines as problems
from agency.evaluations import rectifications
from agency.fees import monitoring as fee_monitoring
from agency.jobs import service as jobs
from agency.obligations import jobs as obligation_reminders
from agency.settings import Settings
from agency.supervision import provisional
from agency.supervision.notify import notify_new
from agency.supervision.sweep import SweepResult, sweep

SUPERVISION_NOTICES_JOB = "papers.supervision_notices"


async def run(session: AsyncSession, as_of: date, settings: Settings, *, actor: Actor = SYSTEM) -> SweepResult:
    """The sweep and everything that follows the new firings, in the caller's transaction."""
    result = await sweep(session, as_of)
    fee_firings = await fee_monitoring.fire_unreconciled(session, as_of)  # notified below with the others
    result.new_ids += fee_firings
    result.fired["yellow"] += len(fee_firings)
    result.new_ids += await obligation_reminders.remind(  # already notified: the clerk and the enterprise
        session, as_of, settings.obligation_reminder_days, settings.center_leaders)
    result.new_ids += await rectifications.fire_overdue(session, as_of, settings.center_leaders)
    if result.new_ids:
        await problems.notify_new(session)  # the problems' own audiences, before the approvals' notifier
        await notify_new(session, settings.center_leaders, settings.county_leaders)
    if result.new_ids or result.deemed or result.violations or actor is not SYSTEM:
        # One line for the run (the escalation rows themselves are the accountability record); a run an
        # administrator asked for is recorded as his, with the day he gave, even when it fired nothing.
        await audit.record(session, actor, "escalation.sweep", "escalation", None, after={
            "as_of": as_of.isoformat(), "fired": result.fired, "escalation_ids": result.new_ids,
            "deemed": result.deemed, "violations": result.violations})
    if result.fired["red"] or result.fired["l3"]:
        await jobs.enqueue(session, SUPERVISION_NOTICES_JOB, {"as_of": as_of.isoformat()}, actor=actor)
    if as_of == timeutil.today():
        await provisional.remind_to_import(session, as_of)
    return result

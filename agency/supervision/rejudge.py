"""Judging a firing again on the day it was made, once what it was judged on has changed.

Two things change it after the fact: the official holiday schedule replacing an estimated year
(agency/supervision/provisional.py), and an admin's correction that puts a late act from the provincial
system back in its place among the approval's events (agency/sync). A firing the new facts still bear out
stays; one they do not is withdrawn with the reason and no longer counts in the ledger's uniqueness, so
the real firing can come on its real day.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor
from agency.approvals.clock import ClockError
from agency.approvals.clocks import events_of, read_clock, route_definitions
from agency.approvals.models import Approval
from agency.audit import service as audit
from agency.calendar.service import calendar_and_revision
from agency.calendar.workdays import WorkCalendar
from agency.errors import Conflict
from agency.escalation.models import LEVELS, Escalation
from agency.projects.models import Project
from agency.supervision.sweep import STALLS


def holds(escalation: Escalation, approval: Approval, project: Project, route: Any, events: list[Any],
          calendar: WorkCalendar) -> bool:
    """Whether the calendar and the events as they now are bear the firing out on the day it was made."""
    if escalation.rule == "clock":
        try:
            clock = read_clock(approval, project, route, [e for e in events if e.on <= escalation.as_of], calendar,
                               escalation.as_of)
        except (Conflict, ClockError):
            return False
        rank = LEVELS.index
        if escalation.level == "prompt":
            return clock.due_soon or clock.level == "prompt"
        return clock.level in LEVELS and rank(clock.level) >= rank(escalation.level)
    statuses, workdays, _ = STALLS[escalation.rule]
    if approval.status not in statuses or approval.status_since is None or approval.status_since > escalation.as_of:
        return True  # the stall has moved on since: what it was that day cannot be told again, so it stays
    return calendar.workdays_between(approval.status_since, escalation.as_of) >= workdays


async def rejudge(session: AsyncSession, actor: Actor, which: ColumnElement[bool],
                  reason_for: Callable[[Escalation], str],
                  keep: Callable[[Escalation, WorkCalendar], None] | None = None) -> dict[str, int]:
    """Judges again the open firings ``which`` selects, on the calendar as this transaction sees it (a change
    it follows may not have committed yet); withdraws, with ``reason_for`` and an audit line, those that no
    longer hold; ``keep`` updates one that still does."""
    calendar, _ = await calendar_and_revision(session, trust=False)
    rows = (await session.execute(
        select(Escalation, Approval, Project).join(Approval, Approval.id == Escalation.approval_id)
        .join(Project, Project.id == Approval.project_id)
        .where(which, Escalation.status.in_(("open", "acknowledged")))
        .order_by(Escalation.id))).all()
    if not rows:
        return {"kept": 0, "withdrawn": 0}
    events = await events_of(session, [a.id for _, a, _ in rows])
    routes = await route_definitions(session, {p.route_id for _, _, p in rows})
    kept = withdrawn = 0
    for escalation, approval, project in rows:
        if holds(escalation, approval, project, routes.get(project.route_id), events.get(approval.id, []), calendar):
            if keep is not None:
                keep(escalation, calendar)
            kept += 1
            continue
        escalation.status, escalation.withdrawn_at = "withdrawn", timeutil.now()
        escalation.withdrawn_reason = reason_for(escalation)
        withdrawn += 1
        await audit.record(session, actor, "escalation.withdraw", "escalation", escalation.id,
                           project_id=escalation.project_id,
                           after={"reason": escalation.withdrawn_reason, "level": escalation.level,
                                  "as_of": escalation.as_of.isoformat()})
    await session.flush()
    return {"kept": kept, "withdrawn": withdrawn}

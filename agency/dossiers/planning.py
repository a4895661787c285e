"""From a project's approvals and milestones to its forecast and its derived status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from agency.approvals.clock import ClockState
from agency.approvals.clocks import limit_of
from agency.approvals.models import Approval
from agency.approvals.rules import DROPPED
from agency.calendar.workdays import WorkCalendar
from agency.dossiers.forecast import Forecast, PlanNode, forecast
from agency.projects.models import ProjectMilestone

STARTED = ("accepted", "supplement_requested", "suspended")


def approval_key(approval: Approval) -> str:
    return f"a{approval.id}"


def milestone_key(milestone: ProjectMilestone) -> str:
    return f"m:{milestone.code}"


def plan_forecast(approvals: Sequence[Approval], prerequisites: Mapping[int, list[int]],
                  milestones: Sequence[ProjectMilestone], clocks: Mapping[int, ClockState], today: date,
                  calendar: WorkCalendar) -> Forecast:
    live = [a for a in approvals if a.status not in DROPPED]
    live_ids = {a.id for a in live}
    # A milestone waits for the live approval of each item it names.
    by_item = {a.item_code: a for a in sorted(live, key=lambda a: a.id)}
    milestone_codes = {m.code for m in milestones}
    nodes: list[PlanNode] = []
    for approval in live:
        clock = clocks.get(approval.id)
        finished = approval.decided_on if approval.status == "approved" else None
        nodes.append(PlanNode(
            key=approval_key(approval),
            kind="approval",
            duration=limit_of(approval.snapshot, "promised_limit"),
            prerequisites=[f"a{p}" for p in prerequisites.get(approval.id, []) if p in live_ids]
            + [f"m:{code}" for code in approval.waits_for_milestones if code in milestone_codes],
            finished_on=finished,
            due_on=clock.due_on if clock and finished is None and approval.status in STARTED else None,
            started_on=clock.accepted_on if clock else None,
            required=approval.required,
        ))
    for milestone in milestones:
        nodes.append(PlanNode(
            key=milestone_key(milestone),
            kind="milestone",
            duration=None,
            prerequisites=[approval_key(by_item[c]) for c in milestone.after if c in by_item]
            + [f"m:{c}" for c in milestone.after if c in milestone_codes],
            finished_on=milestone.done_on,
            expected_on=milestone.expected_on,
        ))
    return forecast(nodes, today, calendar)

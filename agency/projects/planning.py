"""From a project's approvals and milestones to its forecast and its derived status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from agency.approvals.clock import ClockState, Limit
from agency.calendar.workdays import WorkCalendar
from agency.projects.forecast import Forecast, PlanNode, forecast
from agency.projects.models import Approval, ProjectMilestone

# Approvals that no longer count towards the plan: nothing will come out of them.
DROPPED = ("withdrawn", "rejected", "refused")
STARTED = ("accepted", "supplement_requested", "suspended")


def approval_key(approval: Approval) -> str:
    return f"a{approval.id}"


def milestone_key(milestone: ProjectMilestone) -> str:
    return f"m:{milestone.code}"


def limit_of(snapshot: Mapping[str, object], name: str) -> Limit | None:
    value = snapshot.get(name)
    if not isinstance(value, Mapping):
        return None
    return Limit(int(value["count"]), value["unit"])


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


def derive_status(current: str, approvals: Sequence[Approval]) -> str:
    """planning → in_progress → completed (every required approval approved); blocked on a rejection."""
    if current == "closed":
        return current
    counted = [a for a in approvals if a.status != "withdrawn"]
    required = [a for a in counted if a.required]
    if required and all(a.status == "approved" for a in required):
        return "completed"
    # A rejected item blocks only while no later approval of the same item is still alive.
    alive_items = {a.item_code for a in counted if a.status not in DROPPED}
    if any(a.status in ("rejected", "refused") and a.required and a.item_code not in alive_items for a in counted):
        return "blocked"
    if any(a.status != "planned" for a in counted):
        return "in_progress"
    return "planning"

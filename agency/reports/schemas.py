"""Bodies of the department report and the leader's dashboard."""

from __future__ import annotations

from datetime import date

import msgspec

from agency.escalation.controllers import EscalationOut
from agency.evaluations.schemas import FollowUpOut
from agency.schemas import ResponseBody


class DepartmentReport(ResponseBody):
    department_code: str
    department_name: str
    completed: int
    on_time: int
    on_time_rate: float | None
    speedup_rate: float | None
    yellow: int
    red: int
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    evaluation_rate: float | None
    # The department's breaches of the law's own rules in the period (occurred_on), per kind (every kind named).
    violations: dict[str, int] = msgspec.field(default_factory=dict)
    # How many completed approvals the speed-up rate is the mean of (those with a statutory limit and a clock).
    speedup_measured: int = 0


class GreenChannelProject(ResponseBody):
    id: int
    code: str
    name: str
    enterprise: str
    status: str
    stage: str | None
    forecast_completion: date | None
    worst_level: str


class DashboardCounts(ResponseBody):
    open: int
    yellow: int
    red: int
    l3: int


class PendingGreenChannel(ResponseBody):
    id: int
    code: str
    name: str
    enterprise: str
    reason: str | None


class Dashboard(ResponseBody):
    period_from: date
    period_to: date
    green_channel: list[GreenChannelProject]
    counts: DashboardCounts
    departments: list[DepartmentReport]
    pending_green_channel: list[PendingGreenChannel]
    open_escalations: list[EscalationOut]
    follow_ups: list[FollowUpOut]

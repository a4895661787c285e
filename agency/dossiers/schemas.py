from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from agency.accounts.schemas import UserRef
from agency.enterprises.schemas import EnterpriseRef
from agency.schemas import Id, RequestBody, ResponseBody

Level = Literal["none", "prompt", "yellow", "red", "l3"]


class ProjectIn(RequestBody):
    enterprise_id: Id
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
    route_code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    investment_wan: Annotated[float, msgspec.Meta(gt=0, le=100_000_000)]
    location: Annotated[str, msgspec.Meta(min_length=2, max_length=300)]
    land_area_mu: Annotated[float, msgspec.Meta(gt=0, le=1_000_000)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    # 投资项目统一代码, given by the platform when the project is first declared (赋码); may come later (PATCH).
    investment_code: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class ProjectPatch(RequestBody):
    """The dossier's own details; a field left out (or null) stays as it is. ``version``, if given, must be the
    dossier's current one (409 otherwise)."""

    name: Annotated[str, msgspec.Meta(min_length=2, max_length=200)] | None = None
    investment_wan: Annotated[float, msgspec.Meta(gt=0, le=100_000_000)] | None = None
    location: Annotated[str, msgspec.Meta(min_length=2, max_length=300)] | None = None
    land_area_mu: Annotated[float, msgspec.Meta(gt=0, le=1_000_000)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=5000)] | None = None
    clerk_id: Id | None = None
    # 投资项目统一代码, entered when the platform gives it (赋码); "" clears it.
    investment_code: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class AddApprovalIn(RequestBody):
    item_code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class GreenChannelIn(RequestBody):
    reason: Annotated[str, msgspec.Meta(min_length=4, max_length=2000)]


class GreenChannelDecisionIn(RequestBody):
    approve: bool
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class MilestoneIn(RequestBody):
    expected_on: date | None = None
    done_on: date | None = None


class FactsIn(RequestBody):
    """Facts the application forms ask for; only the fields given are changed (null clears one)."""

    construction_content: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    building_area_m2: Annotated[float, msgspec.Meta(gt=0, le=10_000_000)] | None = None
    planned_start: date | None = None
    planned_completion: date | None = None
    design_unit: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    construction_unit: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    supervision_unit: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    contact_name: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    contact_phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    # The project's scale as the design qualification standards class it: some statutory limits depend on it.
    scale: Literal["large", "medium_and_small"] | None = None


class CloseIn(RequestBody):
    reason: Annotated[str, msgspec.Meta(min_length=4, max_length=2000)]


class ClockSummary(ResponseBody):
    accepted_on: date | None
    due_on: date | None
    statutory_due_on: date | None
    remaining_workdays: int | None
    level: Level
    provisional: bool


class ApprovalSummary(ResponseBody):
    id: int
    item_code: str
    name: str
    department_code: str
    stage: str
    status: str
    required: bool
    version: int
    prerequisites: list[int]
    waits_for_milestones: list[str]
    promised_limit: dict[str, Any]
    statutory_limit: dict[str, Any] | None
    clock: ClockSummary
    planned_start: date | None = None
    planned_finish: date | None = None


class MilestoneOut(ResponseBody):
    code: str
    name: str
    after: list[str]
    expected_on: date | None
    done_on: date | None


class ForecastOut(ResponseBody):
    completion_date: date | None
    working_days: int
    critical_path: list[str]
    provisional: bool
    unknown_milestones: list[str]
    late: list[str]


class GreenChannelOut(ResponseBody):
    status: Literal["none", "requested", "approved", "refused"]
    reason: str | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None


class MandateIn(RequestBody):
    action: Literal["pause", "resume"]
    reason: Annotated[str, msgspec.Meta(max_length=1000)]
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class MandateOut(ResponseBody):
    """The agency mandate: active, paused (by the enterprise), ended (the dossier closed) or completed."""

    status: Literal["active", "paused", "ended", "completed"]
    status_name: str
    paused_on: date | None = None
    pause_reason: str | None = None


class StageOut(ResponseBody):
    code: str
    name: str
    lead_department_code: str | None
    started_on: date | None
    completed_on: date | None
    used_workdays: int
    limit_workdays: int | None
    level: str


class ProjectOut(ResponseBody):
    id: int
    code: str
    name: str
    enterprise: EnterpriseRef
    status: str
    clerk: UserRef
    route_code: str
    catalog_version: str
    investment_wan: float
    location: str
    land_area_mu: float | None
    description: str
    green_channel: GreenChannelOut
    facts: dict[str, Any]
    forecast: ForecastOut | None
    milestones: list[MilestoneOut]
    approvals: list[ApprovalSummary]
    created_at: datetime
    version: int
    open_escalations: list[dict[str, Any]] = msgspec.field(default_factory=list)
    mandate: MandateOut | None = None
    investment_code: str | None = None
    # The government's time on the project against the route's target (agency/coordination/government.py);
    # filled by GET /api/projects/{id}.
    government_workdays: int | None = None
    government_target_workdays: int | None = None
    stages: list[StageOut] = msgspec.field(default_factory=list)
    # The service site holding the dossier (None: the center, from before sites were kept).
    site_code: str | None = None


class ProjectListItem(ResponseBody):
    id: int
    code: str
    name: str
    enterprise: EnterpriseRef
    status: str
    green_channel: str
    clerk_id: int
    route_code: str
    approvals_total: int
    approvals_approved: int
    created_at: datetime
    site_code: str | None = None


class EventOut(ResponseBody):
    id: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str | None
    result: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from agency.approvals.rules import ACTIONS
from agency.enterprises.schemas import EnterpriseRef
from agency.projects.schemas import UserRef
from agency.schemas import RequestBody, ResponseBody

ActionName = Literal[ACTIONS]  # type: ignore[valid-type]
Text = Annotated[str, msgspec.Meta(max_length=4000)]


class ActionIn(RequestBody):
    action: ActionName
    version: Annotated[int, msgspec.Meta(ge=1)]
    note: Text | None = None
    reason: Text | None = None
    legal_basis: Text | None = None
    missing_materials: list[Annotated[str, msgspec.Meta(max_length=64)]] | None = None
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] | None = None
    certificate_no: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    valid_until: date | None = None
    effective_on: date | None = None


class HandlerIn(RequestBody):
    user_id: int
    version: Annotated[int, msgspec.Meta(ge=1)]


class FileOut(ResponseBody):
    id: int
    filename: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: datetime
    version: int


class MaterialOut(ResponseBody):
    code: str
    name: str
    required: bool
    copies: int
    original: str
    accepted_types: list[str]
    files: list[FileOut]


class ClockOut(ResponseBody):
    accepted_on: date | None
    due_on: date | None
    statutory_due_on: date | None
    elapsed_workdays: int
    remaining_workdays: int | None
    paused: bool
    provisional: bool
    level: Literal["none", "prompt", "yellow", "red", "l3"]
    promised_limit: dict[str, Any] | None
    statutory_limit: dict[str, Any] | None
    extension_days: int
    finished_on: date | None
    on_time: bool | None
    summary: str


class ApprovalOut(ResponseBody):
    id: int
    project_id: int
    project_code: str
    project_name: str
    enterprise: EnterpriseRef
    item_code: str
    name: str
    department_code: str
    department_mode: str
    stage: str
    status: str
    status_name: str
    version: int
    required: bool
    prerequisites: list[int]
    waits_for_milestones: list[str]
    handler: UserRef | None
    submitted_on: date | None
    clock: ClockOut
    materials: list[MaterialOut]
    decision: dict[str, Any] | None
    allowed_actions: list[str]
    escalations: list[dict[str, Any]] = msgspec.field(default_factory=list)


class WorkItem(ResponseBody):
    id: int
    project_id: int
    project_code: str
    project_name: str
    enterprise_name: str
    item_code: str
    name: str
    department_code: str
    status: str
    status_name: str
    version: int
    due_on: date | None
    remaining_workdays: int | None
    level: str
    green_channel: bool

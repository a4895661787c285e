from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from agency.accounts.schemas import UserRef
from agency.approvals.rules import ACTIONS
from agency.enterprises.schemas import EnterpriseRef
from agency.schemas import Id, RequestBody, ResponseBody

ActionName = Literal[ACTIONS]  # type: ignore[valid-type]
Text = Annotated[str, msgspec.Meta(max_length=4000)]


SpecialProcedure = Literal["hearing", "expert_review", "inspection", "public_notice", "other"]


class Defect(RequestBody):
    material_code: Annotated[str, msgspec.Meta(max_length=64)]
    defect: Annotated[str, msgspec.Meta(min_length=2, max_length=500)]


class ActionIn(RequestBody):
    action: ActionName
    version: Id
    note: Text | None = None
    reason: Text | None = None
    legal_basis: Text | None = None
    missing_materials: list[Annotated[str, msgspec.Meta(max_length=64)]] | None = None
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] | None = None
    certificate_no: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    valid_until: date | None = None
    effective_on: date | None = None
    # request_supplement: each material's own defect (一次性告知: what is wrong with it and what to do).
    defects: list[Defect] | None = None
    # suspend: the special procedure whose time the clock excludes (行政许可法 第四十五条).
    kind: SpecialProcedure | None = None
    # approve: the decision's scans (批文, 证照), uploaded first to POST /api/approvals/{id}/decision-files.
    decision_file_ids: Annotated[list[Id], msgspec.Meta(max_length=20)] | None = None


class HandlerIn(RequestBody):
    user_id: Id
    version: Id


class FileOut(ResponseBody):
    id: int
    filename: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: datetime
    version: int
    state: str = "current"
    # For a file of the history (withdrawn, replaced, sent back): who changed it, when and why.
    changed_by: int | None = None
    changed_at: datetime | None = None
    reason: str | None = None


class MaterialOut(ResponseBody):
    code: str
    name: str
    required: bool
    copies: int
    original: str
    accepted_types: list[str]
    state: Literal["missing", "provided", "deferred", "committed", "reused", "shared", "exempt"]
    state_name: str
    files: list[FileOut]  # the current set: every file of it goes out with a bundle
    pending: list[FileOut] = msgspec.field(default_factory=list)
    history: list[FileOut] = msgspec.field(default_factory=list)
    promised_on: date | None = None
    reused_from: int | None = None
    source: str | None = None
    reference: str | None = None
    exempt_reason: str | None = None
    deferrable: bool = False
    commitment: bool = False
    shareable: bool = False
    exemptible: bool = False
    produced_by: str | None = None


class MaterialStateIn(RequestBody):
    state: Literal["missing", "provided", "deferred", "committed", "reused", "shared", "exempt"]
    promised_on: date | None = None
    reused_from_approval_id: int | None = None
    source: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    reference: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    reason: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class ReviewIn(RequestBody):
    accept: bool
    # Required when sending back (422 naming it): the enterprise reads it on the portal.
    reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class WithdrawIn(RequestBody):
    # Required by the service (422 naming it), after it has said whether the caller may see the file at all.
    reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""


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


class NoticeOut(ResponseBody):
    template: str
    document_id: int | None  # null while its paper waits to be rendered
    number: str | None
    status: Literal["pending", "ready", "failed"]


class ApprovalOut(ResponseBody):
    id: int
    project_id: int
    project_code: str
    project_name: str
    enterprise: EnterpriseRef
    item_code: str
    name: str
    department_code: str
    department_name: str
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
    # Accepted by law (第三十二条): the department let 5 working days pass without an intake decision.
    deemed: bool = False
    # A commitment (告知承诺) that stood in for a material was found false at the department's check.
    commitment_breached: bool = False
    # While the application awaits intake: the last day the department may decide (then it is accepted by law).
    intake_answer_by: date | None = None
    # Every one-time notice of this approval: requested_on and the materials it asked for.
    supplement_rounds: list[dict[str, Any]] = msgspec.field(default_factory=list)
    # A supplement asked before acceptance, not yet resubmitted: status stays ``preparing``, shown as 待补正.
    pending_supplement: bool = False
    # The decision's scans (its result, once approved; before, those uploaded for it).
    decision_files: list[FileOut] = msgspec.field(default_factory=list)
    # The open one-time notice (before or after acceptance): materials, defects, reason, requested_on, due_on.
    supplement_notice: dict[str, Any] | None = None
    # The papers issued to the enterprise about it (受理通知书, 延期告知书 …), rendered after the act's commit.
    notices: list[NoticeOut] = msgspec.field(default_factory=list)


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
    pending_supplement: bool = False

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from agency.schemas import Id, RequestBody, ResponseBody

# The acts a provincial system reports, as its records name them.
SyncAct = Literal["submitted", "accepted", "supplement_requested", "resubmitted", "suspended", "resumed", "extended",
                  "approved", "rejected", "refused_intake", "withdrawn"]
Short = Annotated[str, msgspec.Meta(max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]


class SyncDefect(RequestBody):
    material_code: Annotated[str, msgspec.Meta(max_length=64)]
    defect: Annotated[str, msgspec.Meta(min_length=2, max_length=500)]


class SyncRecordIn(RequestBody):
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    record_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    investment_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    item_external_code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    act: SyncAct
    effective_on: date
    officer: Short | None = None
    certificate_no: Short | None = None
    reason: Text | None = None
    missing_materials: list[Annotated[str, msgspec.Meta(max_length=64)]] | None = None
    defects: list[SyncDefect] | None = None
    kind: Literal["hearing", "expert_review", "inspection", "public_notice", "other"] | None = None
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] | None = None
    # base64 of at most 10 MB: judged per record (a bad one refuses its record, not the batch).
    decision_file: str | None = None


class SyncBatchIn(RequestBody):
    records: Annotated[list[SyncRecordIn], msgspec.Meta(min_length=1, max_length=10_000)]


class QueuedOut(ResponseBody):
    record_id: str
    reason: str


class SyncResultOut(ResponseBody):
    applied: int
    unchanged: int
    queued: list[QueuedOut]


class MatchIn(RequestBody):
    approval_id: Id


class ApplyIn(RequestBody):
    # A late record applied as the admin's correction, with the reason (without a body: tried again).
    reason: Annotated[str, msgspec.Meta(min_length=2, max_length=2000)]


class DiscardIn(RequestBody):
    reason: Annotated[str, msgspec.Meta(min_length=2, max_length=2000)]


class SyncRecordOut(ResponseBody):
    id: int
    source: str
    record_id: str
    investment_code: str
    item_external_code: str
    act: str
    effective_on: date
    status: str
    status_name: str
    reason: str | None
    approval_id: int | None
    received_at: datetime
    handled_at: datetime | None
    handled_by: str | None
    officer: str | None = None

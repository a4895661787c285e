"""Request and response bodies of ratings (即评), follow-ups (回访) and rating links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from agency.schemas import RequestBody, ResponseBody

Score = Annotated[int, msgspec.Meta(ge=1, le=5, description=(
    "5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意"))]

Comment = Annotated[str, msgspec.Meta(max_length=1000)]


class EvaluationIn(RequestBody):
    approval_id: Annotated[int, msgspec.Meta(ge=1, le=2**53)]
    score: Score
    comment: Comment = ""


class RatingIn(RequestBody):
    score: Score
    comment: Comment = ""


class EvaluationOut(ResponseBody):
    id: int
    approval_id: int
    project_id: int
    department_code: str
    score: int
    score_name: str
    comment: str
    channel: str
    rated_on: date
    created_at: datetime
    follow_up_id: int | None = None
    appeal_status: str | None = None
    appeal_status_name: str | None = None
    appeal_reason: str | None = None
    appeal_note: str | None = None


class FollowUpOut(ResponseBody):
    id: int
    evaluation_id: int
    approval_id: int
    approval_name: str
    project_id: int
    project_name: str
    department_code: str
    score: int
    score_name: str
    comment: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: int | None
    note: str | None


class CloseFollowUpIn(RequestBody):
    note: Annotated[str, msgspec.Meta(min_length=2, max_length=2000)]


class ScoreLevel(ResponseBody):
    score: int
    name: str


class RatingLinkOut(ResponseBody):
    approval_name: str
    department_name: str
    expires_at: datetime
    levels: list[ScoreLevel]


class AppealIn(RequestBody):
    reason: Annotated[str, msgspec.Meta(max_length=2000)]


class AppealDecisionIn(RequestBody):
    upheld: bool
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class RectificationReplyIn(RequestBody):
    note: Annotated[str, msgspec.Meta(max_length=2000)]


class RectificationVerdictIn(RequestBody):
    satisfied: bool


class RectificationOut(ResponseBody):
    id: int
    evaluation_id: int
    approval_id: int
    approval_name: str
    project_id: int
    project_name: str
    department_code: str
    score: int
    score_name: str
    comment: str
    status: str
    status_name: str
    opened_on: date
    due_on: date
    reply: str | None
    replied_on: date | None
    satisfied: bool | None
    verdict_on: date | None

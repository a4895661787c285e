"""Request and response bodies of ratings (好差评), rectifications (整改), follow-ups (回访) and rating links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from agency.evaluations.models import OCCASION_PATTERN
from agency.schemas import RequestBody, ResponseBody

Score = Annotated[int, msgspec.Meta(ge=1, le=5, description=(
    "5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意"))]

Comment = Annotated[str, msgspec.Meta(max_length=1000)]


Id = Annotated[int, msgspec.Meta(ge=1, le=2**53)]
Target = Literal["approval", "clerk", "officer"]


class EvaluationIn(RequestBody):
    """The approval (its service, or its officer: ``approval_id``) or the project (its clerk: ``project_id``
    and ``occasion``, 'mandate_end' or a quarter such as '2026Q4'); never the person."""

    score: Score
    target: Target = "approval"
    approval_id: Id | None = None
    project_id: Id | None = None
    occasion: Annotated[str, msgspec.Meta(pattern=OCCASION_PATTERN)] | None = None
    reasons: Annotated[list[Annotated[str, msgspec.Meta(max_length=32)]], msgspec.Meta(max_length=10)] = []
    comment: Comment = ""


class RatingIn(RequestBody):
    score: Score
    comment: Comment = ""


class EvaluationOut(ResponseBody):
    id: int
    target: str
    target_name: str
    approval_id: int | None
    project_id: int
    occasion: str
    # The rated person: the project's clerk or the approval's handler; none for a department's service.
    rated_user_id: int | None
    department_code: str | None
    score: int
    score_name: str
    reasons: list[str]
    reason_names: list[str]
    comment: str
    channel: str
    rated_on: date
    created_at: datetime
    # The rectification a bad rating opened; follow_up_id, its return visit in /api/follow-ups (the same id,
    # none when a clerk was rated: the office answers that one itself).
    rectification_id: int | None = None
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
    target: str
    target_name: str
    approval_id: int | None
    approval_name: str | None
    project_id: int
    project_name: str
    # The department that answers; none: the agency office (assignee_name says which).
    department_code: str | None
    assignee_name: str
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

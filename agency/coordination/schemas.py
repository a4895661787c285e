from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec

from agency.schemas import Id, RequestBody, ResponseBody

Title = Annotated[str, msgspec.Meta(max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Code = Annotated[str, msgspec.Meta(max_length=32)]


class ProblemIn(RequestBody):
    title: Title
    category: Literal["land", "planning", "utilities", "funding", "other"]
    department_code: Code
    due_on: date
    description: Text = ""
    approval_ids: Annotated[list[Id], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)


class ProblemActionIn(RequestBody):
    action: Literal["respond", "resolve", "confirm", "reopen"]
    note: Text = ""
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class ProblemOut(ResponseBody):
    id: int
    project_id: int
    project_name: str
    project_code: str
    title: str
    description: str
    category: str
    category_name: str
    department_code: str
    department_name: str
    opened_on: date
    due_on: date
    status: str
    status_name: str
    approval_ids: list[int]
    notes: list[dict[str, Any]]
    meeting_id: int | None
    resolved_on: date | None
    version: int


class MeetingIn(RequestBody):
    title: Title
    planned_on: date
    project_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=50)]


class DecisionIn(RequestBody):
    text: Text
    department_code: Code
    due_on: date
    problem_id: Id | None = None
    # Which of the meeting's projects a new problem belongs to; needed when the meeting covers several.
    project_id: Id | None = None


class MinutesIn(RequestBody):
    held_on: date
    attendees: Annotated[list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(max_length=100)]
    decisions: Annotated[list[DecisionIn], msgspec.Meta(max_length=100)]


class MeetingOut(ResponseBody):
    id: int
    title: str
    planned_on: date
    held_on: date | None
    status: str
    status_name: str
    project_ids: list[int]
    agenda: list[dict[str, Any]]
    attendees: list[str]
    decisions: list[dict[str, Any]]
    departments_named: list[str]
    acknowledgements: dict[str, Any]
    minutes_document_id: int | None
    version: int


class MinutesOut(ResponseBody):
    meeting: MeetingOut
    minutes_document_id: int | None
    problems: list[ProblemOut]


class OpinionIn(RequestBody):
    """A participant's opinion on a joint item: ``pass``, or not with the findings to fix."""

    passed: bool = msgspec.field(name="pass")
    findings: Annotated[list[Annotated[str, msgspec.Meta(max_length=500)]], msgspec.Meta(max_length=50)] = (
        msgspec.field(default_factory=list))
    # Which part, when the department takes part more than once (住建局: 消防, 人防, 档案).
    participant: Code | None = None


class PartOut(ResponseBody):
    code: str
    name: str
    department_code: str
    department_name: str
    status: Literal["pending", "passed", "failed"]
    status_name: str
    round: int
    findings: list[str]
    recorded_on: date | None


class JointOut(ResponseBody):
    approval_id: int
    lead_department_code: str
    all_passed: bool
    participants: list[PartOut]

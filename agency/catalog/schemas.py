from __future__ import annotations

from typing import Any, Literal

from agency.schemas import ResponseBody


class LimitOut(ResponseBody):
    count: int
    unit: Literal["workday", "calendar_day"]


class DepartmentOut(ResponseBody):
    code: str
    name: str
    mode: Literal["online", "offline"]


class MaterialOut(ResponseBody):
    code: str
    name: str
    required: bool
    copies: int
    original: str
    accepted_types: list[str]
    note: str | None = None


class ItemOut(ResponseBody):
    code: str
    name: str
    department_code: str
    stage: str
    stage_name: str
    kind: str
    statutory_limit: LimitOut | None
    promised_limit: LimitOut
    prerequisites: list[str]
    materials: list[MaterialOut]
    subject: str
    legal_basis: str
    conditions: str
    procedure: str
    time_limit_text: str
    result: str
    fee_basis: str
    fee_standard: str
    supervision: str
    suspension_allowed: bool
    extension_allowed: bool
    extension_cap_workdays: int | None
    application_form: str | None
    version: str


class RouteOut(ResponseBody):
    code: str
    name: str
    description: str
    items: list[str]
    prerequisites: dict[str, list[str]]
    milestones: list[dict[str, Any]]
    version: str


class ImportSummary(ResponseBody):
    version: str
    unchanged: bool
    departments: dict[str, list[str]]
    items: dict[str, list[str]]
    routes: dict[str, list[str]]

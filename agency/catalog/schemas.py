from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from agency.schemas import RequestBody, ResponseBody


class LimitOut(ResponseBody):
    count: int
    unit: Literal["workday", "calendar_day"]


class DepartmentOut(ResponseBody):
    code: str
    name: str
    mode: Literal["online", "offline"]


class ContactIn(RequestBody):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    phone: Annotated[str, msgspec.Meta(max_length=32)]
    email: Annotated[str, msgspec.Meta(max_length=128)] | None = None


class ContactsIn(RequestBody):
    chief_representative: ContactIn
    leader_in_charge: ContactIn
    main_leader: ContactIn


class DepartmentIn(RequestBody):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    mode: Literal["online", "offline"]
    contacts: ContactsIn


class DepartmentDetailOut(ResponseBody):
    code: str
    name: str
    mode: Literal["online", "offline"]
    contacts: dict[str, Any]


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

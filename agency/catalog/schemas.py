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
    mode: Literal["online", "offline", "external"]
    kind: Literal["authority", "utility"] = "authority"


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
    # external: the department acts in the provincial system; its acts arrive by sync (agency.sync)
    mode: Literal["online", "offline", "external"]
    contacts: ContactsIn
    # The prefix of its papers' numbers (嵩发改告 → 嵩发改告〔2026〕3号); omitted: unchanged; "": its name and 告.
    doc_prefix: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class DepartmentDetailOut(ResponseBody):
    code: str
    name: str
    mode: Literal["online", "offline", "external"]
    contacts: dict[str, Any]
    kind: Literal["authority", "utility"] = "authority"
    reconsideration_body: str | None = None
    court: str | None = None
    doc_prefix: str | None = None


class MaterialOut(ResponseBody):
    code: str
    name: str
    required: bool
    copies: int
    original: str
    accepted_types: list[str]
    note: str | None = None
    deferrable: bool = False
    commitment: bool = False
    shareable: bool = False
    exemptible: bool = False
    produced_by: str | None = None
    verify_within_months: int | None = None


class AmountRuleOut(ResponseBody):
    per: str
    unit_yuan: str
    minimum_yuan: str | None = None
    maximum_yuan: str | None = None


class FeeRuleOut(ResponseBody):
    code: str
    name: str
    basis: str
    amount_rule: AmountRuleOut
    mandatory: bool = True
    payable_after_decision: bool = False


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
    # Empty where nothing is charged (本事项不收费).
    fees: list[FeeRuleOut] = []


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
    # Citations nobody has compared with the law's text yet (``checked: false``): {item, cite}.
    unchecked_citations: list[dict[str, str]] = msgspec.field(default_factory=list)
    # Per changed item, route and department: the fields that differ, e.g. {"items": {"sgxk": ["promised_limit"]}}.
    changed_fields: dict[str, dict[str, list[str]]] = msgspec.field(default_factory=dict)
    # ``?dry_run=true``: nothing was imported; the version the diff is against, and the file's sha256 and date.
    dry_run: bool = False
    current_version: str | None = None
    effective_from: str | None = None
    sha256: str | None = None
    # Dry run: per changed field its value before and after ({kind: {code: [{field, before, after}]}}), and the
    # names of every item, route and department the diff mentions ({kind: {code: name}}).
    details: dict[str, dict[str, list[dict[str, Any]]]] = msgspec.field(default_factory=dict)
    names: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)

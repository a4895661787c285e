"""The typed shape of a catalog file (docs/catalog-format.md): what the YAML parses into.

These Structs are only the *shape*: value constraints a type can express (patterns, ranges,
enumerations) live here; rules that relate several values (references, cycles, limits) live in
``format_rules``. Keeping them apart lets the loader report every problem at once instead of
stopping at msgspec's first one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal

import msgspec

# Codes end up in URLs, template names and database keys, so they are ASCII slugs, never Chinese.
Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
# Template codes are namespaced like "application_form/sgxk".
TemplateCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(min_length=1)]
Phone = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9][0-9 -]{2,24}$")]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
# "2026.1": year dot sequence, so versions sort in the order they were published.
Version = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}\.[0-9]+$")]

Mode = Literal["online", "offline", "external"]
DepartmentKind = Literal["authority", "utility"]
Unit = Literal["workday", "calendar_day"]
Stage = Literal["land_planning", "engineering_permit", "construction_permit", "completion_acceptance"]
Kind = Literal[
    "administrative_license",
    "administrative_confirmation",
    "filing",
    "other_power",
    "public_service",
]
Original = Literal["original", "copy", "original_and_copy"]
FileType = Literal["pdf", "jpeg", "png", "tiff", "ofd", "docx"]

# Display names, in route order for stages: the UI shows Chinese, the data keeps the codes.
STAGE_NAMES: Mapping[str, str] = {
    "land_planning": "立项用地规划",
    "engineering_permit": "工程建设许可",
    "construction_permit": "施工许可",
    "completion_acceptance": "竣工验收",
}
KIND_NAMES: Mapping[str, str] = {
    "administrative_license": "行政许可",
    "administrative_confirmation": "行政确认",
    "filing": "备案",
    "other_power": "其他行政权力",
    "public_service": "公共服务",
}
UNIT_NAMES: Mapping[str, str] = {"workday": "个工作日", "calendar_day": "日（自然日）"}
ORIGINAL_NAMES: Mapping[str, str] = {
    "original": "原件",
    "copy": "复印件",
    "original_and_copy": "原件及复印件（原件核验后退回）",
}
MODE_NAMES: Mapping[str, str] = {"online": "线上办理", "offline": "线下办理（代办员录入）"}


def _pdf_only() -> list[FileType]:
    return ["pdf"]


class CatalogStruct(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Common config: unknown keys are errors (a typo must not silently drop a rule).

    Frozen: a parsed catalog is shared and snapshotted into dossiers, nobody should edit it in
    place. Subclasses repeat ``frozen``/``kw_only`` because mypy does not inherit them.
    """


class Contact(CatalogStruct, frozen=True, kw_only=True):
    name: Name
    phone: Phone
    email: Email | None = None


class Contacts(CatalogStruct, frozen=True, kw_only=True):
    """Escalation targets per level: yellow → chief representative, red → leader in charge, L3 → main."""

    chief_representative: Contact
    leader_in_charge: Contact
    main_leader: Contact


class Department(CatalogStruct, frozen=True, kw_only=True):
    code: Code
    name: Name
    mode: Mode
    contacts: Contacts
    kind: DepartmentKind = "authority"
    reconsideration_body: Name | None = None
    court: Name | None = None
    # The prefix of the numbers of its papers (e.g. 嵩发改告); absent: kept as the administrator set it.
    doc_prefix: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None


class Limit(CatalogStruct, frozen=True, kw_only=True):
    count: Annotated[int, msgspec.Meta(ge=1, le=3650)]
    unit: Unit


class Material(CatalogStruct, frozen=True, kw_only=True):
    code: Code
    name: Name
    required: bool = True
    copies: Annotated[int, msgspec.Meta(ge=1, le=99)] = 1
    original: Original = "original"
    accepted_types: Annotated[list[FileType], msgspec.Meta(min_length=1)] = msgspec.field(default_factory=_pdf_only)
    note: str | None = None
    # What may stand in for the file (reform-era intake, DOMAIN.md): the department may accept the case without
    # it against a promised date (容缺); a signed commitment may replace it (告知承诺); the department may obtain it
    # by data sharing (共享获取); it may be exempt (with the reason given then); a decision issued earlier in the
    # same dossier satisfies it (the item that produces it).
    deferrable: bool = False
    commitment: bool = False
    shareable: bool = False
    exemptible: bool = False
    produced_by: Code | None = None
    # A committed material: within how many calendar months of the decision the department checks the
    # commitment (事后核查); none given, 2.
    verify_within_months: Annotated[int, msgspec.Meta(ge=1, le=60)] | None = None


class Citation(CatalogStruct, frozen=True, kw_only=True):
    """One legal citation of an item, as its legal_basis or time_limit_text words it. ``checked``: someone
    compared it with the law's text (``source`` says against what); the import lists those not checked."""

    cite: Text
    checked: bool = False
    source: str | None = None


class ScaleLimits(CatalogStruct, frozen=True, kw_only=True):
    """A statutory limit that depends on the project's scale (施工图审查: 15 working days for a large project,
    10 for a medium or small one, 部令第13号)."""

    large: Limit
    medium_and_small: Limit


ObligationUnit = Literal["month", "calendar_day", "workday"]


class ObligationRule(CatalogStruct, frozen=True, kw_only=True):
    """What the enterprise owes after the item's decision (docs/catalog-format.md, "Obligations"): due
    ``count`` ``unit`` after the decision; met when the project's milestone ``met_by`` is entered (开工: one
    entry meets every obligation waiting on it); extended at most ``max_extensions`` times by at most
    ``extension_months`` each, against the department's decision."""

    code: Code
    name: Name
    count: Annotated[int, msgspec.Meta(ge=1, le=3650)]
    unit: ObligationUnit
    met_by: Code | None = None
    max_extensions: Annotated[int, msgspec.Meta(ge=0, le=10)] = 0
    extension_months: Annotated[int, msgspec.Meta(ge=1, le=60)] | None = None
    # What happens when it is missed, and under which law (shown to the enterprise with the due date).
    consequence: Text
    legal_basis: Text


FeePer = Literal["fixed", "piece", "m2", "mu"]
Yuan = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")]


class AmountRule(CatalogStruct, frozen=True, kw_only=True):
    """How a fee's amount is computed (docs/catalog-format.md, "Fees"): ``unit_yuan`` once (fixed), or times the
    pieces (件/本, counted at the assessment), the building area (m², the project's fact) or the land (亩), then held
    between ``minimum_yuan`` and ``maximum_yuan``. Yuan are decimal strings, never floats."""

    per: FeePer
    unit_yuan: Yuan
    minimum_yuan: Yuan | None = None
    maximum_yuan: Yuan | None = None


class FeeRule(CatalogStruct, frozen=True, kw_only=True):
    """One fee an item charges (非税收入, collected into the 收费专户 against a payment notice)."""

    code: Code
    name: Name
    basis: Text
    amount_rule: AmountRule
    # Unpaid, a mandatory fee blocks the approving decision unless it may be paid after it.
    mandatory: bool = True
    payable_after_decision: bool = False


class Item(CatalogStruct, frozen=True, kw_only=True):
    code: Code
    name: Name
    department: Code
    stage: Stage
    kind: Kind
    # The nine public elements (九要素); time_limit_text is the published wording of 时限, the
    # machine-readable limits are statutory_limit / promised_limit.
    subject: Text
    legal_basis: Text
    conditions: Text
    procedure: Text
    time_limit_text: Text
    result: Text
    fee_basis: Text
    fee_standard: Text
    supervision: Text
    statutory_limit: Limit | None
    promised_limit: Limit
    suspension_allowed: bool
    extension_allowed: bool
    extension_cap_workdays: Annotated[int, msgspec.Meta(ge=1, le=365)] | None = None
    # The period the enterprise has to answer a one-time notice (补正期限), in working days.
    supplement_limit_workdays: Annotated[int, msgspec.Meta(ge=1, le=120)] = 10
    application_form: TemplateCode | None = None
    materials: list[Material] = msgspec.field(default_factory=list)
    # By the project's scale (its ``scale`` fact); ``statutory_limit`` is then the large one, which stands until
    # the scale is known (the longer limit: no department is held to a limit the law does not set).
    statutory_limit_by_scale: ScaleLimits | None = None
    citations: list[Citation] = msgspec.field(default_factory=list)
    # The item's code in each outside system (``gongai``: the province's 工改系统), for its sync records.
    external_codes: dict[Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")],
                         Annotated[str, msgspec.Meta(min_length=1, max_length=64)]] = msgspec.field(
        default_factory=dict)
    obligations: list[ObligationRule] = msgspec.field(default_factory=list)
    # Empty: the item charges nothing (本事项不收费).
    fees: list[FeeRule] = msgspec.field(default_factory=list)


class JointParticipant(CatalogStruct, frozen=True, kw_only=True):
    """A participant of a joint acceptance (联合验收): its part, and the department that records its opinion."""

    code: Code
    name: Name
    department: Code


class RouteItem(CatalogStruct, frozen=True, kw_only=True):
    item: Code
    after: list[Code] = msgspec.field(default_factory=list)
    required: bool = True
    parallel_group: Code | None = None
    # A joint item (联合验收): its department leads; it is approved only when every participant has passed.
    participants: list[JointParticipant] = msgspec.field(default_factory=list)


class Milestone(CatalogStruct, frozen=True, kw_only=True):
    code: Code
    name: Name
    after: list[Code] = msgspec.field(default_factory=list)


class Thresholds(CatalogStruct, frozen=True, kw_only=True):
    """Escalation thresholds; None means "use the system default"."""

    yellow_ratio: Annotated[float, msgspec.Meta(gt=0, le=1)] | None = None
    prompt_days: Annotated[int, msgspec.Meta(ge=0, le=30)] | None = None
    l3_after_workdays: Annotated[int, msgspec.Meta(ge=0, le=60)] | None = None


class Escalation(Thresholds, frozen=True, kw_only=True):
    green_channel: Thresholds | None = None


class RouteStage(CatalogStruct, frozen=True, kw_only=True):
    """A stage of the route with its lead department (牵头部门, 国办发〔2019〕11号) and its limit in working days."""

    code: Stage
    lead: Code
    limit_workdays: Annotated[int, msgspec.Meta(ge=1, le=365)]


class Route(CatalogStruct, frozen=True, kw_only=True):
    code: Code
    name: Name
    description: str = ""
    items: list[RouteItem]
    milestones: list[Milestone] = msgspec.field(default_factory=list)
    escalation: Escalation | None = None
    stages: list[RouteStage] = msgspec.field(default_factory=list)
    # The government's time on a project of this route, first submission to last decision (None: the default).
    government_target_workdays: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None

    def item_codes(self) -> list[str]:
        return [ri.item for ri in self.items]

    def item_prerequisites(self) -> dict[str, list[str]]:
        """Item code → the *items* it waits for, looking through milestones.

        The API lists prerequisites as item codes; a milestone stands for "its own prerequisites,
        plus a real-world date", so it is replaced by the items behind it. Assumes a validated
        (acyclic) route.
        """
        milestones = {m.code: m.after for m in self.milestones}

        def resolve(codes: list[str], seen: set[str]) -> list[str]:
            out: list[str] = []
            for code in codes:
                if code in milestones:
                    if code not in seen:
                        seen.add(code)
                        out.extend(resolve(milestones[code], seen))
                elif code not in out:
                    out.append(code)
            return out

        return {ri.item: list(dict.fromkeys(resolve(ri.after, set()))) for ri in self.items}


class CatalogFile(CatalogStruct, frozen=True, kw_only=True):
    version: Version
    effective_from: date
    departments: list[Department]
    items: list[Item]
    routes: list[Route] = msgspec.field(default_factory=list)

    def department(self, code: str) -> Department | None:
        return next((d for d in self.departments if d.code == code), None)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def route(self, code: str) -> Route | None:
        return next((r for r in self.routes if r.code == code), None)

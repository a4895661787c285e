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

Mode = Literal["online", "offline"]
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
    application_form: TemplateCode | None = None
    materials: list[Material] = msgspec.field(default_factory=list)


class RouteItem(CatalogStruct, frozen=True, kw_only=True):
    item: Code
    after: list[Code] = msgspec.field(default_factory=list)
    required: bool = True
    parallel_group: Code | None = None


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


class Route(CatalogStruct, frozen=True, kw_only=True):
    code: Code
    name: Name
    description: str = ""
    items: list[RouteItem]
    milestones: list[Milestone] = msgspec.field(default_factory=list)
    escalation: Escalation | None = None

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

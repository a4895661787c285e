"""Typed contexts of the generated papers.

Every template is filled from exactly one of these Structs, so a template can be linted against its
context type before anyone uploads it, and the context a paper was filled with can be stored as JSON
and decoded again (``msgspec.json.decode(data, type=spec.context_type)``).

Conventions the templates rely on:

- dates are ``datetime.date`` and are printed with the ``cn_date`` filter (2026年11月25日);
- amounts are ``Decimal`` (万元, 亩, 平方米) and are printed with the ``num`` filter;
- an optional fact that is unknown is ``None`` or ``""`` and prints as nothing, so a form shows
  an empty box the applicant can fill in by hand rather than the word "None";
- status and warning level fields hold the codes of the API (``accepted``, ``red``); the
  ``status_zh`` / ``level_zh`` filters turn them into the words a clerk prints.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

import msgspec

__all__ = [
    "AuthorizationLetterContext",
    "CenterFacts",
    "CompletedItem",
    "CompletionNoticeContext",
    "EnterpriseFacts",
    "MissingMaterial",
    "OneTimeNoticeContext",
    "PaperContext",
    "PlannedApproval",
    "ProgressReportContext",
    "ProgressRow",
    "ProjectFacts",
    "RefusalKind",
    "RefusalNoticeContext",
    "RegistrationFormContext",
    "SupervisionNoticeContext",
    "TransmittalApproval",
    "TransmittalFile",
    "TransmittalListContext",
]


class _Facts(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every context piece: immutable and keyword-only.

    msgspec applies ``kw_only`` to the fields of the class that declares it only, so every subclass
    repeats it; that is what lets a required field follow an optional one inherited from a base.
    """


# --- shared pieces -------------------------------------------------------------------------------


class EnterpriseFacts(_Facts, frozen=True, kw_only=True):
    name: str
    credit_code: str
    legal_representative: str
    contact_name: str = ""
    # Masked or not is the caller's decision: a paper handed to a department may need the full number.
    contact_phone: str = ""
    address: str = ""
    park: str = ""


class ProjectFacts(_Facts, frozen=True, kw_only=True):
    code: str  # 档案编号, the dossier number
    # 项目代码: the 投资项目统一代码 the national platform gave (empty until it is entered)
    investment_code: str = ""
    name: str
    location: str = ""
    investment_wan: Decimal | None = None
    land_area_mu: Decimal | None = None
    description: str = ""
    construction_content: str = ""
    building_area_m2: Decimal | None = None
    planned_start: date | None = None
    planned_completion: date | None = None
    design_unit: str = ""
    construction_unit: str = ""
    supervision_unit: str = ""
    clerk_name: str = ""
    clerk_phone: str = ""


class CenterFacts(_Facts, frozen=True, kw_only=True):
    name: str  # 云溪县行政服务中心
    office_name: str  # 云溪县行政服务中心企业代办服务中心
    address: str = ""
    phone: str = ""
    # Named on every refusal: the applicant's rights must say *where* to appeal, not just that one may.
    reconsideration_body: str
    court: str


class PaperContext(_Facts, frozen=True, kw_only=True):
    """What every paper carries: its number (文号), its date and the parties."""

    doc_number: str  # 代办〔2026〕12号
    issued_on: date
    center: CenterFacts
    enterprise: EnterpriseFacts
    project: ProjectFacts


# --- 代办服务委托书 / 代办服务登记表 ------------------------------------------------------------------


class PlannedApproval(_Facts, frozen=True, kw_only=True):
    name: str
    department: str
    stage: str = ""
    promised_limit: str = ""  # already worded: "5个工作日", "30日"
    target_on: date | None = None


class AuthorizationLetterContext(PaperContext, frozen=True, kw_only=True):
    items: tuple[PlannedApproval, ...]
    service_mode: str = "全程代办"
    # None = until every entrusted item is finished, which is what most mandates say.
    valid_until: date | None = None


class RegistrationFormContext(PaperContext, frozen=True, kw_only=True):
    approvals: tuple[PlannedApproval, ...]
    service_mode: str = "全程代办"
    green_channel: bool = False
    source: str = ""  # 来源：招商引资 / 企业申请 / 部门转办
    remarks: str = ""


# --- 一次性告知单 -------------------------------------------------------------------------------------


class MissingMaterial(_Facts, frozen=True, kw_only=True):
    name: str
    copies: int = 1
    original: bool = False
    note: str = ""  # what is wrong with it, or what exactly is needed


class OneTimeNoticeContext(PaperContext, frozen=True, kw_only=True):
    item_name: str
    department: str
    case_number: str = ""
    received_on: date | None = None
    materials: tuple[MissingMaterial, ...]
    deadline: date
    department_phone: str = ""


# --- 材料移交清单 -------------------------------------------------------------------------------------


class TransmittalFile(_Facts, frozen=True, kw_only=True):
    material: str
    filename: str
    pages: int | None = None
    size_bytes: int
    sha256: str  # full digest; the list prints the first 12 hex digits


class TransmittalApproval(_Facts, frozen=True, kw_only=True):
    name: str
    case_number: str = ""
    files: tuple[TransmittalFile, ...]


class TransmittalListContext(PaperContext, frozen=True, kw_only=True):
    bundle_code: str
    department: str
    approvals: tuple[TransmittalApproval, ...]
    # Totals are given, not computed in the template, so the paper states what the bundle row says.
    file_count: int
    total_bytes: int
    sender_name: str = ""
    receiver_name: str = ""  # empty until the department signs for it


# --- 督办通知单 ---------------------------------------------------------------------------------------


class SupervisionNoticeContext(PaperContext, frozen=True, kw_only=True):
    """Of an approval past its clock, or of a coordination problem past its due date (``subject``
    ``problem``: ``item_name`` is the problem, ``accepted_on`` the day it was logged, ``category`` its kind)."""

    subject: Literal["approval", "problem"] = "approval"
    category: str = ""
    item_name: str
    department: str
    case_number: str = ""
    level: str  # yellow | red | l3 (or already in Chinese)
    accepted_on: date | None = None
    promised_limit: str = ""
    due_on: date
    overdue_workdays: int
    respond_by: date
    targets: tuple[str, ...]
    requirements: str = ""  # replaces the standard 督办要求 paragraph when given


# --- 不予受理 / 不予许可告知书 -------------------------------------------------------------------------

RefusalKind = Literal["intake_refusal", "decision_refusal"]


class RefusalNoticeContext(PaperContext, frozen=True, kw_only=True):
    kind: RefusalKind
    item_name: str
    department: str
    case_number: str = ""
    applied_on: date | None = None
    reason: str
    legal_basis: str
    # A public-service enterprise (供电, 供水 …) is no administrative organ: its refusal names a complaint
    # channel, not 行政复议 / 行政诉讼.
    utility: bool = False
    complaint_channel: str = ""


# --- 办结通知书 ---------------------------------------------------------------------------------------


class CompletedItem(_Facts, frozen=True, kw_only=True):
    name: str
    department: str
    certificate_no: str = ""
    approved_on: date | None = None
    valid_until: date | None = None


class CompletionNoticeContext(PaperContext, frozen=True, kw_only=True):
    items: tuple[CompletedItem, ...]
    completed_on: date
    started_on: date | None = None
    elapsed_workdays: int | None = None
    # Where the enterprise collects its certificates when not at the center's agency window: the township
    # service hall (乡镇便民服务大厅) holding the dossier; empty: the center's window.
    pick_up_place: str = ""


# --- 项目进度报告 -------------------------------------------------------------------------------------


class ProgressRow(_Facts, frozen=True, kw_only=True):
    name: str
    department: str
    stage: str = ""
    status: str  # API status code (planned, accepted, approved …) or its Chinese word
    due_on: date | None = None
    level: str = "none"
    remaining_workdays: int | None = None
    provisional: bool = False  # the due date depends on a calendar year not yet published


class ProgressReportContext(PaperContext, frozen=True, kw_only=True):
    as_of: date
    rows: tuple[ProgressRow, ...]
    green_channel: bool = False
    forecast_completion: date | None = None
    forecast_workdays: int | None = None
    forecast_provisional: bool = False
    remarks: str = ""

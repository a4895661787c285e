"""Which papers each role may issue, about what, in which state of the approval, and which ones are the
enterprise's to read.

A paper is issued in the name of whoever may issue it: the agency office (clerk, administrator) signs the
papers of the mandate and of the dossier; a department signs its own acts on its own approvals (一次性告知单,
不予受理/不予许可告知书); supervision (leader, administrator) signs the 督办通知单. What a paper contains is
drawn only from what its issuer may see (agency/documents/contexts.py reads the dossier through the
visibility rules), so a department's paper never shows another department's items.

Enterprises read the papers issued *to* them (the mandate, notices, the completion notice, progress reports,
their application forms); the internal papers of supervision and of the hand-over to departments
(督办通知单, 材料移交清单) are not listed to them nor served to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import InstrumentedAttribute

from agency.access import Role
from agency.approvals.rules import OPEN_STATES

ApprovalNeed = Literal["none", "optional", "required"]
OFFICE = frozenset({Role.CLERK, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class PaperRule:
    roles: frozenset[Role]  # who may issue it on demand (the flow's own papers are issued by its jobs)
    approval: ApprovalNeed  # whether it is about one approval of the dossier
    states: frozenset[str] | None = None  # the approval states it may be issued in (None: any)
    to_enterprise: bool = True  # issued to the enterprise: listed on its portal and downloadable by it


PAPERS: dict[str, PaperRule] = {
    "authorization_letter": PaperRule(OFFICE, "none"),
    "registration_form": PaperRule(OFFICE, "none"),
    "progress_report": PaperRule(OFFICE | {Role.LEADER}, "none"),
    # Of the dossier's finished approvals, or of one finished approval.
    "completion_notice": PaperRule(OFFICE, "optional", frozenset({"approved"})),
    "one_time_notice": PaperRule(OFFICE | {Role.DEPARTMENT}, "required", frozenset(OPEN_STATES)),
    "refusal_notice": PaperRule(OFFICE | {Role.DEPARTMENT}, "required", frozenset({"refused", "rejected"})),
    # Only while the clock runs (and the paper itself needs a yellow or red card).
    "supervision_notice": PaperRule(frozenset({Role.ADMIN, Role.LEADER}), "required", frozenset({"accepted"}),
                                    to_enterprise=False),
    # A generated application form becomes the approval's 申请表 material: only while it is open.
    "application_form": PaperRule(OFFICE, "required", frozenset(OPEN_STATES)),
    # The statutory notices and the reform-era intake papers: issued by the flow when their act commits
    # (agency/approvals/notices.py); the office or the department may issue these again on demand.
    "acceptance_notice": PaperRule(OFFICE | {Role.DEPARTMENT}, "required",
                                   frozenset({"accepted", "supplement_requested", "suspended", "approved"})),
    # Only with their act: what it said (reason, days, the procedure) is not kept elsewhere to print again.
    "extension_notice": PaperRule(frozenset(), "required"),
    "special_procedure_notice": PaperRule(frozenset(), "required"),
    "deferral_notice": PaperRule(OFFICE | {Role.DEPARTMENT}, "required", frozenset(OPEN_STATES) | {"approved"}),
    "commitment_letter": PaperRule(OFFICE | {Role.DEPARTMENT}, "required", frozenset(OPEN_STATES)),
    "termination_notice": PaperRule(OFFICE | {Role.DEPARTMENT}, "required", frozenset({"terminated"})),
    # The mandate's papers follow the enterprise's decision (POST /api/projects/{id}/mandate, close): only with it.
    "mandate_pause": PaperRule(frozenset(), "none"),
    "mandate_end": PaperRule(frozenset(), "none"),
    "mandate_renewal": PaperRule(frozenset(), "none"),
    # With the meeting's minutes (POST /api/meetings/{id}/minutes), sent to the departments they name.
    "meeting_minutes": PaperRule(frozenset(), "none", to_enterprise=False),
    # With the fee line's assessment (POST /api/approvals/{id}/fees).
    "payment_notice": PaperRule(frozenset(), "required"),
    # The center's monthly 通报 of the rankings: of no dossier, made from the rankings page (documents/bulletin.py).
    "ranking_bulletin": PaperRule(frozenset(), "none", to_enterprise=False),
    # Generated with its bundle (POST /api/bundles), never on its own.
    "transmittal_list": PaperRule(frozenset(), "none", to_enterprise=False),
}

TO_ENTERPRISE = frozenset(code for code, rule in PAPERS.items() if rule.to_enterprise)


def rule_of(code: str) -> PaperRule:
    """The rule of a template code; each item's 申请表 (``application_form/<item>``) follows ``application_form``."""
    return PAPERS["application_form" if code.startswith("application_form") else code]


def issued_to_enterprise(template_code: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """SQL: the paper of this template code is one the enterprise may read."""
    return or_(template_code.in_(sorted(TO_ENTERPRISE - {"application_form"})),
               template_code.startswith("application_form"))


_UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def file_name_part(name: str, limit: int = 60) -> str:
    """A name (an item's) as part of a paper's file name: nothing a file system refuses, not too long."""
    return (_UNSAFE_IN_FILE_NAMES.sub("_", name).strip(" .") or "_")[:limit]

"""Which papers exist, what each is filled from, and where its built-in template lives.

Codes are stable identifiers stored with every generated Document. An application form is one
template per catalog item, coded ``application_form/<item_code>``; its file is named
``application_form.<item_code>.docx`` because the wheel ships ``templates/*.docx`` only (no folders).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Final, Literal

import msgspec

from documents.contexts import (
    AuthorizationLetterContext,
    CompletionNoticeContext,
    OneTimeNoticeContext,
    ProgressReportContext,
    RefusalNoticeContext,
    RegistrationFormContext,
    SupervisionNoticeContext,
    TransmittalListContext,
)
from documents.forms import APPLICATION_FORMS, ApplicationFormContext
from documents.notices import (
    AcceptanceNoticeContext,
    CommitmentLetterContext,
    DeferralNoticeContext,
    ExtensionNoticeContext,
    SpecialProcedureNoticeContext,
    TerminationNoticeContext,
)
from documents.office_papers import (
    MandateEndContext,
    MandatePauseContext,
    MandateRenewalContext,
    MeetingMinutesContext,
    PaymentNoticeContext,
)
from documents.ranking_bulletin import RankingBulletinContext

__all__ = [
    "APPLICATION_FORM_PREFIX",
    "REGISTRY",
    "Scope",
    "TemplateSpec",
    "application_form_code",
    "builtin_template_bytes",
    "get_spec",
]

# "center": the center's own paper, of no dossier (the monthly 通报 of the rankings).
Scope = Literal["project", "approval", "bundle", "escalation", "center"]

APPLICATION_FORM_PREFIX: Final = "application_form/"


class TemplateSpec(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name_zh: str
    scope: Scope
    context_type: type[msgspec.Struct]
    filename: str  # inside documents/templates/


def application_form_code(item_code: str) -> str:
    return f"{APPLICATION_FORM_PREFIX}{item_code}"


def _specs() -> dict[str, TemplateSpec]:
    papers = (
        TemplateSpec(
            code="authorization_letter",
            name_zh="代办服务委托书",
            scope="project",
            context_type=AuthorizationLetterContext,
            filename="authorization_letter.docx",
        ),
        TemplateSpec(
            code="registration_form",
            name_zh="代办服务登记表",
            scope="project",
            context_type=RegistrationFormContext,
            filename="registration_form.docx",
        ),
        TemplateSpec(
            code="one_time_notice",
            name_zh="一次性告知单",
            scope="approval",
            context_type=OneTimeNoticeContext,
            filename="one_time_notice.docx",
        ),
        TemplateSpec(
            code="transmittal_list",
            name_zh="材料移交清单",
            scope="bundle",
            context_type=TransmittalListContext,
            filename="transmittal_list.docx",
        ),
        TemplateSpec(
            code="supervision_notice",
            name_zh="督办通知单",
            scope="escalation",
            context_type=SupervisionNoticeContext,
            filename="supervision_notice.docx",
        ),
        TemplateSpec(
            code="refusal_notice",
            name_zh="不予受理/不予许可告知书",
            scope="approval",
            context_type=RefusalNoticeContext,
            filename="refusal_notice.docx",
        ),
        TemplateSpec(
            code="completion_notice",
            name_zh="办结通知书",
            scope="project",
            context_type=CompletionNoticeContext,
            filename="completion_notice.docx",
        ),
        TemplateSpec(
            code="progress_report",
            name_zh="项目进度报告",
            scope="project",
            context_type=ProgressReportContext,
            filename="progress_report.docx",
        ),
    )
    notices = tuple(
        TemplateSpec(code=code, name_zh=name, scope="approval", context_type=context, filename=f"{code}.docx")
        for code, name, context in (
            ("acceptance_notice", "受理通知书", AcceptanceNoticeContext),
            ("extension_notice", "延期告知书", ExtensionNoticeContext),
            ("special_procedure_notice", "特别程序告知书", SpecialProcedureNoticeContext),
            ("deferral_notice", "容缺受理通知书", DeferralNoticeContext),
            ("commitment_letter", "告知承诺书", CommitmentLetterContext),
            ("termination_notice", "终止办理告知书", TerminationNoticeContext),
        )
    )
    office_papers: tuple[tuple[str, str, Scope, type[msgspec.Struct]], ...] = (
        ("mandate_pause", "代办服务中止单", "project", MandatePauseContext),
        ("mandate_end", "代办服务终止单", "project", MandateEndContext),
        ("mandate_renewal", "续办委托书", "project", MandateRenewalContext),
        # Of a meeting about one or several projects: kept with the first of them.
        ("meeting_minutes", "会议纪要", "project", MeetingMinutesContext),
        ("payment_notice", "缴款通知书", "approval", PaymentNoticeContext),
        ("ranking_bulletin", "通报", "center", RankingBulletinContext),
    )
    office = tuple(TemplateSpec(code=code, name_zh=name, scope=scope, context_type=context, filename=f"{code}.docx")
                   for code, name, scope, context in office_papers)
    forms = (
        TemplateSpec(
            code=application_form_code(form.item_code),
            name_zh=form.title,
            scope="approval",
            context_type=ApplicationFormContext,
            filename=f"application_form.{form.item_code}.docx",
        )
        for form in APPLICATION_FORMS.values()
    )
    return {spec.code: spec for spec in (*papers, *notices, *office, *forms)}


REGISTRY: Final[Mapping[str, TemplateSpec]] = MappingProxyType(_specs())


def get_spec(code: str) -> TemplateSpec:
    """The spec of ``code``; ``KeyError`` naming the code when there is none."""
    try:
        return REGISTRY[code]
    except KeyError:
        raise KeyError(f"unknown document template {code!r}") from None


def builtin_template_bytes(code: str) -> bytes:
    """The .docx shipped with the package for ``code`` (an admin may replace it in the database)."""
    spec = get_spec(code)
    return resources.files("documents").joinpath("templates", spec.filename).read_bytes()

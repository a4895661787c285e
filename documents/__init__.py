"""Generated papers of the agency office: typed contexts, template registry, sandboxed rendering,
template lint and PDF conversion.

A pure library: it never imports the service (``agency``), Litestar or SQLAlchemy. The service
builds a context Struct from the dossier, picks the template bytes (built-in or uploaded), calls
``render`` and, when LibreOffice is installed, ``to_pdf``.
"""

from documents.contexts import (
    AuthorizationLetterContext,
    CenterFacts,
    CompletedItem,
    CompletionNoticeContext,
    EnterpriseFacts,
    MissingMaterial,
    OneTimeNoticeContext,
    PaperContext,
    PlannedApproval,
    ProgressReportContext,
    ProgressRow,
    ProjectFacts,
    RefusalKind,
    RefusalNoticeContext,
    RegistrationFormContext,
    SupervisionNoticeContext,
    TransmittalApproval,
    TransmittalFile,
    TransmittalListContext,
)
from documents.filters import LEVEL_ZH, STATUS_ZH, cn_date
from documents.forms import APPLICATION_FORMS, ApplicationFormContext, ApplicationFormSpec, missing_fields
from documents.lint import LintProblem, lint
from documents.notices import (
    AcceptanceNoticeContext,
    CommitmentLetterContext,
    CommittedMaterial,
    DeferralNoticeContext,
    DeferredMaterial,
    ExtensionNoticeContext,
    SpecialProcedureNoticeContext,
    TerminationNoticeContext,
)
from documents.office_papers import (
    MandateEndContext,
    MandatePauseContext,
    MandateRenewalContext,
    MeetingMinutesContext,
    MinutesDecision,
    OpenItem,
    PaymentNoticeContext,
)
from documents.pdf import PdfConversionError, PdfError, PdfUnavailable, pdf_available, to_pdf
from documents.ranking_bulletin import RankedPerson, RankedWindow, RankingBulletinContext
from documents.registry import (
    REGISTRY,
    Scope,
    TemplateSpec,
    application_form_code,
    builtin_template_bytes,
    get_spec,
)
from documents.render import RenderError, render

__all__ = [
    "APPLICATION_FORMS",
    "LEVEL_ZH",
    "REGISTRY",
    "STATUS_ZH",
    "AcceptanceNoticeContext",
    "ApplicationFormContext",
    "ApplicationFormSpec",
    "AuthorizationLetterContext",
    "CenterFacts",
    "CommitmentLetterContext",
    "CommittedMaterial",
    "CompletedItem",
    "CompletionNoticeContext",
    "DeferralNoticeContext",
    "DeferredMaterial",
    "EnterpriseFacts",
    "ExtensionNoticeContext",
    "LintProblem",
    "MandateEndContext",
    "MandatePauseContext",
    "MandateRenewalContext",
    "MeetingMinutesContext",
    "MinutesDecision",
    "MissingMaterial",
    "OneTimeNoticeContext",
    "OpenItem",
    "PaperContext",
    "PaymentNoticeContext",
    "PdfConversionError",
    "PdfError",
    "PdfUnavailable",
    "PlannedApproval",
    "ProgressReportContext",
    "ProgressRow",
    "ProjectFacts",
    "RankedPerson",
    "RankedWindow",
    "RankingBulletinContext",
    "RefusalKind",
    "RefusalNoticeContext",
    "RegistrationFormContext",
    "RenderError",
    "Scope",
    "SpecialProcedureNoticeContext",
    "SupervisionNoticeContext",
    "TemplateSpec",
    "TerminationNoticeContext",
    "TransmittalApproval",
    "TransmittalFile",
    "TransmittalListContext",
    "application_form_code",
    "builtin_template_bytes",
    "cn_date",
    "get_spec",
    "lint",
    "missing_fields",
    "pdf_available",
    "render",
    "to_pdf",
]

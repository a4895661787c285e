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
from documents.pdf import PdfConversionError, PdfError, PdfUnavailable, pdf_available, to_pdf
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
    "ApplicationFormContext",
    "ApplicationFormSpec",
    "AuthorizationLetterContext",
    "CenterFacts",
    "CompletedItem",
    "CompletionNoticeContext",
    "EnterpriseFacts",
    "LintProblem",
    "MissingMaterial",
    "OneTimeNoticeContext",
    "PaperContext",
    "PdfConversionError",
    "PdfError",
    "PdfUnavailable",
    "PlannedApproval",
    "ProgressReportContext",
    "ProgressRow",
    "ProjectFacts",
    "RefusalKind",
    "RefusalNoticeContext",
    "RegistrationFormContext",
    "RenderError",
    "Scope",
    "SupervisionNoticeContext",
    "TemplateSpec",
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

"""Imports every model module so the metadata Alembic and the tests see is complete."""

from agency.accounts import models as accounts_models
from agency.approvals import models as approval_models
from agency.audit import models as audit_models
from agency.bundles import models as bundle_models
from agency.calendar import models as calendar_models
from agency.catalog import models as catalog_models
from agency.coordination import models as coordination_models
from agency.db import sequences
from agency.db.base import Base
from agency.documents import models as document_models
from agency.enterprises import models as enterprise_models
from agency.escalation import models as escalation_models
from agency.evaluations import models as evaluation_models
from agency.fees import models as fee_models
from agency.files import models as file_models
from agency.jobs import models as job_models
from agency.notifications import models as notification_models
from agency.obligations import models as obligation_models
from agency.projects import models as project_models
from agency.reports import models as report_models
from agency.sites import models as site_models
from agency.sync import models as sync_models
from agency.violations import models as violation_models

__all__ = [
    "Base",
    "accounts_models",
    "approval_models",
    "audit_models",
    "bundle_models",
    "calendar_models",
    "catalog_models",
    "coordination_models",
    "document_models",
    "enterprise_models",
    "escalation_models",
    "evaluation_models",
    "fee_models",
    "file_models",
    "job_models",
    "notification_models",
    "obligation_models",
    "project_models",
    "report_models",
    "sequences",
    "site_models",
    "sync_models",
    "violation_models",
]

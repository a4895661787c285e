"""Imports every model module so the metadata Alembic and the tests see is complete."""

from agency.accounts import models as accounts_models
from agency.audit import models as audit_models
from agency.calendar import models as calendar_models
from agency.catalog import models as catalog_models
from agency.db.base import Base
from agency.enterprises import models as enterprise_models
from agency.projects import models as project_models

__all__ = ["Base", "accounts_models", "audit_models", "calendar_models", "catalog_models", "enterprise_models",
           "project_models"]

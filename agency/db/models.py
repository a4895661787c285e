"""Imports every model module so the metadata Alembic and the tests see is complete."""

from agency.accounts import models as accounts_models
from agency.audit import models as audit_models
from agency.db.base import Base

__all__ = ["Base", "accounts_models", "audit_models"]

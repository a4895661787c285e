from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime


class Document(Base):
    """A generated paper: which template (and version) it came from, what it was filled with, its file."""

    __tablename__ = "documents"

    id: Mapped[IntPK]
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id"), index=True)
    approval_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("approvals.id"))
    template_code: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int]
    doc_number: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    context: Mapped[dict[str, Any]] = mapped_column(JSONType)
    file_id: Mapped[int] = mapped_column(IdType, ForeignKey("files.id"))
    created_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentTemplate(Base):
    """A template version an administrator uploaded; version 0 of every code is the built-in one."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    uploaded_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

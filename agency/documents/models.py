from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from agency.access import Actor, Role, Visibility
from agency.db.base import Base, IdType, IntPK, JSONType, UTCDateTime
from agency.documents.rules import issued_to_enterprise
from agency.files.models import StoredFile


class Document(Base):
    """A generated paper: which template (and version) it came from, what it was filled with, its file."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_subject", "subject_type", "subject_id"),)

    id: Mapped[IntPK]
    # Null for the center's own papers of no dossier (the monthly 通报): leaders and administrators read them.
    project_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("projects.id"), index=True)
    approval_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("approvals.id"))
    template_code: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int]
    doc_number: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    context: Mapped[dict[str, Any]] = mapped_column(JSONType)
    file_id: Mapped[int] = mapped_column(IdType, ForeignKey("files.id"))
    # A paper issued as DOCX: its sealed PDF, made and kept the first time someone asks for it as PDF
    # (agency/documents/pdf_copies.py); its digest is ``sha256_pdf``.
    pdf_file_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("files.id"))
    created_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What anyone can check at /verify/{code} (agency/documents/verify.py); null on papers made before it.
    verification_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    issuer: Mapped[str | None] = mapped_column(String(200))
    sha256_docx: Mapped[str | None] = mapped_column(String(64))
    sha256_pdf: Mapped[str | None] = mapped_column(String(64))  # of the sealed PDF; null until sealed / no PDF
    # A PDF is sealed by a job after the paper was stored: pending → ready, or failed (retried).
    status: Mapped[str] = mapped_column(String(12), default="ready")
    seal_certificate: Mapped[bytes | None] = mapped_column(LargeBinary)  # DER: checked against it, key rotated or not
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    # What the paper is about when that is not the project or one approval: a fee line (缴款通知书), a meeting
    # (会议纪要), a coordination problem (督办通知单 on a problem). Null for the others.
    subject_type: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(IdType)


class DocumentRecipient(Base):
    """A department a paper is sent to beyond its own approvals' papers (the departments named in a meeting's
    minutes, the department responsible for a supervised problem): it lists and reads that paper."""

    __tablename__ = "document_recipients"

    document_id: Mapped[int] = mapped_column(IdType, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), primary_key=True,
                                                 index=True)


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


def _papers_an_enterprise_reads(actor: Actor) -> ColumnElement[bool]:
    """Among the files of its dossiers, an enterprise reads the papers issued to it, not the internal ones
    (督办通知单, 材料移交清单: agency/documents/rules.py)."""
    if actor.role is not Role.ENTERPRISE:
        return true()
    internal = ~issued_to_enterprise(Document.template_code)
    return and_(StoredFile.id.not_in(select(Document.file_id).where(internal)),
                StoredFile.id.not_in(select(Document.pdf_file_id).where(internal, Document.pdf_file_id.is_not(None))))


def _papers_sent_to_a_department(actor: Actor) -> ColumnElement[bool]:
    """A department reads the papers sent to it (DocumentRecipient), whether or not of its own approvals."""
    if actor.role is not Role.DEPARTMENT or actor.department_code is None:
        return false()
    sent = select(DocumentRecipient.document_id).where(DocumentRecipient.department_code == actor.department_code)
    return or_(StoredFile.id.in_(select(Document.file_id).where(Document.id.in_(sent))),
               StoredFile.id.in_(select(Document.pdf_file_id).where(Document.id.in_(sent))))


def _center_papers_to_leaders(actor: Actor) -> ColumnElement[bool]:
    """The center's own papers of no dossier (the monthly 通报) are read by leaders and administrators only."""
    if actor.role in (Role.ADMIN, Role.LEADER):
        return true()
    return or_(StoredFile.project_id.is_not(None), StoredFile.kind != "document")


Visibility.restrict(StoredFile, "internal_papers", _papers_an_enterprise_reads)
Visibility.restrict(StoredFile, "center_papers", _center_papers_to_leaders)
Visibility.extend(StoredFile, "papers_sent", _papers_sent_to_a_department)

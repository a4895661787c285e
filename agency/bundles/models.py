from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, UTCDateTime


class Bundle(Base):
    """报送批次: approvals of one project sent together to one department, with exact file versions."""

    __tablename__ = "bundles"
    __table_args__ = (CheckConstraint("status IN ('sent','received')", name="status"),)

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="sent", index=True)
    kind: Mapped[str] = mapped_column(String(16), default="submission")  # submission | resubmission
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_on: Mapped[date | None]
    received_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    transmittal_file_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("files.id"))
    # Set when a file no longer matches its sha256 while the archive is streamed: never sent silently.
    integrity_problem: Mapped[str | None] = mapped_column(Text)


class BundleFile(Base):
    __tablename__ = "bundle_files"

    bundle_id: Mapped[int] = mapped_column(IdType, ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True)
    file_id: Mapped[int] = mapped_column(IdType, ForeignKey("files.id"), primary_key=True)
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id"), index=True)
    material_code: Mapped[str] = mapped_column(String(64))


class BundleApproval(Base):
    __tablename__ = "bundle_approvals"

    bundle_id: Mapped[int] = mapped_column(IdType, ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True)
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id"), primary_key=True, index=True)

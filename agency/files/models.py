from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, UTCDateTime

# Where a scan stands in its material (agency/approvals/materials.py): in the current set, which goes out
# with a bundle; replaced (an older version, before materials held sets) or withdrawn, kept in the history;
# uploaded by the enterprise and waiting for the clerk's review, or sent back by him.
FILE_STATES = ("current", "replaced", "withdrawn", "pending", "returned")


class StoredFile(Base):
    """An immutable object in storage: a scan of one material of one approval, a decision document, or a
    generated paper.

    A new upload is a new row (``version`` counts per approval and material); nothing is overwritten and
    nothing is deleted: a withdrawn scan keeps its row, with who withdrew it, when and why.
    """

    __tablename__ = "files"
    __table_args__ = (
        UniqueConstraint("approval_id", "material_code", "version"),
        Index("ix_files_material", "approval_id", "material_code"),
        CheckConstraint("state IN ('current','replaced','withdrawn','pending','returned')", name="state"),
    )

    id: Mapped[IntPK]
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    project_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("projects.id", ondelete="RESTRICT"),
                                                   index=True)
    approval_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="RESTRICT"))
    material_code: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(16), default="scan")  # scan | document
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12), default="current")
    changed_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    change_reason: Mapped[str | None] = mapped_column(Text)

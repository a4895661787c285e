"""The catalog as imported, version by version: departments, items and routes.

An import never edits rows a dossier may point at: it adds a new version with its own item and
route rows, so a project keeps exactly the item and route definitions it was opened with.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, JSONType, TimestampMixin, UTCDateTime


class CatalogVersion(Base):
    __tablename__ = "catalog_versions"

    id: Mapped[IntPK]
    version: Mapped[str] = mapped_column(String(32))
    effective_from: Mapped[date]
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(64))
    source_sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType)


class Department(TimestampMixin, Base):
    """Departments are current state (name, mode, contacts), not versioned like items."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(8))
    contacts: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # An administrative organ (行政机关), or a public-service enterprise (供电, 供水, 燃气, 通信): a utility's
    # refusal carries no reconsideration or litigation rights, and 第三十二条's deemed acceptance binds organs only.
    kind: Mapped[str] = mapped_column(String(12), default="authority")
    # Where its refusals may be appealed (行政复议机关, 人民法院); none: the center's settings.
    reconsideration_body: Mapped[str | None] = mapped_column(String(100))
    court: Mapped[str | None] = mapped_column(String(100))
    # The prefix of its own papers' numbers (嵩发改告 → 嵩发改告〔2026〕3号); none: its name and 告.
    doc_prefix: Mapped[str | None] = mapped_column(String(32))


class CatalogItem(Base):
    __tablename__ = "catalog_items"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[IntPK]
    version_id: Mapped[int] = mapped_column(IdType, ForeignKey("catalog_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    # The whole item as imported (nine elements, limits, materials, rules): one msgspec-converted dict.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)


class Route(Base):
    __tablename__ = "routes"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[IntPK]
    version_id: Mapped[int] = mapped_column(IdType, ForeignKey("catalog_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)

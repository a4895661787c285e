from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base, IdType, IntPK, TimestampMixin


class Enterprise(TimestampMixin, Base):
    __tablename__ = "enterprises"

    id: Mapped[IntPK]
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    legal_representative: Mapped[str] = mapped_column(String(64))
    contact_name: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(300))
    park: Mapped[str] = mapped_column(String(100), default="")
    key_enterprise: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(IdType)
    # The site whose clerk registered it (agency.sites); None: before sites were kept, or the center's.
    site_code: Mapped[str | None] = mapped_column(String(32), ForeignKey("sites.code"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

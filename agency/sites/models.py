"""The county's service sites: the center, its sub-centers (分中心) and the township service halls
(乡镇便民服务大厅). Users belong to a site (``users.site_code``)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from agency.db.base import Base

KINDS = ("center", "sub_center", "township_hall")
KIND_WORDS = {"center": "县政务服务中心", "sub_center": "分中心", "township_hall": "乡镇便民服务大厅"}


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (CheckConstraint("kind IN ('center', 'sub_center', 'township_hall')", name="kind"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))

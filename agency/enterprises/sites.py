"""Which enterprises are a service site's: registered there, or owning a dossier the site holds (an enterprise
list's ``site_code=``). The dossiers and the sites are read by table name: agency.projects and agency.sites
sit above this package (a dossier belongs to an enterprise)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, column, exists, or_, select, table

from agency.enterprises.models import Enterprise

_sites = table("sites", column("code"), column("kind"))
_projects = table("projects", column("enterprise_id"), column("site_code"))


def _unsited_or(site_column: Any, site_code: str) -> ColumnElement[bool]:
    """``site_column`` is the site, or none while the site is the center (kept before sites were)."""
    center = exists(select(_sites.c.code).where(_sites.c.code == site_code, _sites.c.kind == "center"))
    return or_(site_column == site_code, and_(site_column.is_(None), center))


def on_site(site_code: str) -> ColumnElement[bool]:
    held = select(_projects.c.enterprise_id).where(_unsited_or(_projects.c.site_code, site_code))
    return or_(_unsited_or(Enterprise.site_code, site_code), Enterprise.id.in_(held))

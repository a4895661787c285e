"""Importing the catalog (all-or-nothing, a new version each time) and reading the current one."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.audit import service as audit
from agency.catalog import yaml_format
from agency.catalog.models import CatalogItem, CatalogVersion, Department, Route
from agency.errors import Invalid, NotFound


def _problems_extra(error: yaml_format.CatalogError) -> list[dict[str, Any]]:
    return [{"field": f"{p.where} {p.field}".strip(), "message": p.message, "line": p.line} for p in error.problems]


def parse(text: str) -> yaml_format.CatalogFile:
    try:
        return yaml_format.load_catalog(text)
    except yaml_format.CatalogError as error:
        first = error.problems[0] if error.problems else None
        detail = f"目录文件有 {len(error.problems)} 处错误，未导入任何内容；第一处：{first}" if first else str(error)
        raise Invalid(detail, extra=_problems_extra(error)) from None


async def current_version(session: AsyncSession) -> CatalogVersion | None:
    return (await session.execute(
        select(CatalogVersion).order_by(CatalogVersion.id.desc()).limit(1))).scalar_one_or_none()


async def import_catalog(session: AsyncSession, actor: Actor, text: str) -> dict[str, Any]:
    """Adds a new catalog version; items and routes of older versions stay for the dossiers using them."""
    actor.require(Role.ADMIN)
    catalog = parse(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    previous = await current_version(session)
    if previous is not None and previous.source_sha256 == digest:
        # The summary describes this import, which changes nothing: not the previous one's diff.
        return {"version": previous.version, "unchanged": True, **await _nothing_changed(session, previous)}
    old_items: dict[str, dict[str, Any]] = {}
    old_routes: dict[str, dict[str, Any]] = {}
    if previous is not None:
        old_items = {i.code: i.definition for i in (await session.execute(
            select(CatalogItem).where(CatalogItem.version_id == previous.id))).scalars()}
        old_routes = {r.code: r.definition for r in (await session.execute(
            select(Route).where(Route.version_id == previous.id))).scalars()}
    departments = await _upsert_departments(session, catalog)
    version = CatalogVersion(version=catalog.version, effective_from=catalog.effective_from,
                             imported_at=datetime.now(UTC), imported_by=actor.username, source_sha256=digest,
                             summary={})
    session.add(version)
    await session.flush()
    items = {item.code: msgspec.to_builtins(item) for item in catalog.items}
    routes = {route.code: msgspec.to_builtins(route) for route in catalog.routes}
    session.add_all(CatalogItem(version_id=version.id, code=item.code, name=item.name,
                                department_code=item.department, stage=item.stage, kind=item.kind,
                                definition=items[item.code]) for item in catalog.items)
    session.add_all(Route(version_id=version.id, code=route.code, name=route.name, definition=routes[route.code])
                    for route in catalog.routes)
    version.summary = {
        "departments": departments,
        "items": _diff(old_items, items),
        "routes": _diff(old_routes, routes),
    }
    await session.flush()
    await audit.record(session, actor, "catalog.import", "catalog_version", version.id,
                       after={"version": catalog.version, "sha256": digest, **version.summary})
    return {"version": version.version, "unchanged": False, **version.summary}


async def _nothing_changed(session: AsyncSession, version: CatalogVersion) -> dict[str, Any]:
    items = (await session.execute(select(CatalogItem.code).where(CatalogItem.version_id == version.id))).scalars()
    routes = (await session.execute(select(Route.code).where(Route.version_id == version.id))).scalars()
    return {
        "departments": {"added": [], "changed": []},
        "items": {"added": [], "changed": [], "removed": [], "unchanged": sorted(items)},
        "routes": {"added": [], "changed": [], "removed": [], "unchanged": sorted(routes)},
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "added": sorted(set(new) - set(old)),
        "changed": sorted(code for code in set(new) & set(old) if new[code] != old[code]),
        "removed": sorted(set(old) - set(new)),
        "unchanged": sorted(code for code in set(new) & set(old) if new[code] == old[code]),
    }


async def _upsert_departments(session: AsyncSession, catalog: yaml_format.CatalogFile) -> dict[str, list[str]]:
    existing = {d.code: d for d in (await session.execute(select(Department))).scalars()}
    added, changed = [], []
    for dept in catalog.departments:
        contacts = msgspec.to_builtins(dept.contacts)
        row = existing.get(dept.code)
        if row is None:
            session.add(Department(code=dept.code, name=dept.name, mode=dept.mode, contacts=contacts))
            added.append(dept.code)
        elif (row.name, row.mode, row.contacts) != (dept.name, dept.mode, contacts):
            row.name, row.mode, row.contacts = dept.name, dept.mode, contacts
            changed.append(dept.code)
    await session.flush()
    return {"added": added, "changed": changed}


CONTACT_LEVELS = {"chief_representative": "首席代表（黄牌）", "leader_in_charge": "分管领导（红牌）",
                  "main_leader": "主要领导（督办 L3）"}
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,24}$")


async def update_department(session: AsyncSession, actor: Actor, code: str, *, name: str, mode: str,
                            contacts: dict[str, dict[str, str]]) -> Department:
    """The admin keeps a department's name, mode and escalation contacts current between catalog imports."""
    actor.require(Role.ADMIN)
    department = await get_department(session, code)
    if not 1 <= len(name.strip()) <= 100:
        raise Invalid("部门名称须为 1–100 个字（name is required）", field="name")
    if mode not in ("online", "offline"):
        raise Invalid("办理方式须为 online 或 offline（mode）", field="mode")
    cleaned: dict[str, dict[str, str]] = {}
    for level in CONTACT_LEVELS:
        contact = contacts.get(level) or {}
        person, phone = (contact.get("name") or "").strip(), (contact.get("phone") or "").strip()
        if not person or not _PHONE.match(phone):
            raise Invalid(f"{CONTACT_LEVELS[level]}须填写姓名和有效电话（{level} needs a name and a phone）",
                          field=f"contacts.{level}")
        cleaned[level] = {"name": person[:64], "phone": phone} | (
            {"email": contact["email"]} if contact.get("email") else {})
    before = {"name": department.name, "mode": department.mode, "contacts": department.contacts}
    department.name, department.mode, department.contacts = name.strip(), mode, cleaned
    await session.flush()
    await audit.record(session, actor, "department.update", "department", code, before=before,
                       after={"name": department.name, "mode": mode, "contacts": cleaned})
    return department


async def list_departments(session: AsyncSession) -> list[Department]:
    return list((await session.execute(select(Department).order_by(Department.code))).scalars())


async def get_department(session: AsyncSession, code: str) -> Department:
    department = await session.get(Department, code)
    if department is None:
        raise NotFound(f"部门 {code} 不存在（unknown department）")
    return department


async def current_items(session: AsyncSession) -> list[CatalogItem]:
    version = await current_version(session)
    if version is None:
        return []
    return list((await session.execute(
        select(CatalogItem).where(CatalogItem.version_id == version.id).order_by(CatalogItem.id))).scalars())


async def current_routes(session: AsyncSession) -> list[Route]:
    version = await current_version(session)
    if version is None:
        return []
    return list((await session.execute(
        select(Route).where(Route.version_id == version.id).order_by(Route.id))).scalars())


async def current_item(session: AsyncSession, code: str, *, field: str = "item_code") -> CatalogItem:
    version_id = select(func.max(CatalogVersion.id)).scalar_subquery()
    item = (await session.execute(select(CatalogItem).where(
        CatalogItem.version_id == version_id, CatalogItem.code == code))).scalar_one_or_none()
    if item is None:
        raise Invalid(f"事项 {code} 不在现行目录中（unknown catalog item）", field=field)
    return item


async def current_route(session: AsyncSession, code: str) -> Route:
    version_id = select(func.max(CatalogVersion.id)).scalar_subquery()
    route = (await session.execute(select(Route).where(
        Route.version_id == version_id, Route.code == code))).scalar_one_or_none()
    if route is None:
        raise Invalid(f"审批路线 {code} 不存在（unknown route）", field="route_code")
    return route

"""Importing the catalog (all-or-nothing, a new version each time) and reading the current one."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.audit import service as audit
from agency.catalog import changes, export, format_model, yaml_format
from agency.catalog.models import CatalogItem, CatalogVersion, Department, Route
from agency.errors import Conflict, Invalid, NotFound


def _problems_extra(error: yaml_format.CatalogError) -> list[dict[str, Any]]:
    """Each problem for the API: the field inside its element, the element (where, code), the line, and the
    whole sentence as the admin reads it (第 12 行，事项 xmba 的字段 promised_limit：…)."""
    return [{"field": p.field, "where": p.where, "code": p.code, "line": p.line, "message": p.message,
             "text": str(p)} for p in error.problems]


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


class _Plan(msgspec.Struct, kw_only=True):
    """What importing a file would do: its rows, and its differences from the current version."""

    catalog: yaml_format.CatalogFile
    digest: str
    previous: CatalogVersion | None
    items: dict[str, dict[str, Any]]
    routes: dict[str, dict[str, Any]]
    summary: dict[str, Any]
    unchanged: bool
    # What the preview shows beside the codes: the current definitions, to say what a change was before.
    before: dict[str, dict[str, dict[str, Any]]]


async def _plan(session: AsyncSession, text: str) -> _Plan:
    catalog = parse(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    previous = await current_version(session)
    old_items: dict[str, dict[str, Any]] = {}
    old_routes: dict[str, dict[str, Any]] = {}
    if previous is not None:
        old_items = {i.code: i.definition for i in (await session.execute(
            select(CatalogItem).where(CatalogItem.version_id == previous.id))).scalars()}
        old_routes = {r.code: r.definition for r in (await session.execute(
            select(Route).where(Route.version_id == previous.id))).scalars()}
    items = {item.code: msgspec.to_builtins(item) for item in catalog.items}
    routes = {route.code: msgspec.to_builtins(route) for route in catalog.routes}
    rows = {d.code: {key: getattr(d, key) for key in changes.DEPARTMENT_FIELDS}
            for d in (await session.execute(select(Department))).scalars()}
    departments, department_fields = changes.department_changes(
        rows, [msgspec.to_builtins(d) for d in catalog.departments])
    summary = {
        "departments": departments,
        "items": changes.diff(old_items, items),
        "routes": changes.diff(old_routes, routes),
        "changed_fields": {"items": changes.changed_fields(old_items, items),
                           "routes": changes.changed_fields(old_routes, routes),
                           "departments": department_fields},
        "unchecked_citations": _unchecked(catalog),
    }
    # The same text, or the same content in other words (the downloaded catalog, re-imported): no new version.
    unchanged = previous is not None and (previous.source_sha256 == digest or (
        previous.version == catalog.version and previous.effective_from == catalog.effective_from
        and items == old_items and routes == old_routes and not departments["added"] and not departments["changed"]))
    departments_now = {d["code"]: changes.department_values(d) for d in map(msgspec.to_builtins, catalog.departments)}
    return _Plan(catalog=catalog, digest=digest, previous=previous, items=items, routes=routes, summary=summary,
                 unchanged=unchanged, before={"items": old_items, "routes": old_routes, "departments": rows,
                                              "departments_new": departments_now})


async def preview_import(session: AsyncSession, actor: Actor, text: str) -> dict[str, Any]:
    """The dry run: what importing ``text`` would add, change (and in which fields) and remove; writes nothing.
    A broken file is refused exactly as the import refuses it (422 listing every problem)."""
    actor.require(Role.ADMIN)
    plan = await _plan(session, text)
    previous = plan.previous
    new = {"items": plan.items, "routes": plan.routes, "departments": plan.before["departments_new"]}
    fields = plan.summary["changed_fields"]
    details = {kind: {code: [{"field": f, "before": plan.before[kind][code].get(f), "after": new[kind][code].get(f)}
                             for f in changed] for code, changed in fields[kind].items()} for kind in fields}
    names = {kind: {code: str(d.get("name", code)) for code, d in (plan.before[kind] | new[kind]).items()}
             for kind in ("items", "routes", "departments")}
    return {"version": plan.catalog.version, "unchanged": plan.unchanged, "dry_run": True,
            "current_version": previous.version if previous else None, "sha256": plan.digest,
            "effective_from": plan.catalog.effective_from.isoformat(), **plan.summary, "details": details,
            "names": names}


async def import_catalog(session: AsyncSession, actor: Actor, text: str, *,
                         previewed_against: int | None = None) -> dict[str, Any]:
    """Adds a new catalog version; items and routes of older versions stay for the dossiers using them.

    ``previewed_against``: the id of the current version (0: none) when the admin saw the diff; if another
    import came in between, the diff he confirmed is not what this import would do, so it is refused (409)."""
    actor.require(Role.ADMIN)
    plan = await _plan(session, text)
    catalog, previous = plan.catalog, plan.previous
    if previewed_against is not None and (previous.id if previous else 0) != previewed_against:
        raise Conflict("预览之后现行目录已被更新，差异已不同，请重新预览后再确认（catalog changed since the preview）",
                       field="previewed_against")
    if plan.unchanged and previous is not None:
        # The summary describes this import, which changes nothing: not the previous one's diff.
        return {"version": previous.version, "unchanged": True, **await _nothing_changed(session, previous),
                "unchecked_citations": plan.summary["unchecked_citations"]}
    await _upsert_departments(session, catalog)
    version = CatalogVersion(version=catalog.version, effective_from=catalog.effective_from,
                             imported_at=timeutil.now(), imported_by=actor.username, source_sha256=plan.digest,
                             summary={})
    session.add(version)
    await session.flush()
    session.add_all(CatalogItem(version_id=version.id, code=item.code, name=item.name,
                                department_code=item.department, stage=item.stage, kind=item.kind,
                                definition=plan.items[item.code]) for item in catalog.items)
    session.add_all(Route(version_id=version.id, code=route.code, name=route.name,
                          definition=plan.routes[route.code]) for route in catalog.routes)
    version.summary = plan.summary
    await session.flush()
    await audit.record(session, actor, "catalog.import", "catalog_version", version.id,
                       after={"version": catalog.version, "sha256": plan.digest, **version.summary})
    return {"version": version.version, "unchanged": False, **version.summary}


def _unchecked(catalog: yaml_format.CatalogFile) -> list[dict[str, str]]:
    """What nobody has compared with the law's text yet: the import says so every time."""
    return [{"item": item.code, "cite": c.cite} for item in catalog.items for c in item.citations if not c.checked]


async def _nothing_changed(session: AsyncSession, version: CatalogVersion) -> dict[str, Any]:
    items = (await session.execute(select(CatalogItem.code).where(CatalogItem.version_id == version.id))).scalars()
    routes = (await session.execute(select(Route.code).where(Route.version_id == version.id))).scalars()
    return {
        "departments": {"added": [], "changed": []},
        "items": {"added": [], "changed": [], "removed": [], "unchanged": sorted(items)},
        "routes": {"added": [], "changed": [], "removed": [], "unchanged": sorted(routes)},
        "changed_fields": {"items": {}, "routes": {}, "departments": {}},
    }


async def _upsert_departments(session: AsyncSession, catalog: yaml_format.CatalogFile) -> None:
    existing = {d.code: d for d in (await session.execute(select(Department))).scalars()}
    for dept in catalog.departments:
        values = changes.department_values(msgspec.to_builtins(dept))
        row = existing.get(dept.code)
        if row is None:
            session.add(Department(code=dept.code, **values))
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
    await session.flush()


async def current_catalog(session: AsyncSession, actor: Actor) -> tuple[CatalogVersion, yaml_format.CatalogFile]:
    """The current version as one CatalogFile: its items and routes, and the departments as they stand now
    (contacts kept on the departments page included)."""
    actor.require(Role.ADMIN)
    version = await current_version(session)
    if version is None:
        raise NotFound("尚未导入事项目录（no catalog imported yet）")
    items = [msgspec.convert(i.definition, format_model.Item) for i in await current_items(session)]
    routes = [msgspec.convert(r.definition, format_model.Route) for r in await current_routes(session)]
    used = list(dict.fromkeys(item.department for item in items))
    rows = sorted(await list_departments(session), key=lambda d: (used.index(d.code) if d.code in used else 1 << 20))
    departments = []
    for d in rows:
        try:
            departments.append(msgspec.convert({"code": d.code, **changes.department_values(
                {key: getattr(d, key) for key in changes.DEPARTMENT_FIELDS})}, format_model.Department))
        except msgspec.ValidationError:
            # Kept on the departments page, not read from a file: e.g. an e-mail the format would refuse.
            raise Conflict(f"部门“{d.name}”的联系人信息不符合目录格式，请先在“部门与联系人”中修正"
                           "（department contacts do not fit the catalog format）", field="departments") from None
    return version, format_model.CatalogFile(version=version.version, effective_from=version.effective_from,
                                            departments=departments, items=items, routes=routes)


async def export_catalog(session: AsyncSession, actor: Actor) -> tuple[str, str]:
    """(file name, YAML text) of the current catalog; importing the text again changes nothing."""
    version, catalog = await current_catalog(session, actor)
    heading = (f"审批事项目录 {version.version}，{version.effective_from.isoformat()} 起施行。\n"
               f"由系统导出：{timeutil.now().astimezone(timeutil.CHINA):%Y-%m-%d %H:%M}。\n"
               "格式见 docs/catalog-format.md。\n"
               "修改后在“系统管理 → 事项目录”导入，导入前会先列出与现行版本的差异。")
    return f"事项目录-{version.version}.yaml", export.catalog_yaml(catalog, heading=heading)


CONTACT_LEVELS = {"chief_representative": "首席代表（黄牌）", "leader_in_charge": "分管领导（红牌）",
                  "main_leader": "主要领导（督办 L3）"}
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,24}$")


async def update_department(session: AsyncSession, actor: Actor, code: str, *, name: str, mode: str,
                            contacts: dict[str, dict[str, str]], doc_prefix: str | None = None) -> Department:
    """The admin keeps a department's name, mode and escalation contacts current between catalog imports."""
    actor.require(Role.ADMIN)
    department = await get_department(session, code)
    if not 1 <= len(name.strip()) <= 100:
        raise Invalid("部门名称须为 1–100 个字（name is required）", field="name")
    if mode not in ("online", "offline", "external"):
        raise Invalid("办理方式须为 online、offline 或 external（mode）", field="mode")
    cleaned: dict[str, dict[str, str]] = {}
    for level in CONTACT_LEVELS:
        contact = contacts.get(level) or {}
        person, phone = (contact.get("name") or "").strip(), (contact.get("phone") or "").strip()
        if not person or not _PHONE.match(phone):
            raise Invalid(f"{CONTACT_LEVELS[level]}须填写姓名和有效电话（{level} needs a name and a phone）",
                          field=f"contacts.{level}")
        cleaned[level] = {"name": person[:64], "phone": phone} | (
            {"email": contact["email"]} if contact.get("email") else {})
    before = {"name": department.name, "mode": department.mode, "contacts": department.contacts,
              "doc_prefix": department.doc_prefix}
    department.name, department.mode, department.contacts = name.strip(), mode, cleaned
    if doc_prefix is not None:  # its papers' number series; an empty one falls back to its name
        prefix = doc_prefix.strip()
        if len(prefix) > 32 or any(c in prefix for c in "〔〕") or any(c.isspace() for c in prefix):
            raise Invalid("文书编号前缀至多 32 个字，不含〔〕和空格（doc_prefix）", field="doc_prefix")
        department.doc_prefix = prefix or None
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

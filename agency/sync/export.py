"""A dossier's acts as the province's records ask for them (``format=gongai``): the office reports upward."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, get_visible
from agency.approvals.models import Approval
from agency.audit.models import AuditEvent
from agency.catalog.models import CatalogItem
from agency.errors import Conflict
from agency.projects.models import Project
from agency.sync.service import ACTIONS

_ACTS = {action: act for act, action in ACTIONS.items()}
_FIELDS = ("certificate_no", "reason", "missing_materials", "kind", "days")


async def export(session: AsyncSession, actor: Actor, project_id: int, system: str) -> list[dict[str, Any]]:
    """Every act taken on the dossier's approvals, oldest first, in the sync record format."""
    actor.require(Role.ADMIN, Role.CLERK, Role.LEADER)
    project = await get_visible(session, Project, project_id, actor, what="项目")
    if not project.investment_code:
        raise Conflict("项目尚未填写项目代码，不能按省工改系统格式导出（investment_code missing）",
                       field="investment_code")
    items = {a.id: (a.item_code, (d or {}).get("external_codes") or {}) for a, d in (await session.execute(
        select(Approval, CatalogItem.definition).join(CatalogItem, CatalogItem.id == Approval.catalog_item_id)
        .where(Approval.project_id == project.id))).all()}
    lines = (await session.execute(select(AuditEvent).where(
        AuditEvent.project_id == project.id, AuditEvent.object_type == "approval",
        AuditEvent.action.in_([f"approval.{a}" for a in _ACTS]), AuditEvent.result == "success")
        .order_by(AuditEvent.id))).scalars()
    records = []
    for line in lines:
        after = line.after or {}
        item = items.get(int(line.object_id or 0))
        if item is None or "effective_on" not in after:
            continue
        record: dict[str, Any] = {
            "source": "agency", "record_id": f"agency-{line.id}", "investment_code": project.investment_code,
            "item_external_code": item[1].get(system, item[0]), "act": _ACTS[line.action.removeprefix("approval.")],
            "effective_on": after["effective_on"], "officer": line.actor_username}
        record |= {k: after[k] for k in _FIELDS if after.get(k) is not None}
        if after.get("defects"):
            record["defects"] = [{"material_code": c, "defect": d} for c, d in after["defects"].items()]
        records.append(record)
    return records

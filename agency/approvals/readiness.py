"""What must be true before an approval moves on: its submission, its intake, its answer to a supplement."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.approvals import materials
from agency.approvals.models import Approval, ApprovalPrerequisite
from agency.approvals.rules import STATUS_NAMES
from agency.errors import Conflict, Invalid
from agency.files.models import StoredFile
from agency.projects.models import ProjectMilestone

EARLIEST = datetime.min.replace(tzinfo=UTC)


async def missing_for_submission(session: AsyncSession, approval: Approval) -> dict[str, list[str]]:
    """What stands between this approval and its submission; empty lists mean ready. ``materials`` names the
    required materials neither provided nor stood in for (a missing one the department may defer or obtain
    itself is decided at intake, not here)."""
    return (await _missing_and_views(session, approval))[0]


async def _missing_and_views(session: AsyncSession,
                             approval: Approval) -> tuple[dict[str, list[str]], list[materials.MaterialView]]:
    prerequisites = (await session.execute(
        select(Approval.item_code, Approval.name, Approval.status)
        .join(ApprovalPrerequisite, ApprovalPrerequisite.prerequisite_id == Approval.id)
        .where(ApprovalPrerequisite.approval_id == approval.id))).all()
    milestones = (await session.execute(select(ProjectMilestone).where(
        ProjectMilestone.project_id == approval.project_id,
        ProjectMilestone.code.in_(approval.waits_for_milestones or [""])))).scalars().all()
    views = await materials.views(session, approval)
    unmet = materials.unmet(views)
    return {
        "prerequisites": [f"{p.name}（{STATUS_NAMES[p.status]}）" for p in prerequisites if p.status != "approved"],
        "milestones": [m.name for m in milestones if m.done_on is None],
        "materials": [f"{u['name']}（{u['why']}）" for u in unmet],
    }, views


# The checks answer the material views they read: the action's answer shows the same, without reading them again.

async def check_ready(session: AsyncSession, approval: Approval) -> list[materials.MaterialView]:
    """Prerequisites or milestones not reached: a state of the dossier (409). Materials lacking: the request
    is not yet complete (422, each material with why)."""
    missing, views = await _missing_and_views(session, approval)
    order = (("prerequisites", "前置事项未办结"), ("milestones", "节点未完成"), ("materials", "缺少材料"))
    parts = [f"{label}：{'、'.join(missing[key])}" for key, label in order if missing[key]]
    if missing["prerequisites"] or missing["milestones"]:
        raise Conflict("尚不具备报送条件 — " + "；".join(parts) + "（not ready to submit）", extra=missing)
    if missing["materials"]:
        raise Invalid("尚不具备报送条件 — " + "；".join(parts) + "（materials missing）", extra=materials.unmet(views))
    return views


async def check_intake(session: AsyncSession, approval: Approval,
                       scan_kind: str) -> tuple[list[materials.MaterialView], list[StoredFile]]:
    """The department accepts a complete case: a missing material it may defer or obtain is decided first.
    Returns the views it checked and the approval's files of ``scan_kind`` (its answer shows both; one read)."""
    views, scans = await materials.views_and_scans(session, approval, scan_kind)
    unmet = materials.unmet(views, at_intake=True)
    if unmet:
        names = "、".join(f"{u['name']}（{u['why']}）" for u in unmet)
        raise Invalid(f"受理前须补齐或决定：{names}（materials undecided at intake）", extra=unmet)
    return views, scans


def unanswered_in(approval: Approval, views: list[materials.MaterialView]) -> list[str]:
    """The names of the materials the open one-time notice asked for and not yet answered since: a new file, or a
    decision. Empty when there is no open notice."""
    pending = approval.pending_supplement or {}
    asked = pending.get("missing_materials") or []
    if not asked:
        return []
    since = datetime.fromisoformat(pending["requested_at"]) if pending.get("requested_at") else EARLIEST
    answered = {v.code for v in views
                if v.code in asked and v.state != "missing" and materials.changed_since(v, since)}
    names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
    return [names.get(code, code) for code in asked if code not in answered]


async def unanswered(session: AsyncSession, approval: Approval) -> list[str]:
    return unanswered_in(approval, await materials.views(session, approval))


def require_supplied(approval: Approval, views: list[materials.MaterialView]) -> None:
    lacking = unanswered_in(approval, views)
    if lacking:
        raise Conflict(f"补正材料尚未上传：{'、'.join(lacking)}（supplement not yet uploaded）",
                       extra={"materials": lacking})


async def check_supplied(session: AsyncSession, approval: Approval) -> list[materials.MaterialView]:
    """Every material the one-time notice asked for has been answered since: a new file, or a decision."""
    views = await materials.views(session, approval)
    require_supplied(approval, views)
    return views

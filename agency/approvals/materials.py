"""The materials of an approval: what each holds, and what may stand in for its files.

A material's current content is a **set** of files (the pages of one scan, or several certificates):
every upload joins it, and every file of it goes out with a bundle. A wrong file is withdrawn, with
its reason: it leaves the set and stays in the history (nothing is deleted). Its **state** is
``provided`` (it has current files) or ``missing`` — or what was decided for it and the catalog
allows (reform-era intake, DOMAIN.md): ``deferred`` (容缺: accepted without it against a promised
date, until its file arrives), ``committed`` (告知承诺: a signed commitment replaces the proof),
``reused`` (a decision issued earlier in the dossier satisfies it), ``shared`` (the department
obtains it by data sharing), ``exempt`` (with the reason).

Who decides: ``deferred`` and ``shared`` are the department's (recorded by the clerk for an offline
department), at intake or later; ``committed``, ``reused`` and ``exempt`` the clerk's, while the
approval is still being prepared or answers a supplement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

import storage
from agency import timeutil
from agency.access import Actor, Role, get_visible
from agency.approvals import notices
from agency.approvals.models import Approval, MaterialState
from agency.approvals.rules import CLOSED_STATES
from agency.audit import service as audit
from agency.catalog.models import Department
from agency.errors import Conflict, Forbidden, Invalid, NotFound
from agency.files.models import StoredFile
from agency.files.service import MIME_OF
from agency.projects.handover import require_holder
from agency.projects.models import Project

# The states a decision sets, the catalog flag that allows each, and whose decision it is.
DECIDED = {"deferred": "deferrable", "committed": "commitment", "reused": "produced_by", "shared": "shareable",
           "exempt": "exemptible"}
DEPARTMENT_STATES = ("deferred", "shared")
CLERK_STATES = ("committed", "reused", "exempt")
STATE_NAMES = {"missing": "缺", "provided": "已提供", "deferred": "容缺（后补）", "committed": "告知承诺",
               "reused": "沿用已办证照", "shared": "共享获取", "exempt": "免于提交"}
HISTORY_STATES = ("replaced", "withdrawn", "returned")
# While an approval waits on the enterprise (being prepared, or answering a 一次性告知), it may upload.
ENTERPRISE_UPLOADS = ("planned", "preparing", "supplement_requested")


@dataclass(slots=True)
class MaterialView:
    """One material of one approval as its pages, its bundles and its papers show it."""

    spec: dict[str, Any]  # the catalog's material (code, name, required, copies, original, accepted_types, flags)
    state: str
    files: list[StoredFile] = field(default_factory=list)  # the current set
    pending: list[StoredFile] = field(default_factory=list)  # the enterprise's uploads awaiting review
    history: list[StoredFile] = field(default_factory=list)  # replaced, withdrawn or sent back
    decision: MaterialState | None = None

    @property
    def code(self) -> str:
        return str(self.spec["code"])

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    @property
    def required(self) -> bool:
        return bool(self.spec.get("required", True))


def state_of(current: Sequence[StoredFile], decision: MaterialState | None) -> str:
    """A deferral ends when the file arrives; every other decision stands beside the files it may have (the
    signed commitment of a ``committed`` material is its file)."""
    if decision is not None and not (decision.state == "deferred" and current):
        return decision.state
    return "provided" if current else "missing"


async def views(session: AsyncSession, approval: Approval) -> list[MaterialView]:
    """Every material of the approval, in the catalog's order: two statements."""
    return (await views_of(session, [approval]))[approval.id]


async def views_of(session: AsyncSession, approvals: Sequence[Approval]) -> dict[int, list[MaterialView]]:
    """The materials of several approvals at once (a portal page, a dossier): two statements in all."""
    return (await _read(session, approvals, None))[0]


async def views_and_scans(session: AsyncSession, approval: Approval,
                          scan_kind: str) -> tuple[list[MaterialView], list[StoredFile]]:
    """An approval's materials and its files of ``scan_kind`` (the decision scans), as an action's answer shows
    both: the one statement that reads the files reads those too."""
    views, scans = await _read(session, [approval], scan_kind)
    return views[approval.id], scans


_APPROVAL_IDS: BindParameter[list[int]] = bindparam("material_approval_ids", expanding=True)
_DECISIONS = select(MaterialState).where(MaterialState.approval_id.in_(_APPROVAL_IDS))


@lru_cache(maxsize=8)
def _files_statement(scan_kind: str | None) -> Select[tuple[StoredFile]]:
    """Built once per kind of scan (every action's answer reads it): the approvals' ids bound at execution."""
    wanted: ColumnElement[bool] = StoredFile.material_code.is_not(None)
    if scan_kind is not None:
        wanted = or_(wanted, and_(StoredFile.material_code.is_(None), StoredFile.kind == scan_kind))
    return (select(StoredFile).where(StoredFile.approval_id.in_(_APPROVAL_IDS), wanted)
            .order_by(StoredFile.approval_id, StoredFile.material_code, StoredFile.version, StoredFile.id))


async def _read(session: AsyncSession, approvals: Sequence[Approval],
                scan_kind: str | None) -> tuple[dict[int, list[MaterialView]], list[StoredFile]]:
    ids = {"material_approval_ids": [a.id for a in approvals] or [0]}
    read = (await session.execute(_files_statement(scan_kind), ids)).scalars().all()
    files = [f for f in read if f.material_code is not None]
    scans = [f for f in read if f.material_code is None]
    decisions = {(d.approval_id, d.material_code): d for d in (await session.execute(_DECISIONS, ids)).scalars()}
    result: dict[int, list[MaterialView]] = {}
    for approval in approvals:
        views = result.setdefault(approval.id, [])
        for spec in approval.snapshot.get("materials") or []:
            mine = [f for f in files if f.approval_id == approval.id and f.material_code == spec["code"]]
            current = [f for f in mine if f.state == "current"]
            decision = decisions.get((approval.id, spec["code"]))
            views.append(MaterialView(spec, state_of(current, decision), current,
                                      [f for f in mine if f.state == "pending"],
                                      [f for f in mine if f.state in HISTORY_STATES], decision))
    return result, sorted(scans, key=lambda f: f.id)


def unmet(materials: Sequence[MaterialView], *, at_intake: bool = False) -> list[dict[str, str]]:
    """The required materials that stand in the way, each with why. At submission a missing material the
    department may defer or obtain itself does not (it decides at intake); at intake it does."""
    problems = []
    for m in materials:
        if not m.required or m.state != "missing":
            continue
        if not at_intake and (m.spec.get("deferrable") or m.spec.get("shareable")):
            continue
        why = "缺少文件"
        if m.spec.get("deferrable") or m.spec.get("shareable"):
            why = "缺少文件：部门受理前须决定容缺受理或共享获取，或先补齐"
        elif m.spec.get("exemptible") or m.spec.get("commitment") or m.spec.get("produced_by"):
            allowed = [STATE_NAMES[s] for s, flag in DECIDED.items() if m.spec.get(flag)]
            why = f"缺少文件（可办理：{'、'.join(allowed)}）"
        problems.append({"field": "materials", "material_code": m.code, "name": m.name, "why": why})
    return problems


# ---- uploads ------------------------------------------------------------------------------------


async def approval_for_upload(session: AsyncSession, actor: Actor, approval_id: int,
                              material_code: str) -> tuple[Approval, dict[str, object]]:
    """The enterprise uploads too (网上办事), for its own approvals only (``get_visible``: 404 for another's);
    ``record_upload`` takes its file only while the approval waits on it (a page checks its CSRF token first)."""
    approval = await get_visible(session, Approval, approval_id, actor, what="审批事项")
    if actor.role not in (Role.CLERK, Role.ADMIN, Role.ENTERPRISE):
        raise Forbidden("材料扫描件由代办员或企业上传（only the agency clerk or the enterprise uploads scans）")
    await require_holder(session, actor, await session.get_one(Project, approval.project_id))
    material = next((m for m in approval.snapshot.get("materials") or [] if m["code"] == material_code), None)
    if material is None:
        raise NotFound(f"事项没有材料 {material_code}（unknown material）", field="material_code")
    if approval.status in CLOSED_STATES:
        raise Conflict("事项已办结或撤回，不能再上传材料（approval is closed）")
    return approval, material


def accepted_types(material: dict[str, object]) -> set[str]:
    return {MIME_OF[t] for t in material.get("accepted_types") or ["pdf"]}  # type: ignore[attr-defined]


async def record_upload(session: AsyncSession, actor: Actor, approval: Approval, material_code: str,
                        blob: storage.StoredBlob, filename: str) -> StoredFile:
    """The clerk's upload joins the material's current set (a new version number; nothing is replaced); the
    enterprise's waits in ``pending`` until the clerk reviews it (agency/approvals/material_review.py)."""
    # Serialise versions of one material: the approval row is the lock. It may have been closed while
    # the file was arriving (no transaction is held during the upload).
    status = (await session.execute(select(Approval.status).where(Approval.id == approval.id)
                                    .with_for_update())).scalar_one()
    if status in CLOSED_STATES:
        raise Conflict("事项已办结或撤回，不能再上传材料（approval is closed）")
    if actor.role is Role.ENTERPRISE and status not in ENTERPRISE_UPLOADS:
        raise Conflict("事项已报送部门办理，现在无需上传材料（the approval does not wait on the enterprise）")
    version = (await session.execute(select(func.coalesce(func.max(StoredFile.version), 0)).where(
        StoredFile.approval_id == approval.id, StoredFile.material_code == material_code))).scalar_one() + 1
    row = StoredFile(storage_key=blob.key, project_id=approval.project_id, approval_id=approval.id,
                     material_code=material_code, version=version, kind="scan", original_name=filename,
                     size=blob.size, sha256=blob.sha256, content_type=blob.content_type or "application/octet-stream",
                     uploaded_by=actor.user_id, uploaded_at=timeutil.now(),
                     state="pending" if actor.role is Role.ENTERPRISE else "current")
    session.add(row)
    await session.flush()
    await audit.record(session, actor, "file.upload", "file", row.id, project_id=approval.project_id, after={
        "approval_id": approval.id, "material_code": material_code, "version": version, "filename": filename,
        "size": blob.size, "sha256": blob.sha256, "content_type": row.content_type, "state": row.state})
    return row


async def withdraw(session: AsyncSession, actor: Actor, file_id: int, reason: str) -> StoredFile:
    """A wrong file leaves its material's current set, and stays in the history with who, when and why."""
    row = await get_visible(session, StoredFile, file_id, actor, what="文件")
    if row.approval_id is None or row.material_code is None or row.kind != "scan":
        raise Conflict("只能撤回事项材料的扫描件（only a material's scan can be withdrawn）")
    if actor.role not in (Role.CLERK, Role.ADMIN):
        raise Forbidden("材料由代办员撤回（only the agency clerk withdraws a file）")
    if row.state != "current":
        raise Conflict("该文件不在材料的当前文件中，无需撤回（not in the current set）")
    if len(reason.strip()) < 2:
        raise Invalid("须说明撤回原因（a reason is required）", field="reason")
    approval = (await session.execute(select(Approval).where(Approval.id == row.approval_id).with_for_update()
                                      )).scalar_one()
    if approval.status in CLOSED_STATES:
        raise Conflict("事项已办结或撤回，材料不能再变动（approval is closed）")
    row.state, row.changed_by, row.changed_at, row.change_reason = "withdrawn", actor.user_id, timeutil.now(), \
        reason.strip()
    await session.flush()
    await audit.record(session, actor, "file.withdraw", "file", row.id, project_id=row.project_id, after={
        "approval_id": row.approval_id, "material_code": row.material_code, "reason": row.change_reason})
    return row


# ---- decided states -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateChange:
    state: str
    promised_on: date | None = None
    reused_from_approval_id: int | None = None
    source: str | None = None
    reference: str | None = None
    reason: str | None = None


async def set_state(session: AsyncSession, actor: Actor, approval_id: int, material_code: str, change: StateChange,
                    today: date) -> MaterialView:
    """Records what stands in for a material (or, with ``missing``, takes a decision back)."""
    if actor.role not in (Role.CLERK, Role.DEPARTMENT, Role.ADMIN):
        raise Forbidden("材料状态由办理部门或代办员设置（only the department or the agency clerk）")
    approval = await get_visible(session, Approval, approval_id, actor, what="审批事项")
    await require_holder(session, actor, await session.get_one(Project, approval.project_id))
    spec = next((m for m in approval.snapshot.get("materials") or [] if m["code"] == material_code), None)
    if spec is None:
        raise NotFound(f"事项没有材料 {material_code}（unknown material）", field="material_code")
    state = change.state
    if state not in (*DECIDED, "missing"):
        raise Invalid(f"材料状态“{STATE_NAMES.get(state, state)}”不能直接设置（由文件决定）（state cannot be set）",
                      field="state")
    current = await session.get(MaterialState, (approval.id, material_code))
    deciding = state if state != "missing" else (current.state if current else None)
    if deciding is None:
        raise Conflict("该材料没有可撤销的状态（nothing to take back）", field="state")
    if state != "missing" and not spec.get(DECIDED[state]):
        raise Invalid(f"目录未允许该材料“{STATE_NAMES[state]}”（the catalog does not allow this state）", field="state")
    department = await session.get_one(Department, approval.department_code)
    _check_who(actor, deciding, approval, department)
    _check_when(deciding, approval)
    await session.execute(select(Approval.id).where(Approval.id == approval.id).with_for_update())
    before = _decision_dict(current)
    if state == "missing":
        await session.delete(current)
        decision = None
    else:
        decision = current or MaterialState(approval_id=approval.id, material_code=material_code)
        decision.state, decision.set_by, decision.set_at = state, actor.user_id, timeutil.now()
        decision.promised_on = decision.reused_from_approval_id = decision.source = decision.reference = None
        decision.reason = (change.reason or "").strip() or None
        await _fill(session, approval, spec, decision, change, today)
        session.add(decision)
    await session.flush()
    await audit.record(session, actor, "material.state", "approval", approval.id, project_id=approval.project_id,
                       before=before, after={"material_code": material_code, "state": state,
                                             **_decision_dict(decision)})
    if state == "committed":
        # 告知承诺书: the enterprise signs it, and its signed scan becomes the material's file.
        await notices.request_paper(session, actor, approval, "commitment_letter", today, action="material.state",
                                    facts={"material_code": material_code})
    return next(v for v in await views(session, approval) if v.code == material_code)


def decidable(actor: Actor, approval: Approval, department: Department, view: MaterialView) -> list[str]:
    """The states this actor may set for this material now (what a page offers): the same checks as set_state."""
    found = []
    for state, flag in DECIDED.items():
        if not view.spec.get(flag) or view.state == state:
            continue
        try:
            _check_who(actor, state, approval, department)
            _check_when(state, approval)
        except (Forbidden, Conflict):
            continue
        found.append(state)
    return found


async def reuse_candidates(session: AsyncSession, approval: Approval) -> dict[str, list[Approval]]:
    """Per material that another item of the dossier produces: the approved approvals of that item."""
    producers = {m["code"]: m["produced_by"] for m in approval.snapshot.get("materials") or [] if m.get("produced_by")}
    if not producers:
        return {}
    found = (await session.execute(select(Approval).where(
        Approval.project_id == approval.project_id, Approval.item_code.in_(set(producers.values())),
        Approval.status == "approved").order_by(Approval.id))).scalars().all()
    return {code: [a for a in found if a.item_code == item] for code, item in producers.items()}


def _check_who(actor: Actor, state: str, approval: Approval, department: Department) -> None:
    if actor.role is Role.ADMIN:
        return
    if state in DEPARTMENT_STATES:
        if actor.role is Role.DEPARTMENT and actor.department_code == approval.department_code:
            return
        if actor.role is Role.CLERK and department.mode == "offline":
            return
        raise Forbidden(f"“{STATE_NAMES[state]}”由办理部门决定（代办员仅为线下部门代录）（the department decides）")
    if actor.role is not Role.CLERK:
        raise Forbidden(f"“{STATE_NAMES[state]}”由代办员办理（the agency clerk records this）")


def _check_when(state: str, approval: Approval) -> None:
    if state in DEPARTMENT_STATES:
        allowed: tuple[str, ...] = ("submitted", "accepted", "supplement_requested", "suspended")
    else:
        allowed = ("planned", "preparing", "supplement_requested")
    if approval.status not in allowed:
        raise Conflict(f"事项当前状态下不能将材料设为“{STATE_NAMES[state]}”（not in this approval's state）",
                       extra={"status": approval.status})


async def _fill(session: AsyncSession, approval: Approval, spec: dict[str, Any], decision: MaterialState,
                change: StateChange, today: date) -> None:
    if decision.state == "deferred":
        if change.promised_on is None:
            raise Invalid("容缺受理须写明补交日期（promised_on is required）", field="promised_on")
        if change.promised_on < today:
            raise Invalid("补交日期不能早于今天（promised_on in the past）", field="promised_on")
        decision.promised_on = change.promised_on
    elif decision.state == "reused":
        source = None if change.reused_from_approval_id is None else await session.get(
            Approval, change.reused_from_approval_id)
        if source is None or source.project_id != approval.project_id or source.item_code != spec.get("produced_by"):
            raise Invalid("须选择本项目中出具该证照的事项（reused_from_approval_id must be the item that produces it）",
                          field="reused_from_approval_id")
        if source.status != "approved":
            raise Conflict("出具该证照的事项尚未办结（the producing approval is not approved）",
                           field="reused_from_approval_id")
        decision.reused_from_approval_id = source.id
    elif decision.state == "shared":
        if not (change.source or "").strip():
            raise Invalid("须写明共享获取的来源（source is required）", field="source")
        decision.source, decision.reference = change.source.strip(), (change.reference or "").strip() or None  # type: ignore[union-attr]
    elif decision.state == "exempt" and not decision.reason:
        raise Invalid("须说明免于提交的理由（reason is required）", field="reason")


def _decision_dict(decision: MaterialState | None) -> dict[str, Any]:
    if decision is None:
        return {}
    return {k: v for k, v in {
        "state": decision.state, "promised_on": decision.promised_on.isoformat() if decision.promised_on else None,
        "reused_from_approval_id": decision.reused_from_approval_id, "source": decision.source,
        "reference": decision.reference, "reason": decision.reason}.items() if v is not None}


def changed_since(view: MaterialView, since: datetime) -> bool:
    """Whether the material was answered after ``since`` (a supplement's request): a new current file, or a
    decision taken since."""
    if any(f.uploaded_at >= since for f in view.files):
        return True
    return view.decision is not None and view.decision.set_at >= since and view.state != "missing"

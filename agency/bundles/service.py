"""Bundles (报送批次): one click sends a department everything it needs for its approvals of a project.

All or nothing: every approval must be ready, or nothing is submitted and the answer lists what each
one lacks. In one transaction the approvals are submitted, the exact file versions pinned, the bundle
numbered BS-<year>-<seq> and the transmittal list (材料移交清单) generated.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.approvals import service as approvals
from agency.approvals.rules import STATUS_NAMES
from agency.approvals.schemas import ActionIn
from agency.audit import service as audit
from agency.bundles.models import Bundle, BundleApproval, BundleFile
from agency.catalog.models import Department
from agency.db.paging import paginate
from agency.db.sequences import next_value
from agency.documents import contexts
from agency.documents import service as papers_service
from agency.documents.service import Papers
from agency.errors import Conflict, Forbidden, Invalid
from agency.files.models import StoredFile
from agency.projects.models import Approval, Project


def _bundle_visibility(actor: Actor) -> ColumnElement[bool]:
    if actor.role in (Role.ADMIN, Role.LEADER):
        return true()
    if actor.role is Role.DEPARTMENT:
        return Bundle.department_code == actor.department_code
    if actor.role is Role.CLERK:
        return Bundle.project_id.in_(select(Project.id).where(Project.clerk_id == actor.user_id))
    if actor.enterprise_id is None:
        return false()
    return Bundle.project_id.in_(select(Project.id).where(Project.enterprise_id == actor.enterprise_id))


Visibility.register(Bundle, _bundle_visibility)


async def _pinned_files(session: AsyncSession, approval: Approval) -> list[contexts.PinnedFile]:
    """What the bundle carries for one approval: the newest version of each material, or after a
    supplement only the materials asked for, uploaded since the request (what changed)."""
    names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
    query = select(StoredFile).where(StoredFile.approval_id == approval.id, StoredFile.material_code.is_not(None))
    pending = approval.pending_supplement or {}
    if approval.status == "supplement_requested":
        query = query.where(StoredFile.material_code.in_(pending.get("missing_materials") or [""]))
        if pending.get("requested_at"):
            query = query.where(StoredFile.uploaded_at >= datetime.fromisoformat(pending["requested_at"]))
    newest: dict[str, StoredFile] = {}
    for row in (await session.execute(query.order_by(StoredFile.material_code, StoredFile.version))).scalars():
        newest[row.material_code or ""] = row
    return [contexts.PinnedFile(approval, row, names.get(code, code)) for code, row in sorted(newest.items())]


async def _problems(session: AsyncSession, approval: Approval) -> list[str]:
    if approval.status == "preparing":
        missing = await approvals.missing_for_submission(session, approval)
        return ([f"前置事项未办结：{'、'.join(missing['prerequisites'])}"] if missing["prerequisites"] else []) + \
            ([f"节点未完成：{'、'.join(missing['milestones'])}"] if missing["milestones"] else []) + \
            ([f"缺少材料：{'、'.join(missing['materials'])}"] if missing["materials"] else [])
    if approval.status == "supplement_requested":
        asked = set((approval.pending_supplement or {}).get("missing_materials") or [])
        supplied = {p.file.material_code for p in await _pinned_files(session, approval)}
        names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
        lacking = [names.get(c, c) for c in sorted(asked - supplied)]
        return [f"补正材料尚未上传：{'、'.join(lacking)}"] if lacking else []
    return [f"状态为“{STATUS_NAMES[approval.status]}”，不能报送（须先开始准备材料，或为待补正）"]


async def create(session: AsyncSession, actor: Actor, papers: Papers, project_id: int, approval_ids: list[int],
                 today: date) -> Bundle:
    actor.require(Role.CLERK)
    project = await get_visible(session, Project, project_id, actor, what="项目")
    wanted = list(dict.fromkeys(approval_ids))
    rows = list((await session.execute(select(Approval).where(Approval.id.in_(wanted or [0]),
                                                              Approval.project_id == project.id))).scalars())
    if not wanted or len(rows) != len(wanted):
        raise Invalid("须选择本项目的事项（approval_ids must be approvals of this project）", field="approval_ids")
    departments = {a.department_code for a in rows}
    if len(departments) != 1:
        raise Invalid("一个批次只能报送给一个部门（one department per bundle）", field="approval_ids")
    problems: list[tuple[Approval, list[str]]] = [(a, p) for a in rows if (p := await _problems(session, a))]
    if problems:
        raise Conflict("以下事项尚不具备报送条件，本批次未报送任何事项：" + "；".join(
            f"{a.name}（{'；'.join(p)}）" for a, p in problems),
            extra={"approvals": [{"approval_id": a.id, "name": a.name, "problems": p} for a, p in problems]})
    department_code = departments.pop()
    pinned = {a.id: await _pinned_files(session, a) for a in rows}
    resubmission = all(a.status == "supplement_requested" for a in rows)
    bundle = Bundle(code=f"BS-{today.year}-{await next_value(session, f'bundle:{today.year}'):04d}",
                    project_id=project.id, department_code=department_code, status="sent",
                    kind="resubmission" if resubmission else "submission", sent_at=datetime.now(UTC),
                    sent_by=actor.user_id)
    session.add(bundle)
    await session.flush()
    for approval in rows:
        action = "resubmit" if approval.status == "supplement_requested" else "submit"
        await approvals.act(session, actor, approval.id, ActionIn(action=action, version=approval.version), today)
        session.add(BundleApproval(bundle_id=bundle.id, approval_id=approval.id))
        session.add_all(BundleFile(bundle_id=bundle.id, file_id=p.file.id, approval_id=approval.id,
                                   material_code=p.file.material_code or "") for p in pinned[approval.id])
    dossier = await contexts.load_dossier(session, project, today)
    doc_number = await papers_service.next_doc_number(session, today)
    everything = [p for a in rows for p in pinned[a.id]]
    context = contexts.transmittal(dossier, papers.settings, doc_number, bundle.code, department_code, everything)
    document = await papers_service.render_and_store(session, actor, papers, project, None, "transmittal_list",
                                                     context, doc_number, name_suffix=f"-{bundle.code}")
    bundle.transmittal_file_id = document.file_id
    await session.flush()
    await audit.record(session, actor, "bundle.send", "bundle", bundle.id, project_id=project.id, after={
        "code": bundle.code, "department_code": department_code, "approvals": [a.id for a in rows],
        "files": [p.file.id for p in everything], "transmittal_file_id": document.file_id})
    return bundle


async def receive(session: AsyncSession, actor: Actor, bundle_id: int, effective_on: date | None,
                  today: date) -> Bundle:
    bundle = await get_visible(session, Bundle, bundle_id, actor, what="报送批次")
    department = await session.get_one(Department, bundle.department_code)
    if actor.role is Role.DEPARTMENT:
        if effective_on is not None:
            raise Invalid("部门人员签收时不填写生效日期（effective_on is for offline departments）",
                          field="effective_on")
    elif actor.role is Role.CLERK and department.mode == "offline":
        if effective_on is None:
            raise Invalid("代线下部门登记签收，须填写签收日期（effective_on is required）", field="effective_on")
        if effective_on > today or effective_on < bundle.sent_at.date():
            raise Invalid("签收日期须在报送日与今天之间（effective_on out of range）", field="effective_on")
    else:
        raise Forbidden("由接收部门签收（only the receiving department signs for a bundle）")
    if bundle.status != "sent":
        raise Conflict("该批次已签收（already received）")
    bundle.status, bundle.received_at = "received", datetime.now(UTC)
    bundle.received_on, bundle.received_by = effective_on or today, actor.user_id
    await session.flush()
    await audit.record(session, actor, "bundle.receive", "bundle", bundle.id, project_id=bundle.project_id,
                       after={"received_on": bundle.received_on.isoformat(), "recorded_for_offline": effective_on
                              is not None})
    return bundle


async def search(session: AsyncSession, actor: Actor, *, department_code: str | None, status: str | None,
                 project_id: int | None, page: int, page_size: int) -> tuple[list[Bundle], int]:
    query = visible(Bundle, actor)
    if department_code:
        query = query.where(Bundle.department_code == department_code)
    if status:
        query = query.where(Bundle.status == status)
    if project_id is not None:
        query = query.where(Bundle.project_id == project_id)
    return await paginate(session, query, order_by=Bundle.id.desc(), page=page, page_size=page_size)


async def contents(session: AsyncSession, bundle: Bundle) -> tuple[list[int], list[tuple[BundleFile, StoredFile,
                                                                                            Approval]]]:
    approval_ids = list((await session.execute(select(BundleApproval.approval_id).where(
        BundleApproval.bundle_id == bundle.id).order_by(BundleApproval.approval_id))).scalars())
    files = (await session.execute(
        select(BundleFile, StoredFile, Approval).join(StoredFile, StoredFile.id == BundleFile.file_id)
        .join(Approval, Approval.id == BundleFile.approval_id).where(BundleFile.bundle_id == bundle.id)
        .order_by(BundleFile.approval_id, BundleFile.material_code))).all()
    return approval_ids, [(b, f, a) for b, f, a in files]


"""Bundles (报送批次): one click sends a department everything it needs for its approvals of a project.

All or nothing: every approval must be ready, or nothing is submitted and the answer lists what each
one lacks. In one transaction the approvals are submitted, the exact file versions pinned, the bundle
numbered BS-<year>-<seq> and the transmittal list (材料移交清单) generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.approvals import materials, readiness
from agency.approvals import service as approvals
from agency.approvals.models import Approval, ApprovalPrerequisite
from agency.approvals.rules import STATUS_NAMES, awaits_supplement_before_acceptance
from agency.approvals.schemas import ActionIn
from agency.audit import service as audit
from agency.bundles.models import Bundle, BundleApproval, BundleFile
from agency.catalog.models import Department
from agency.db.paging import paginate
from agency.db.sequences import next_value
from agency.documents import contexts
from agency.documents import service as papers_service
from agency.documents.service import Papers
from agency.enterprises.models import Enterprise
from agency.errors import Conflict, Forbidden, Invalid
from agency.files.models import StoredFile
from agency.projects.handover import held_by, require_holder, require_holder_of, site_projects
from agency.projects.models import Project, ProjectMilestone
from agency.sites import service as sites


def _bundle_visibility(actor: Actor) -> ColumnElement[bool]:
    site = site_projects(actor)  # a site's clerk: the bundles of the dossiers his site sees
    if site is not None:
        return Bundle.project_id.in_(site)
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


def _kind_of(approval: Approval) -> str:
    """A bundle answering a one-time notice (before or after acceptance) is a resubmission."""
    return "resubmission" if approval.pending_supplement else "submission"


def _pinned_files(approval: Approval, views: list[materials.MaterialView]) -> list[contexts.PinnedFile]:
    """What the bundle carries for one approval: every file of each material's current set, or in answer to a
    one-time notice only those of the materials asked for, uploaded since the request (what changed)."""
    pending = approval.pending_supplement or {}
    resubmission = bool(pending)
    asked = set(pending.get("missing_materials") or [])
    since = datetime.fromisoformat(pending["requested_at"]) if pending.get("requested_at") else None
    pinned = []
    for view in views:
        if resubmission and view.code not in asked:
            continue
        pinned += [contexts.PinnedFile(approval, row, view.name) for row in view.files
                   if not (resubmission and since is not None and row.uploaded_at < since)]
    return pinned


async def _in_flight(session: AsyncSession, approval_ids: list[int]) -> dict[int, str]:
    """Approvals already on their way in a bundle the department has not signed for (an offline department's
    resubmission waits for its recorded receipt): approval id → the bundle's code."""
    rows = (await session.execute(select(BundleApproval.approval_id, Bundle.code).join(
        Bundle, Bundle.id == BundleApproval.bundle_id).where(
        BundleApproval.approval_id.in_(approval_ids or [0]), Bundle.status == "sent",
        Bundle.kind == "resubmission"))).all()
    return {approval_id: code for approval_id, code in rows}


def _problems_of(approval: Approval, in_flight: dict[int, str], missing: dict[str, list[str]],
                 views: list[materials.MaterialView]) -> list[str]:
    """Why the approval cannot go out now (empty when it can), from what stands before its submission."""
    if approval.id in in_flight:
        return [f"已随批次 {in_flight[approval.id]} 报送，待登记部门签收"]
    lacking = readiness.unanswered_in(approval, views)
    supplement = [f"补正材料尚未上传：{'、'.join(lacking)}"] if lacking else []
    if approval.status == "preparing":
        return ([f"前置事项未办结：{'、'.join(missing['prerequisites'])}"] if missing["prerequisites"] else []) + \
            ([f"节点未完成：{'、'.join(missing['milestones'])}"] if missing["milestones"] else []) + \
            ([f"缺少材料：{'、'.join(missing['materials'])}"] if missing["materials"] else []) + supplement
    if approval.status == "supplement_requested":
        return supplement
    if approval.status == "planned":
        return ["尚未开始准备材料（计划中）"]
    return [f"状态为“{STATUS_NAMES[approval.status]}”，不能报送（须先开始准备材料，或为待补正）"]


async def _missing_of(session: AsyncSession, project: Project, rows: list[Approval],
                      views: dict[int, list[materials.MaterialView]]) -> dict[int, dict[str, list[str]]]:
    """``readiness.missing_for_submission`` for many approvals of one dossier in two statements (the compose form)."""
    ids = [a.id for a in rows] or [0]
    prerequisites = (await session.execute(
        select(ApprovalPrerequisite.approval_id, Approval.name, Approval.status)
        .join(Approval, Approval.id == ApprovalPrerequisite.prerequisite_id)
        .where(ApprovalPrerequisite.approval_id.in_(ids)))).all()
    milestones = (await session.execute(select(ProjectMilestone).where(
        ProjectMilestone.project_id == project.id))).scalars().all()
    result = {}
    for a in rows:
        result[a.id] = {
            "prerequisites": [f"{name}（{STATUS_NAMES[status]}）" for owner, name, status in prerequisites
                              if owner == a.id and status != "approved"],
            "milestones": [m.name for m in milestones
                           if m.code in (a.waits_for_milestones or []) and m.done_on is None],
            "materials": [f"{u['name']}（{u['why']}）" for u in materials.unmet(views[a.id])],
        }
    return result


@dataclass(slots=True)
class Candidate:
    """An approval of the dossier the compose form lists: whether it can go out now, and if not, why."""

    approval: Approval
    kind: str
    problems: list[str]


async def candidates(session: AsyncSession, actor: Actor, project_id: int) -> list[Candidate]:
    """The approvals of a dossier that are still to be sent (planned, in preparation, 待补正), each with what stands
    between it and a bundle: the compose form offers only those without problems."""
    actor.require(Role.CLERK, Role.ADMIN, Role.LEADER)
    project = await get_visible(session, Project, project_id, actor, what="项目")
    rows = list((await session.execute(select(Approval).where(
        Approval.project_id == project.id, Approval.status.in_(("planned", "preparing", "supplement_requested")))
        .order_by(Approval.id))).scalars())
    in_flight = await _in_flight(session, [a.id for a in rows])
    views = await materials.views_of(session, rows)
    missing = await _missing_of(session, project, rows, views)
    return [Candidate(a, _kind_of(a), _problems_of(a, in_flight, missing[a.id], views[a.id])) for a in rows]


async def create(session: AsyncSession, actor: Actor, papers: Papers, project_id: int, approval_ids: list[int],
                 today: date, *, reached_on: date | None = None,
                 read_views: dict[int, list[materials.MaterialView]] | None = None) -> Bundle:
    """Sends the approvals in one bundle. A resubmission's clock resumes on the day the materials reach the
    department: the day the bundle is sent to an online department, or the recorded day an offline one received it
    (``reached_on``, given by the clerk's ``resubmit`` with ``effective_on``, or later at ``receive``).
    ``read_views``: the materials the caller read in this transaction. They are read once and serve the check,
    the files the bundle pins and each approval's own action (which then does not check them again)."""
    actor.require(Role.CLERK)
    project = await get_visible(session, Project, project_id, actor, what="项目")
    await require_holder(session, actor, project)  # a site that handed the dossier away only reads it
    wanted = list(dict.fromkeys(approval_ids))
    rows = list((await session.execute(select(Approval).where(Approval.id.in_(wanted or [0]),
                                                              Approval.project_id == project.id))).scalars())
    if not wanted or len(rows) != len(wanted):
        raise Invalid("须选择本项目的事项（approval_ids must be approvals of this project）", field="approval_ids")
    departments = {a.department_code for a in rows}
    if len(departments) != 1:
        raise Invalid("一个批次只能报送给一个部门（one department per bundle）", field="approval_ids")
    kinds = {_kind_of(a) for a in rows}
    if len(kinds) != 1:
        raise Invalid("补正材料与首次报送须分批报送（a resubmission bundle carries only answers to notices）",
                      field="approval_ids")
    in_flight = await _in_flight(session, [a.id for a in rows])
    views = read_views if read_views is not None and set(read_views) == set(wanted) \
        else await materials.views_of(session, rows)
    missing = await _missing_of(session, project, rows, views)
    problems = [(a, p) for a in rows if (p := _problems_of(a, in_flight, missing[a.id], views[a.id]))]
    if problems:
        raise Conflict("以下事项尚不具备报送条件，本批次未报送任何事项：" + "；".join(
            f"{a.name}（{'；'.join(p)}）" for a, p in problems),
            extra={"approvals": [{"approval_id": a.id, "name": a.name, "problems": p} for a, p in problems]})
    department = await session.get_one(Department, departments.pop())
    if reached_on is not None and reached_on > today:
        raise Invalid("送达日期不能晚于今天（effective_on cannot be in the future）", field="effective_on")
    pinned = {a.id: _pinned_files(a, views[a.id]) for a in rows}
    bundle = Bundle(code=f"BS-{today.year}-{await next_value(session, f'bundle:{today.year}'):04d}",
                    project_id=project.id, department_code=department.code, status="sent", kind=kinds.pop(),
                    sent_at=timeutil.now(), sent_by=actor.user_id)
    session.add(bundle)
    await session.flush()
    offline = department.mode == "offline"
    for approval in rows:
        if approval.status == "preparing":
            await approvals.act(session, actor, approval.id, ActionIn(action="submit", version=approval.version),
                                today, bundled=True, checked_materials=views[approval.id])
        elif not offline or reached_on is not None:
            await approvals.act(session, actor, approval.id, ActionIn(
                action="resubmit", version=approval.version, effective_on=reached_on), today, bundled=True,
                checked_materials=views[approval.id])
        session.add(BundleApproval(bundle_id=bundle.id, approval_id=approval.id))
        session.add_all(BundleFile(bundle_id=bundle.id, file_id=p.file.id, approval_id=approval.id,
                                   material_code=p.file.material_code or "") for p in pinned[approval.id])
    dossier = await contexts.load_dossier(session, project, today, actor)
    doc_number = await papers_service.next_doc_number(session, today)
    everything = [p for a in rows for p in pinned[a.id]]
    context = contexts.transmittal(dossier, papers.settings, doc_number, bundle.code, department.code, everything)
    document = await papers_service.render_and_store(session, actor, papers, project, None, "transmittal_list",
                                                     context, doc_number, name_suffix=f"-{bundle.code}")
    bundle.transmittal_file_id = document.file_id
    await session.flush()
    await audit.record(session, actor, "bundle.send", "bundle", bundle.id, project_id=project.id, after={
        "code": bundle.code, "kind": bundle.kind, "department_code": department.code,
        "approvals": [a.id for a in rows], "files": [p.file.id for p in everything],
        "transmittal_file_id": document.file_id})
    if offline and reached_on is not None and bundle.kind == "resubmission":
        await _signed_for(session, actor, bundle, reached_on, today, recorded=True, offline=True)
    return bundle


async def resubmit(session: AsyncSession, actor: Actor, papers: Papers, approval_id: int, data: ActionIn,
                   today: date) -> Bundle:
    """The ``resubmit`` action: the answer to the one-time notice goes out as a bundle of this one approval."""
    approval = await get_visible(session, Approval, approval_id, actor, what="审批事项")
    actor.require(Role.CLERK)
    if data.version != approval.version:
        raise Conflict(f"事项已被他人更新（当前版本 {approval.version}），请刷新后重试（stale version）",
                       extra={"field": "version", "current_version": approval.version})
    if approval.status != "supplement_requested" and not awaits_supplement_before_acceptance(
            approval.status, approval.pending_supplement):
        raise Conflict(f"事项当前状态为“{STATUS_NAMES[approval.status]}”，不能补正后重新提交"
                       f"（resubmit not allowed in state {approval.status}）",
                       extra={"status": approval.status, "action": "resubmit"})
    read = None
    if approval.status == "supplement_requested":
        # The same check as the action's, before a bundle is numbered: 409 naming what is not yet uploaded.
        read = {approval.id: await readiness.check_supplied(session, approval)}
    return await create(session, actor, papers, approval.project_id, [approval.id], today,
                        reached_on=data.effective_on, read_views=read)


async def _signed_for(session: AsyncSession, actor: Actor, bundle: Bundle, received_on: date, today: date, *,
                      recorded: bool, offline: bool) -> None:
    """The receipt, and for an offline department's resubmission the day its clock resumes (an online one resumed
    when the bundle was sent: a department cannot keep its clock stopped by not signing)."""
    bundle.status, bundle.received_at = "received", timeutil.now()
    bundle.received_on, bundle.received_by = received_on, actor.user_id
    await session.flush()
    await audit.record(session, actor, "bundle.receive", "bundle", bundle.id, project_id=bundle.project_id,
                       after={"received_on": received_on.isoformat(), "recorded_for_offline": recorded})
    if not offline or bundle.kind != "resubmission":
        return
    waiting = (await session.execute(select(Approval).join(BundleApproval, BundleApproval.approval_id == Approval.id)
                                     .where(BundleApproval.bundle_id == bundle.id,
                                            Approval.status == "supplement_requested"))).scalars().all()
    for approval in waiting:
        await approvals.act(session, actor, approval.id, ActionIn(action="resubmit", version=approval.version,
                                                                  effective_on=received_on), today, bundled=True)


async def receive(session: AsyncSession, actor: Actor, bundle_id: int, effective_on: date | None,
                  today: date) -> Bundle:
    bundle = await get_visible(session, Bundle, bundle_id, actor, what="报送批次")
    department = await session.get_one(Department, bundle.department_code)
    if actor.role is Role.DEPARTMENT:
        if effective_on is not None:
            raise Invalid("部门人员签收时不填写生效日期（effective_on is for offline departments）",
                          field="effective_on")
    elif actor.role is Role.CLERK and department.mode == "offline":
        await require_holder_of(session, actor, bundle.project_id)
        if effective_on is None:
            raise Invalid("代线下部门登记签收，须填写签收日期（effective_on is required）", field="effective_on")
        if effective_on > today or effective_on < bundle.sent_at.date():
            raise Invalid("签收日期须在报送日与今天之间（effective_on out of range）", field="effective_on")
    else:
        raise Forbidden("由接收部门签收（only the receiving department signs for a bundle）")
    if bundle.status != "sent":
        raise Conflict("该批次已签收（already received）")
    await _signed_for(session, actor, bundle, effective_on or today, today, recorded=effective_on is not None,
                      offline=department.mode == "offline")
    return bundle


async def search(session: AsyncSession, actor: Actor, *, department_code: str | None, status: str | None,
                 project_id: int | None, page: int, page_size: int,
                 bundle_id: int | None = None, site_code: str | None = None) -> tuple[list[Bundle], int]:
    """The bundles the actor may see, newest first; ``site_code``: those of the dossiers that site holds."""
    query = visible(Bundle, actor)
    if site_code:
        query = query.where(Bundle.project_id.in_(held_by(site_code)))
    if bundle_id is not None:
        query = query.where(Bundle.id == bundle_id)
    if department_code:
        query = query.where(Bundle.department_code == department_code)
    if status:
        query = query.where(Bundle.status == status)
    if project_id is not None:
        query = query.where(Bundle.project_id == project_id)
    rows, total = await paginate(session, query, order_by=Bundle.id.desc(), page=page, page_size=page_size)
    await sites.require_known(session, site_code, total)
    return rows, total


async def contents(session: AsyncSession, bundle: Bundle) -> tuple[list[int], list[tuple[BundleFile, StoredFile,
                                                                                            Approval]]]:
    approval_ids = list((await session.execute(select(BundleApproval.approval_id).where(
        BundleApproval.bundle_id == bundle.id).order_by(BundleApproval.approval_id))).scalars())
    files = (await session.execute(
        select(BundleFile, StoredFile, Approval).join(StoredFile, StoredFile.id == BundleFile.file_id)
        .join(Approval, Approval.id == BundleFile.approval_id).where(BundleFile.bundle_id == bundle.id)
        .order_by(BundleFile.approval_id, BundleFile.material_code))).all()
    return approval_ids, [(b, f, a) for b, f, a in files]



@dataclass(slots=True)
class Summary:
    """A bundle as a row names it: whose, which project, which items."""

    enterprise_name: str
    project_name: str
    project_code: str
    items: list[str]


async def summaries(session: AsyncSession, bundles: list[Bundle]) -> dict[int, Summary]:
    """The enterprise, project and items of each bundle, in two statements."""
    ids = [b.id for b in bundles] or [0]
    heads = (await session.execute(select(Bundle.id, Enterprise.name, Project.name, Project.code)
                                   .join(Project, Project.id == Bundle.project_id)
                                   .join(Enterprise, Enterprise.id == Project.enterprise_id)
                                   .where(Bundle.id.in_(ids)))).all()
    result = {bundle_id: Summary(enterprise, project, code, []) for bundle_id, enterprise, project, code in heads}
    for bundle_id, name in (await session.execute(
            select(BundleApproval.bundle_id, Approval.name).join(Approval, Approval.id == BundleApproval.approval_id)
            .where(BundleApproval.bundle_id.in_(ids)).order_by(BundleApproval.bundle_id, Approval.id))).all():
        result[bundle_id].items.append(name)
    return result

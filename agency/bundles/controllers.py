from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, get_visible, require_roles
from agency.approvals.models import Approval
from agency.approvals.rules import status_name
from agency.approvals.schemas import ActionIn
from agency.audit import service as audit
from agency.audit.models import AuditEvent
from agency.bundles import service
from agency.bundles.archive import BytesEntry, Entry, StoredEntry, safe_part, zip_stream
from agency.bundles.models import Bundle
from agency.catalog.models import Department
from agency.documents.controllers import papers_of
from agency.documents.models import Document
from agency.documents.rules import PAPERS
from agency.dossiers.exports import PROJECT_STATUS_NAMES
from agency.enterprises.models import Enterprise
from agency.files.models import StoredFile
from agency.projects.models import Project
from agency.schemas import Id, Page, PageNo, PageSize, RequestBody, ResponseBody
from agency.timeutil import today_local


class BundleIn(RequestBody):
    project_id: Id
    approval_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=50)]


class ReceiveIn(RequestBody):
    effective_on: date | None = None
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class BundleOut(ResponseBody):
    id: int
    code: str
    project_id: int
    department_code: str
    status: str
    kind: str
    approvals: list[int]
    file_ids: list[int]
    transmittal_file_id: int | None
    sent_at: datetime
    received_at: datetime | None
    received_on: date | None
    integrity_problem: str | None


async def bundle_out(db: AsyncSession, bundle: Bundle) -> BundleOut:
    approval_ids, files = await service.contents(db, bundle)
    return BundleOut(id=bundle.id, code=bundle.code, project_id=bundle.project_id,
                     department_code=bundle.department_code, status=bundle.status, kind=bundle.kind,
                     approvals=approval_ids, file_ids=[f.id for _, f, _ in files],
                     transmittal_file_id=bundle.transmittal_file_id, sent_at=bundle.sent_at,
                     received_at=bundle.received_at, received_on=bundle.received_on,
                     integrity_problem=bundle.integrity_problem)


class CandidateOut(ResponseBody):
    approval_id: int
    name: str
    item_code: str
    department_code: str
    department_name: str
    status: str
    status_name: str
    kind: str  # the bundle it would go out in: submission | resubmission (an answer to a one-time notice)
    ready: bool
    problems: list[str]  # why it cannot go out now (prerequisites, materials, a bundle awaiting receipt…)


async def resubmission(db: AsyncSession, state: State, actor: Actor, approval_id: int, data: ActionIn,
                       today: date) -> None:
    """The ``resubmit`` action of ``POST /api/approvals/{id}/actions``, wired in by the app (agency/app.py): the
    supplemented materials go out as a bundle of kind ``resubmission``, with its 移交清单."""
    await service.resubmit(db, actor, papers_of(state), approval_id, data, today)


def _zip_response(state: State, entries: list[Entry], filename: str, bundle_id: int | None) -> Stream:
    async def flag(entry: StoredEntry, actual: str) -> None:
        if bundle_id is None:
            return
        async with state.sessionmaker() as session:
            await session.execute(update(Bundle).where(Bundle.id == bundle_id).values(
                integrity_problem=f"文件 #{entry.file_id} 的 sha256 与登记不符（实际 {actual[:12]}…）"))
            await session.commit()

    return Stream(zip_stream(state.blob_store, entries, flag), media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})


FILE_STATE_WORDS = {"withdrawn": "已撤回", "replaced": "已替换", "returned": "已退回", "pending": "待审核"}


def _material_names(approval: Approval) -> dict[str, str]:
    return {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}


async def bundle_archive(db: AsyncSession, state: State, actor: Actor, bundle_id: int) -> Stream:
    """The bundle as a streamed ZIP (the API and the department's inbox page both answer with it)."""
    bundle = await get_visible(db, Bundle, bundle_id, actor, what="报送批次")
    project = await db.get_one(Project, bundle.project_id)
    enterprise = await db.get_one(Enterprise, project.enterprise_id)
    department = await db.get_one(Department, bundle.department_code)
    _, files = await service.contents(db, bundle)
    entries: list[Entry] = []
    manifest_files = []
    for link, stored, approval in files:
        material = _material_names(approval).get(link.material_code, link.material_code)
        # Every file of the material's set, named as users name things (two pages may share a file name).
        path = (f"{safe_part(approval.name)}/{safe_part(material)}/"
                f"第{stored.version}版-{safe_part(stored.original_name, 120)}")
        entries.append(StoredEntry(path, stored.storage_key, stored.sha256, stored.id))
        manifest_files.append({"file_id": stored.id, "approval_id": approval.id, "approval": approval.name,
                               "material_code": link.material_code, "material": material,
                               "name": stored.original_name, "path": path, "size": stored.size,
                               "sha256": stored.sha256, "version": stored.version})
    # The transmittal list is a paper between the office and the department, not issued to the enterprise.
    if bundle.transmittal_file_id and (actor.role is not Role.ENTERPRISE or PAPERS["transmittal_list"].to_enterprise):
        transmittal = await db.get_one(StoredFile, bundle.transmittal_file_id)
        entries.insert(0, StoredEntry(f"材料移交清单-{bundle.code}.docx", transmittal.storage_key,
                                      transmittal.sha256, transmittal.id))
    manifest = {"bundle": {"code": bundle.code, "department_code": department.code, "department": department.name,
                           "sent_at": bundle.sent_at.isoformat(), "status": bundle.status},
                "project": {"code": project.code, "name": project.name},
                "enterprise": {"name": enterprise.name, "credit_code": enterprise.credit_code},
                "files": manifest_files}
    entries.insert(0, BytesEntry("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode()))
    # Like a single file's download: who took which files (scans hold ID cards and licences) is kept.
    await audit.record(db, actor, "bundle.archive_download", "bundle", bundle.id, project_id=project.id,
                       after={"code": bundle.code, "files": [entry["file_id"] for entry in manifest_files]})
    return _zip_response(state, entries, f"{bundle.code}-{department.name}.zip", bundle.id)


class BundleController(Controller):
    tags = ["报送 bundles"]

    @post("/api/bundles", status_code=201, guards=[require_roles(Role.CLERK)])
    async def create(self, data: JSONBody[BundleIn], state: State, actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> BundleOut:
        """Submit approvals of one project to their department at once, with the transmittal list."""
        bundle = await service.create(db, actor, papers_of(state), data.project_id, data.approval_ids,
                                      today_local())
        return await bundle_out(db, bundle)

    @get("/api/projects/{project_id:int}/bundle-candidates",
         guards=[require_roles(Role.CLERK, Role.ADMIN, Role.LEADER)])
    async def candidates(self, project_id: FromPath[int], actor: NamedDependency[Actor],
                         db: NamedDependency[AsyncSession]) -> list[CandidateOut]:
        """The dossier's approvals still to be sent, each with whether it can go out now and why not."""
        names = {d.code: d.name for d in (await db.execute(select(Department))).scalars()}
        return [CandidateOut(approval_id=c.approval.id, name=c.approval.name, item_code=c.approval.item_code,
                             department_code=c.approval.department_code,
                             department_name=names.get(c.approval.department_code, c.approval.department_code),
                             status=c.approval.status,
                             status_name=status_name(c.approval.status, c.approval.pending_supplement),
                             kind=c.kind, ready=not c.problems, problems=c.problems)
                for c in await service.candidates(db, actor, project_id)]

    @get("/api/bundles")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     department_code: FromQuery[str | None] = None,
                     status: Annotated[str | None, QueryParameter(pattern="^(sent|received)$")] = None,
                     project_id: FromQuery[int | None] = None, site_code: FromQuery[str | None] = None,
                     page: PageNo = 1,
                     page_size: PageSize = 50) -> Page[BundleOut]:
        """The bundles the caller may see, newest first; ``site_code``: those of the dossiers that site holds."""
        rows, total = await service.search(db, actor, department_code=department_code, status=status,
                                           project_id=project_id, page=page, page_size=page_size,
                                           site_code=site_code)
        return Page(items=[await bundle_out(db, b) for b in rows], total=total, page=page, page_size=page_size)

    @get("/api/bundles/{bundle_id:int}")
    async def get_one(self, bundle_id: FromPath[int], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> BundleOut:
        return await bundle_out(db, await get_visible(db, Bundle, bundle_id, actor, what="报送批次"))

    @post("/api/bundles/{bundle_id:int}/receive", status_code=200,
          guards=[require_roles(Role.DEPARTMENT, Role.CLERK)])
    async def receive(self, bundle_id: FromPath[int], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession], data: JSONBody[ReceiveIn | None] = None) -> BundleOut:
        """The department signs for the bundle (the clerk records it, with the date, for an offline one)."""
        bundle = await service.receive(db, actor, bundle_id, data.effective_on if data else None, today_local())
        return await bundle_out(db, bundle)

    @get("/api/bundles/{bundle_id:int}/archive")
    async def archive(self, bundle_id: FromPath[int], actor: NamedDependency[Actor], state: State,
                      db: NamedDependency[AsyncSession]) -> Stream:
        """A streamed ZIP: transmittal list, manifest.json and every file, by approval and material."""
        return await bundle_archive(db, state, actor, bundle_id)

    @get("/api/projects/{project_id:int}/archive", guards=[require_roles(Role.CLERK, Role.ADMIN, Role.LEADER)])
    async def dossier_archive(self, project_id: FromPath[int], actor: NamedDependency[Actor], state: State,
                              db: NamedDependency[AsyncSession]) -> Stream:
        """归档: every file version, every generated paper, the events as JSON, a summary, a manifest."""
        project = await get_visible(db, Project, project_id, actor, what="项目")
        enterprise = await db.get_one(Enterprise, project.enterprise_id)
        approvals = {a.id: a for a in (await db.execute(select(Approval).where(
            Approval.project_id == project.id))).scalars()}
        documents = {file_id: d for d in (await db.execute(select(Document).where(
            Document.project_id == project.id))).scalars() for file_id in (d.file_id, d.pdf_file_id) if file_id}
        files = (await db.execute(select(StoredFile).where(StoredFile.project_id == project.id)
                                  .order_by(StoredFile.id))).scalars().all()
        events = (await db.execute(select(AuditEvent).where(AuditEvent.project_id == project.id)
                                   .order_by(AuditEvent.id))).scalars().all()
        entries: list[Entry] = []
        manifest_files = []
        # Folders named as users name things: the item's name (its number where one item was applied for twice),
        # the material's name; what left a material's current set is kept beside it, under 历史文件.
        same_name = {name for name in [a.name for a in approvals.values()]
                     if [a.name for a in approvals.values()].count(name) > 1}
        for stored in files:
            approval = approvals.get(stored.approval_id or 0)
            if stored.id in documents:
                folder = "文书"
            elif approval is not None and stored.kind == "decision":  # the department's 批文/证照, its result
                item = f"{approval.name}（{approval.id}）" if approval.name in same_name else approval.name
                folder = f"决定文书/{safe_part(item)}"
            elif approval is not None:
                material = _material_names(approval).get(stored.material_code or "", stored.material_code or "")
                item = f"{approval.name}（{approval.id}）" if approval.name in same_name else approval.name
                folder = f"材料/{safe_part(item)}/{safe_part(material)}"
                if stored.state != "current":
                    folder += f"/历史文件（{FILE_STATE_WORDS.get(stored.state, stored.state)}）"
            else:
                folder = "其他"
            path = f"{folder}/第{stored.version}版-{safe_part(stored.original_name, 120)}"
            entries.append(StoredEntry(path, stored.storage_key, stored.sha256, stored.id))
            manifest_files.append({"file_id": stored.id, "path": path, "size": stored.size, "sha256": stored.sha256,
                                   "approval_id": stored.approval_id, "material_code": stored.material_code,
                                   "kind": stored.kind, "version": stored.version, "state": stored.state,
                                   "changed_by": stored.changed_by, "reason": stored.change_reason,
                                   "changed_at": stored.changed_at.isoformat() if stored.changed_at else None})
        timeline = [{"id": e.id, "at": e.occurred_at.isoformat(), "actor": e.actor_username, "role": e.actor_role,
                     "action": e.action, "object": f"{e.object_type}:{e.object_id}", "result": e.result,
                     "before": e.before, "after": e.after, "hash": e.hash} for e in events]
        summary = [f"项目档案：{project.code} {project.name}", f"企业：{enterprise.name}（{enterprise.credit_code}）",
                   f"状态：{PROJECT_STATUS_NAMES.get(project.status, project.status)}",
                   f"归档时间：{timeutil.now().isoformat(timespec='seconds')}", "", "审批事项："]
        summary += [f"- {a.name}：{status_name(a.status, a.pending_supplement)}"
                    + (f"，证照号 {a.decision.get('certificate_no')}"
                       if a.decision and a.decision.get("certificate_no") else "")
                    for a in approvals.values()]
        entries[:0] = [
            BytesEntry("manifest.json", json.dumps({"project": {"code": project.code, "name": project.name},
                                                    "enterprise": enterprise.name, "files": manifest_files},
                                                   ensure_ascii=False, indent=2).encode()),
            BytesEntry("summary.txt", "\n".join(summary).encode("utf-8")),
            BytesEntry("events.json", json.dumps(timeline, ensure_ascii=False, indent=1).encode()),
        ]
        await audit.record(db, actor, "project.archive_download", "project", project.id, project_id=project.id,
                           after={"code": project.code, "files": len(manifest_files), "events": len(timeline)})
        return _zip_response(state, entries, f"{project.code}-档案.zip", None)


"""Who may issue which paper, about what and when (agency/documents/rules.py), and what a paper may show.

Issue 19, findings 1, 2 and 9: the papers a role issues hold only what that role may see; a completion
notice is issued only for a finished approval and never prints a negative duration; enterprises read the
papers issued to them, not the internal 督办通知单 and 材料移交清单.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Any

from sqlalchemy import func, select, update

import documents as paper
import storage
from agency.access import Actor, Role
from agency.approvals.models import Approval
from agency.documents import service
from agency.documents.models import Document, DocumentTemplate
from agency.projects.models import Project
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.bundles.test_bundles_api import upload_required
from tests.agency.documents.test_documents_api import text_of
from tests.support import Api, FreshApi


async def _post(d: Dossier, headers: dict[str, str], template: str, **fields: Any) -> Any:
    return await d.api.client.post(f"/api/projects/{d.project['id']}/documents", headers=headers,
                                   json={"template": template, **fields})


async def _documents(api: Api, project_id: int) -> int:
    async with api.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Document).where(
            Document.project_id == project_id))).scalar_one())


async def _decided(d: Dossier, item_code: str, certificate_no: str, on: date) -> int:
    """An approval recorded as approved with a certificate (its own flow is tested elsewhere)."""
    approval_id = d.approval_id(item_code)
    await d.api.execute(update(Approval).where(Approval.id == approval_id).values(
        status="approved", decided_on=on, status_since=on, decision={"outcome": "approved",
                                                                     "certificate_no": certificate_no}))
    return approval_id


async def test_each_role_issues_only_its_own_papers(api: Api) -> None:
    d = await open_dossier(api)
    zrzy = await d.officer("zrzy")
    ydghxk, xmba = d.approval_id("ydghxk"), d.approval_id("xmba")
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    leader = await api.user_headers("leader")
    assert (await _post(d, enterprise, "progress_report")).status_code == 403
    assert (await _post(d, leader, "authorization_letter")).status_code == 403
    assert (await _post(d, leader, "progress_report")).status_code == 201
    # A department signs its own acts only: no report or completion notice of the whole dossier (this was a
    # 201 listing all 16 approvals, or a 500 when the paper was tied to none of its approvals) …
    for template, fields in (("progress_report", {}), ("progress_report", {"approval_id": ydghxk}),
                             ("completion_notice", {}), ("authorization_letter", {})):
        refused = await _post(d, zrzy, template, **fields)
        assert refused.status_code == 403, (template, refused.text)
        assert "Traceback" not in refused.text
    # … and nothing about another department's approval, which it cannot even see: not even its name in a 422
    # (「事项“节能审查”没有申请表模板」 named 发展和改革局's item to 自然资源和规划局).
    foreign = await _post(d, zrzy, "one_time_notice", approval_id=xmba)
    assert foreign.status_code == 404 and "企业投资项目备案" not in foreign.text
    named = await _post(d, zrzy, "application_form", approval_id=d.approval_id("jnsc"))
    assert named.status_code == 403 and "节能审查" not in named.text, named.text
    own = await _post(d, zrzy, "one_time_notice", approval_id=ydghxk)
    assert own.status_code == 201, own.text
    listed = await api.client.get(f"/api/projects/{d.project['id']}/documents", headers=zrzy)
    assert [doc["id"] for doc in listed.json()] == [own.json()["id"]]
    assert (await api.client.get(f"/api/files/{own.json()['file_id']}", headers=zrzy)).status_code == 200
    # A project paper is about the whole dossier: an approval_id there was silently taken as its subject.
    wrong = await _post(d, d.clerk, "authorization_letter", approval_id=xmba)
    assert wrong.status_code == 422 and wrong.json()["extra"][0]["field"] == "approval_id"


async def test_a_completion_notice_only_for_a_finished_approval_and_never_a_negative_duration(api: Api) -> None:
    d = await open_dossier(api)
    planned = d.approval_id("sgxk")
    unfinished = await _post(d, d.clerk, "completion_notice", approval_id=planned)
    assert unfinished.status_code == 409, unfinished.text
    assert (await _post(d, d.clerk, "refusal_notice", approval_id=planned)).status_code == 409
    assert (await _post(d, d.clerk, "completion_notice")).status_code == 409  # nothing finished yet
    assert await _documents(api, d.project["id"]) == 0
    # Decided before the dossier was opened (an act recorded after the fact): the span is not known.
    xmba = await _decided(d, "xmba", "2025-330521-00-03-000001", date(2025, 1, 2))
    for fields in ({}, {"approval_id": xmba}):
        made = await _post(d, d.clerk, "completion_notice", **fields)
        assert made.status_code == 201, made.text
        text = text_of((await api.client.get(f"/api/files/{made.json()['file_id']}", headers=d.clerk)).content)
        assert "2025-330521-00-03-000001" in text
        assert "共用时-" not in text and "共用时" not in text


async def test_each_paper_only_in_the_states_its_rule_names(api: Api) -> None:
    """The states of agency/documents/rules.py hold for the papers whose filling has no check of its own: an
    open approval's papers not once it is decided, a finished or ended approval's papers not while it is open."""
    d = await open_dossier(api)
    planned = d.approval_id("sgxk")
    decided = await _decided(d, "xmba", "2025-330521-00-03-000002", date(2026, 3, 2))
    for template, approval_id in (("commitment_letter", decided), ("application_form", decided),
                                  ("termination_notice", planned), ("acceptance_notice", planned)):
        refused = await _post(d, d.clerk, template, approval_id=approval_id)
        assert refused.status_code == 409, (template, refused.text)
        assert "不能出具" in refused.json()["detail"] and refused.json()["extra"][0]["field"] == "approval_id"
    assert await _documents(api, d.project["id"]) == 0


async def test_a_paper_shows_only_what_its_issuer_may_see(api: Api) -> None:
    """Whatever the rules allow, the dossier a paper is filled from is the one its issuer sees: a department's
    paper lists its own department's approvals, not another's items or certificate numbers."""
    d = await open_dossier(api)
    await _decided(d, "xmba", "FGJ-CERT-0001", date(2026, 3, 2))
    await _decided(d, "ydghxk", "ZRZY-CERT-0002", date(2026, 3, 3))
    officer = Actor(user_id=None, username="zrzy-officer", role=Role.DEPARTMENT, department_code="zrzy")
    store = storage.open_store(api.settings.storage_url)
    try:
        async with api.sessions() as session:
            project = await session.get_one(Project, d.project["id"])
            papers = service.Papers(store, api.settings)
            report = await service.generate(session, officer, papers, project, "progress_report", approval=None,
                                            output="docx", today=date(2026, 3, 10))
            notice = await service.generate(session, officer, papers, project, "completion_notice", approval=None,
                                            output="docx", today=date(2026, 3, 10))
            await session.rollback()
    finally:
        await store.aclose()
    names = {a["name"] for a in d.project["approvals"] if a["department_code"] == "zrzy"}
    assert {row["name"] for row in report.context["rows"]} == names
    assert [item["certificate_no"] for item in notice.context["items"]] == ["ZRZY-CERT-0002"]


async def test_enterprises_read_the_papers_issued_to_them_not_the_internal_ones(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    letter = await _post(d, d.clerk, "authorization_letter")
    internal = await _post(d, d.clerk, "authorization_letter")
    # A 督办通知单 of this dossier (how one is filled is tested with the sweep).
    await api.execute(update(Document).where(Document.id == internal.json()["id"])
                      .values(template_code="supervision_notice"))
    ydghxk = d.approval_id("ydghxk")
    await d.ok(ydghxk, "prepare")
    await upload_required(d, ydghxk)
    bundle = await api.client.post("/api/bundles", headers=d.clerk,
                                   json={"project_id": d.project["id"], "approval_ids": [ydghxk]})
    assert bundle.status_code == 201, bundle.text
    transmittal = bundle.json()["transmittal_file_id"]
    url = f"/api/projects/{d.project['id']}/documents"
    staff = {doc["template"] for doc in (await api.client.get(url, headers=d.clerk)).json()}
    assert staff == {"authorization_letter", "supervision_notice", "transmittal_list"}
    owner = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert [doc["template"] for doc in (await api.client.get(url, headers=owner)).json()] == ["authorization_letter"]
    assert (await api.client.get(f"/api/files/{letter.json()['file_id']}", headers=owner)).status_code == 200
    for file_id in (internal.json()["file_id"], transmittal):
        assert (await api.client.get(f"/api/files/{file_id}", headers=owner)).status_code == 404
        assert (await api.client.get(f"/api/files/{file_id}", headers=d.clerk)).status_code == 200
    archive = await api.client.get(f"/api/bundles/{bundle.json()['id']}/archive", headers=owner)
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "manifest.json" in names and not any(n.startswith("材料移交清单") for n in names)


async def test_a_template_object_missing_from_storage_is_a_503_naming_the_template(backend: str, tmp_path: Any,
                                                                                  caplog: Any) -> None:
    """Issue 19, finding 4: every paper of a template whose uploaded object was lost was a 500 (ObjectNotFound)."""
    async with FreshApi(backend, tmp_path) as api:  # a template version must not leak into other tests
        builtin = paper.builtin_template_bytes("authorization_letter")
        uploaded = await api.client.put("/api/document-templates/authorization_letter", headers=api.admin_headers,
                                        content=builtin)
        assert uploaded.status_code == 200, uploaded.text
        async with api.sessions() as session:
            key = (await session.execute(select(DocumentTemplate.storage_key))).scalar_one()
        await api.client.app.state.blob_store.delete(key)
        d = await open_dossier(api)
        response = await _post(d, d.clerk, "authorization_letter")
        assert response.status_code == 503, response.text
        assert "代办服务委托书" in response.json()["detail"] and "authorization_letter" in response.json()["detail"]
        assert response.json()["extra"] == {"template": "authorization_letter", "version": 1}
        assert not [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]

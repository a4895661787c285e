"""A material holds a set of files, a wrong one is withdrawn without being lost, and what may stand in for a
material (容缺, 告知承诺, reuse, sharing, exemption) is decided by whom the rules say, as the catalog allows."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import docx

from agency import timeutil
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.bundles.test_bundles_api import upload_required
from tests.support import Api


async def _upload(d: Dossier, approval_id: int, code: str, name: str, body: bytes) -> dict[str, Any]:
    response = await d.api.client.post(f"/api/approvals/{approval_id}/materials/{code}/files", headers=d.clerk,
                                       files={"file": (name, body, "application/pdf")})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _pdf(text: str) -> bytes:
    return b"%PDF-1.7\n" + text.encode() * 300


def _transmittal_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_a_material_holds_its_pages_and_a_withdrawn_file_stays_in_the_history(api: Api) -> None:
    """Two pages kept, a third withdrawn: the bundle's transmittal list, its ZIP manifest and the department's
    view name the same two files, byte-exact; the withdrawn one is in the history with who, when and why."""
    d = await open_dossier(api)
    await d.force_approved("xmba")
    fgj = await d.officer("fgj")
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "prepare")
    await upload_required(d, jnsc, "sqwj", "bawj")
    first = await _upload(d, jnsc, "jnbg", "节能报告-第1册.pdf", _pdf("第一册"))
    second = await _upload(d, jnsc, "jnbg", "节能报告-第2册.pdf", _pdf("第二册"))
    wrong = await _upload(d, jnsc, "jnbg", "错传的合同.pdf", _pdf("合同"))
    refused = await api.client.post(f"/api/files/{wrong['id']}/withdraw", headers=d.clerk, json={"reason": "x"})
    assert refused.status_code == 422 and refused.json()["extra"][0]["field"] == "reason"
    withdrawn = await api.client.post(f"/api/files/{wrong['id']}/withdraw", headers=d.clerk,
                                      json={"reason": "传错文件"})
    assert withdrawn.status_code == 200, withdrawn.text
    again = await api.client.post(f"/api/files/{wrong['id']}/withdraw", headers=d.clerk, json={"reason": "传错文件"})
    assert again.status_code == 409
    material = next(m for m in (await d.get(jnsc))["materials"] if m["code"] == "jnbg")
    assert material["state"] == "provided"
    assert [f["id"] for f in material["files"]] == [first["id"], second["id"]]
    assert [(f["id"], f["state"], f["reason"]) for f in material["history"]] == [(wrong["id"], "withdrawn", "传错文件")]
    assert material["history"][0]["changed_at"] is not None and material["history"][0]["changed_by"] is not None

    sent = await api.client.post("/api/bundles", headers=d.clerk,
                                 json={"project_id": d.project["id"], "approval_ids": [jnsc]})
    assert sent.status_code == 201, sent.text
    bundle = sent.json()
    assert first["id"] in bundle["file_ids"] and second["id"] in bundle["file_ids"]
    assert wrong["id"] not in bundle["file_ids"]
    transmittal = (await api.client.get(f"/api/files/{bundle['transmittal_file_id']}", headers=d.clerk)).content
    listed = _transmittal_text(transmittal)
    assert "节能报告-第1册.pdf" in listed and "节能报告-第2册.pdf" in listed and "错传的合同.pdf" not in listed
    archive = await api.client.get(f"/api/bundles/{bundle['id']}/archive", headers=fgj)
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        manifest = json.loads(z.read("manifest.json"))
        reports = [f for f in manifest["files"] if f["material_code"] == "jnbg"]
        assert sorted(f["name"] for f in reports) == ["节能报告-第1册.pdf", "节能报告-第2册.pdf"]
        for f in reports:
            assert z.read(f["path"]) in (_pdf("第一册"), _pdf("第二册"))
            assert f["path"].startswith("节能审查/固定资产投资项目节能报告/")  # names, not codes
    seen = next(m for m in (await d.get(jnsc, fgj))["materials"] if m["code"] == "jnbg")
    assert [f["filename"] for f in seen["files"]] == ["节能报告-第1册.pdf", "节能报告-第2册.pdf"]
    # Once the approval is closed its materials no longer change.
    fgj_accept = await d.ok(jnsc, "accept", fgj)
    await d.ok(jnsc, "approve", fgj, version=fgj_accept["version"], certificate_no="示发改能审〔2026〕1号")
    closed = await api.client.post(f"/api/files/{first['id']}/withdraw", headers=d.clerk, json={"reason": "传错文件"})
    assert closed.status_code == 409


async def test_only_the_clerk_withdraws_and_others_do_not_see_the_file(api: Api) -> None:
    d = await open_dossier(api)
    xmba = d.approval_id("xmba")
    await d.ok(xmba, "prepare")
    scan = await _upload(d, xmba, "sqb", "申请表.pdf", _pdf("申请表"))
    fgj = await d.officer("fgj")
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    other = await api.user_headers("department", department_code="zrzy")
    assert (await api.client.post(f"/api/files/{scan['id']}/withdraw", headers=fgj,
                                  json={"reason": "不要了"})).status_code == 403
    assert (await api.client.post(f"/api/files/{scan['id']}/withdraw", headers=enterprise,
                                  json={"reason": "不要了"})).status_code == 403
    assert (await api.client.post(f"/api/files/{scan['id']}/withdraw", headers=other,
                                  json={"reason": "不要了"})).status_code == 404


async def _state(d: Dossier, approval_id: int, code: str, headers: dict[str, str], **body: Any) -> Any:
    return await d.api.client.post(f"/api/approvals/{approval_id}/materials/{code}/state", headers=headers,
                                   json={k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in body.items()})


async def test_exempt_and_shared_let_a_case_go_without_the_file(api: Api) -> None:
    """营业执照 may be 免于提交 or obtained by the department (the demo catalog says so): submitting no longer
    demands the file; a material the catalog allows neither for is refused, naming ``state``."""
    d = await open_dossier(api)
    xmba = d.approval_id("xmba")
    await d.ok(xmba, "prepare")
    await upload_required(d, xmba, "sqb", "cns")
    refused = await _state(d, xmba, "cns", d.clerk, state="exempt", reason="无")
    assert refused.status_code == 422 and refused.json()["extra"][0]["field"] == "state"
    no_reason = await _state(d, xmba, "yyzz", d.clerk, state="exempt")
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["field"] == "reason"
    exempt = await _state(d, xmba, "yyzz", d.clerk, state="exempt", reason="电子证照库可查验，免于提交")
    assert exempt.status_code == 200, exempt.text
    assert (exempt.json()["state"], exempt.json()["exempt_reason"]) == ("exempt", "电子证照库可查验，免于提交")
    submitted = await d.ok(xmba, "submit")
    assert submitted["status"] == "submitted"
    # The department decides sharing, not the clerk (it is an online department).
    fgj = await d.officer("fgj")
    assert (await _state(d, xmba, "yyzz", d.clerk, state="shared", source="省电子证照库")).status_code == 403
    shared = await _state(d, xmba, "yyzz", fgj, state="shared", source="省电子证照库", reference="ZZ-2026-001")
    assert shared.status_code == 200, shared.text
    assert (shared.json()["state"], shared.json()["source"], shared.json()["reference"]) == (
        "shared", "省电子证照库", "ZZ-2026-001")
    assert (await d.ok(xmba, "accept", fgj))["status"] == "accepted"


async def test_a_deferred_material_lets_the_department_accept_and_ends_when_its_file_arrives(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    zrzy = await d.officer("zrzy")
    gcghxk = d.approval_id("gcghxk")
    await d.force_approved("ydghxk", "tddj")
    await d.ok(gcghxk, "prepare")
    required = [m["code"] for m in (await d.get(gcghxk))["materials"] if m["required"] and m["code"] != "sjzz"]
    await upload_required(d, gcghxk, *required)
    submitted = await d.ok(gcghxk, "submit")  # 设计单位资质证书 missing: deferrable, decided at intake
    assert submitted["status"] == "submitted"
    undecided = await d.act(gcghxk, "accept", zrzy)
    assert undecided.status_code == 422 and [e["material_code"] for e in undecided.json()["extra"]] == ["sjzz"]
    past = await _state(d, gcghxk, "sjzz", zrzy, state="deferred", promised_on=timeutil.today() - timedelta(days=1))
    assert past.status_code == 422 and past.json()["extra"][0]["field"] == "promised_on"
    promised = timeutil.today() + timedelta(days=14)
    deferred = await _state(d, gcghxk, "sjzz", zrzy, state="deferred", promised_on=promised)
    assert deferred.status_code == 200, deferred.text
    assert (deferred.json()["state"], deferred.json()["promised_on"]) == ("deferred", promised.isoformat())
    assert (await d.ok(gcghxk, "accept", zrzy))["status"] == "accepted"
    await upload_required(d, gcghxk, "sjzz")
    material = next(m for m in (await d.get(gcghxk))["materials"] if m["code"] == "sjzz")
    assert material["state"] == "provided"


async def test_a_certificate_issued_earlier_in_the_dossier_is_reused_not_uploaded_again(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "prepare")
    wrong = await _state(d, jnsc, "bawj", d.clerk, state="reused", reused_from_approval_id=d.approval_id("hp"))
    assert wrong.status_code == 422 and wrong.json()["extra"][0]["field"] == "reused_from_approval_id"
    reused = await _state(d, jnsc, "bawj", d.clerk, state="reused", reused_from_approval_id=d.approval_id("xmba"))
    assert reused.status_code == 200, reused.text
    assert (reused.json()["state"], reused.json()["reused_from"]) == ("reused", d.approval_id("xmba"))
    back = await _state(d, jnsc, "bawj", d.clerk, state="missing")
    assert back.status_code == 200 and back.json()["state"] == "missing"
    nothing = await _state(d, jnsc, "bawj", d.clerk, state="missing")
    assert nothing.status_code == 409

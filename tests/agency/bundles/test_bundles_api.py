"""Bundled submissions: clerk → department end to end, archives that match the stored bytes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from typing import Any

from sqlalchemy import func, select, update

from agency.bundles.models import Bundle
from agency.files.models import StoredFile
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api


async def upload_required(d: Dossier, approval_id: int, *codes: str) -> list[dict[str, Any]]:
    approval = await d.get(approval_id)
    wanted = codes or tuple(m["code"] for m in approval["materials"] if m["required"])
    uploaded = []
    for code in wanted:
        body = b"%PDF-1.7\n" + f"{approval_id}-{code}-扫描件".encode() * 200
        response = await d.api.client.post(f"/api/approvals/{approval_id}/materials/{code}/files", headers=d.clerk,
                                           files={"file": (f"{code}-扫描件.pdf", body, "application/pdf")})
        assert response.status_code == 201, response.text
        uploaded.append(response.json())
    return uploaded


async def _send(d: Dossier, *approval_ids: int) -> Any:
    return await d.api.client.post("/api/bundles", headers=d.clerk,
                                   json={"project_id": d.project["id"], "approval_ids": list(approval_ids)})


async def test_clerk_to_department_end_to_end(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    fgj = await d.officer("fgj")
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "prepare")
    await upload_required(d, jnsc)
    sent = await _send(d, jnsc)
    assert sent.status_code == 201, sent.text
    bundle = sent.json()
    assert bundle["code"].startswith("BS-") and bundle["status"] == "sent" and bundle["department_code"] == "fgj"
    assert (await d.get(jnsc))["status"] == "submitted"
    inbox = await api.client.get("/api/bundles", headers=fgj, params={"status": "sent"})
    assert bundle["id"] in [b["id"] for b in inbox.json()["items"]]
    received = await api.client.post(f"/api/bundles/{bundle['id']}/receive", headers=fgj)
    assert received.status_code == 200 and received.json()["status"] == "received"
    await d.ok(jnsc, "accept", fgj)
    material = (await d.get(jnsc))["materials"][0]["code"]
    await d.ok(jnsc, "request_supplement", fgj, missing_materials=[material], reason="能耗测算依据不足")
    not_yet = await _send(d, jnsc)
    assert not_yet.status_code == 409 and "补正材料尚未上传" in not_yet.json()["detail"]
    fresh = await upload_required(d, jnsc, material)
    resent = await _send(d, jnsc)
    assert resent.status_code == 201, resent.text
    assert resent.json()["kind"] == "resubmission"
    # Only what changed travels again (plus the transmittal list).
    assert resent.json()["file_ids"] == [fresh[0]["id"]]
    assert (await d.get(jnsc))["status"] == "accepted"
    approved = await d.ok(jnsc, "approve", fgj, certificate_no="示发改能审〔2026〕18号")
    assert approved["status"] == "approved"


async def test_not_ready_approval_blocks_the_whole_bundle(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    ready, not_ready = d.approval_id("jnsc"), d.approval_id("ydghxk")
    await d.ok(ready, "prepare")
    await upload_required(d, ready)
    # ydghxk belongs to another department: one bundle, one department.
    mixed = await _send(d, ready, not_ready)
    assert mixed.status_code == 422 and mixed.json()["extra"][0]["field"] == "approval_ids"
    zrzy_a, zrzy_b = d.approval_id("ydghxk"), d.approval_id("gcghxk")
    await d.ok(zrzy_a, "prepare")
    await upload_required(d, zrzy_a)
    blocked = await _send(d, zrzy_a, zrzy_b)
    assert blocked.status_code == 409
    reasons = {item["approval_id"]: item["problems"] for item in blocked.json()["extra"]["approvals"]}
    assert list(reasons) == [zrzy_b]
    assert (await d.get(zrzy_a))["status"] == "preparing"  # nothing was submitted
    async with api.sessions() as session:
        count = (await session.execute(select(func.count()).select_from(Bundle).where(
            Bundle.project_id == d.project["id"]))).scalar_one()
    assert count == 0


async def test_archive_manifest_matches_the_stored_files_byte_for_byte(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    ydghxk = d.approval_id("ydghxk")
    await d.ok(ydghxk, "prepare")
    uploaded = await upload_required(d, ydghxk)
    bundle = (await _send(d, ydghxk)).json()
    zrzy = await d.officer("zrzy")
    response = await api.client.get(f"/api/bundles/{bundle['id']}/archive", headers=zrzy)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert all(info.flag_bits & 0x800 for info in archive.infolist())  # UTF-8 names
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["bundle"]["code"] == bundle["code"]
    assert manifest["enterprise"]["name"] == d.project["enterprise"]["name"]
    assert sorted(f["file_id"] for f in manifest["files"]) == sorted(u["id"] for u in uploaded)
    for entry in manifest["files"]:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
        original = await api.client.get(f"/api/files/{entry['file_id']}", headers=d.clerk)
        assert original.content == data
    assert any(name.startswith("材料移交清单") for name in archive.namelist())


async def test_other_department_gets_404_for_bundle_and_archive(api: Api) -> None:
    d = await open_dossier(api)
    jnsc = d.approval_id("jnsc")
    await d.force_approved("xmba")
    await d.ok(jnsc, "prepare")
    await upload_required(d, jnsc)
    bundle = (await _send(d, jnsc)).json()
    other = await d.officer("zjj")
    assert (await api.client.get(f"/api/bundles/{bundle['id']}", headers=other)).status_code == 404
    assert (await api.client.get(f"/api/bundles/{bundle['id']}/archive", headers=other)).status_code == 404
    assert (await api.client.post(f"/api/bundles/{bundle['id']}/receive", headers=other)).status_code == 404
    listed = await api.client.get("/api/bundles", headers=other)
    assert bundle["id"] not in [b["id"] for b in listed.json()["items"]]
    stranger = await api.user_headers("clerk")
    assert (await api.client.get(f"/api/bundles/{bundle['id']}", headers=stranger)).status_code == 404


async def test_tampered_file_flags_the_bundle(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "prepare")
    uploaded = await upload_required(d, jnsc)
    bundle = (await _send(d, jnsc)).json()
    await api.execute(update(StoredFile).where(StoredFile.id == uploaded[0]["id"]).values(sha256="0" * 64))
    response = await api.client.get(f"/api/bundles/{bundle['id']}/archive", headers=d.clerk)
    assert response.status_code == 200
    flagged = await api.client.get(f"/api/bundles/{bundle['id']}", headers=d.clerk)
    assert flagged.json()["integrity_problem"] and f"#{uploaded[0]['id']}" in flagged.json()["integrity_problem"]


async def test_offline_department_receipt_is_recorded_by_the_clerk_with_a_date(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("sgxk")
    dljr = d.approval_id("dljr")
    await d.ok(dljr, "prepare")
    await upload_required(d, dljr)
    bundle = (await _send(d, dljr)).json()
    assert bundle["department_code"] == "gdgs"
    undated = await api.client.post(f"/api/bundles/{bundle['id']}/receive", headers=d.clerk, json={})
    assert undated.status_code == 422 and undated.json()["extra"][0]["field"] == "effective_on"
    archive = await api.client.get(f"/api/bundles/{bundle['id']}/archive", headers=d.clerk)
    assert archive.status_code == 200  # to print or carry to the power company
    received = await api.client.post(f"/api/bundles/{bundle['id']}/receive", headers=d.clerk,
                                     json={"effective_on": bundle["sent_at"][:10]})
    assert received.status_code == 200 and received.json()["received_on"] == bundle["sent_at"][:10]


async def test_dossier_archive_holds_every_version_paper_and_event(api: Api) -> None:
    d = await open_dossier(api)
    xmba = d.approval_id("xmba")
    await d.ok(xmba, "prepare")
    code = (await d.get(xmba))["materials"][0]["code"]
    first = (await upload_required(d, xmba, code))[0]
    second = (await upload_required(d, xmba, code))[0]
    assert second["version"] == first["version"] + 1
    await api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                          json={"template": "registration_form"})
    response = await api.client.get(f"/api/projects/{d.project['id']}/archive", headers=d.clerk)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert {"manifest.json", "summary.txt", "events.json"} <= set(names)
    assert sum(1 for n in names if n.startswith("材料/")) == 2
    assert any(n.startswith("文书/") for n in names)
    # Named as users name things: no item code (xmba) in a file or folder name, statuses in words.
    assert not [n for n in names if "xmba" in n], names
    summary = archive.read("summary.txt").decode()
    assert "状态：筹划中" in summary or "状态：办理中" in summary, summary
    assert not re.search(r"：(planning|in_progress|preparing|submitted|accepted)", summary), summary
    events = json.loads(archive.read("events.json"))
    assert {"project.create", "file.upload", "document.generate"} <= {e["action"] for e in events}
    department = await d.officer("fgj")
    assert (await api.client.get(f"/api/projects/{d.project['id']}/archive", headers=department)).status_code == 403

"""The decision's scan (批文, 证照): uploaded by the deciding department, named by ``approve``, listed as the
approval's result, downloadable by the enterprise and the clerk, kept in the dossier's archive."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.bundles.test_bundles_api import upload_required
from tests.support import Api

SCAN = b"%PDF-1.7\n" + "节能审查意见扫描件".encode() * 300


async def _upload(d: Dossier, approval_id: int, headers: dict[str, str], body: bytes = SCAN,
                  name: str = "节能审查意见.pdf", content_type: str = "application/pdf") -> Any:
    return await d.api.client.post(f"/api/approvals/{approval_id}/decision-files", headers=headers,
                                   files={"file": (name, body, content_type)})


async def test_approve_names_the_uploaded_decision_scan(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    fgj = await d.officer("fgj")
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "prepare")
    await upload_required(d, jnsc)  # real objects: the archive below streams them
    await d.ok(jnsc, "submit")
    too_early = await _upload(d, jnsc, fgj)
    assert too_early.status_code == 409  # not yet accepted: nothing is being decided
    await d.ok(jnsc, "accept", fgj)
    by_clerk = await _upload(d, jnsc, d.clerk)
    assert by_clerk.status_code == 403  # an online department uploads its own decision
    other = await d.officer("zjj")
    assert (await _upload(d, jnsc, other)).status_code == 404
    wrong = await _upload(d, jnsc, fgj, "不是扫描件".encode(), "说明.txt", "text/plain")
    assert wrong.status_code == 415
    uploaded = await _upload(d, jnsc, fgj)
    assert uploaded.status_code == 201, uploaded.text
    scan = uploaded.json()
    assert scan["filename"] == "节能审查意见.pdf" and scan["size"] == len(SCAN)
    assert [f["id"] for f in (await d.get(jnsc, fgj))["decision_files"]] == [scan["id"]]
    stranger = await d.act(jnsc, "approve", fgj, certificate_no="发改能审〔2026〕5号", decision_file_ids=[999999])
    assert stranger.status_code == 422 and stranger.json()["extra"][0]["field"] == "decision_file_ids"
    approved = await d.ok(jnsc, "approve", fgj, certificate_no="发改能审〔2026〕5号", decision_file_ids=[scan["id"]])
    assert approved["status"] == "approved" and approved["decision"]["file_ids"] == [scan["id"]]
    assert [f["id"] for f in approved["decision_files"]] == [scan["id"]]
    assert (await _upload(d, jnsc, fgj)).status_code == 409  # decided: its result is fixed

    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    seen = await d.get(jnsc, enterprise)
    assert [f["filename"] for f in seen["decision_files"]] == ["节能审查意见.pdf"]
    for headers in (enterprise, d.clerk):
        download = await api.client.get(f"/api/files/{scan['id']}", headers=headers, follow_redirects=True)
        assert download.status_code == 200 and download.content == SCAN

    archive = await api.client.get(f"/api/projects/{d.project['id']}/archive", headers=d.clerk)
    assert archive.status_code == 200
    zipped = zipfile.ZipFile(io.BytesIO(archive.content))
    manifest = json.loads(zipped.read("manifest.json"))
    entry = next(f for f in manifest["files"] if f["file_id"] == scan["id"])
    assert entry["path"].startswith("决定文书/节能审查") and entry["kind"] == "decision"
    assert zipped.read(entry["path"]) == SCAN


async def test_a_decision_is_still_recorded_by_its_certificate_number_alone(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    await d.ok(xmba, "accept", fgj)
    approved = await d.ok(xmba, "approve", fgj, certificate_no="2026-330521-04-03-000001")
    assert approved["decision"]["file_ids"] == [] and approved["decision_files"] == []

"""A record's decision document (decision_file): stored as the approval's decision scan, shown on the approval
and downloadable as a department's upload is; a bad one refuses its record and writes nothing else."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from agency.files.models import StoredFile
from tests.agency.sync.test_sync_api import coded_dossier, integration_headers, push, record
from tests.support import Api

SCAN = b"%PDF-1.7\n" + "备案证明扫描件".encode() * 300


def encoded(content: bytes) -> str:
    return base64.b64encode(content).decode()


async def _decision_files(api: Api) -> int:
    async with api.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(StoredFile).where(
            StoredFile.kind == "decision"))).scalar_one())


@pytest.mark.usefixtures("external_fgj")
async def test_the_decision_file_of_an_approved_record_is_the_approvals_decision_scan(api: Api) -> None:
    d, code = await coded_dossier(api)
    gongai = await integration_headers(api)
    approved = record(code, "approved", certificate_no="备案-001", decision_file=encoded(SCAN))
    answer = await push(api, gongai, record(code, "submitted"), record(code, "accepted"), approved)
    assert answer == {"applied": 3, "unchanged": 0, "queued": []}
    approval = await d.get(d.approval_id("xmba"))
    assert approval["status"] == "approved" and len(approval["decision_files"]) == 1
    scan = approval["decision_files"][0]
    assert approval["decision"]["file_ids"] == [scan["id"]] and scan["size"] == len(SCAN)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    download = await api.client.get(f"/api/files/{scan['id']}", headers=enterprise, follow_redirects=True)
    assert download.status_code == 200 and download.content == SCAN
    # The same record again: unchanged, and no second copy of its document.
    before = await _decision_files(api)
    assert (await push(api, gongai, approved))["unchanged"] == 1
    assert await _decision_files(api) == before


@pytest.mark.usefixtures("external_fgj")
@pytest.mark.parametrize(("document", "act", "why"), [
    ("这不是base64!!", "approved", "base64"),
    (encoded(b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)), "approved", "10 MB"),
    (encoded("一份纯文本说明".encode() * 40), "approved", "只接受"),
    (encoded(SCAN), "accepted", "只有办结"),
])
async def test_a_bad_decision_file_refuses_its_record_and_writes_nothing(api: Api, document: str, act: str,
                                                                         why: str) -> None:
    d, code = await coded_dossier(api)
    gongai = await integration_headers(api)
    await push(api, gongai, record(code, "submitted"), *([record(code, "accepted")] if act == "approved" else []))
    xmba = d.approval_id("xmba")
    version, files = (await d.get(xmba))["version"], await _decision_files(api)
    bad = record(code, act, certificate_no="备案-002", decision_file=document)
    answer = await push(api, gongai, bad)
    assert answer["applied"] == 0 and answer["queued"][0]["record_id"] == bad["record_id"]
    assert "决定文书有误" in answer["queued"][0]["reason"] and why in answer["queued"][0]["reason"]
    assert (await d.get(xmba))["version"] == version and await _decision_files(api) == files
    queue = (await api.client.get("/api/sync/queue", headers=d.clerk, params={"status": "refused"})).json()
    kept = next(r for r in queue["items"] if r["record_id"] == bad["record_id"])
    retried = await api.client.post(f"/api/sync/queue/{kept['id']}/apply", headers=d.clerk)
    assert retried.json()["status"] == "refused" and why in retried.json()["reason"]
    assert (await d.get(xmba))["version"] == version

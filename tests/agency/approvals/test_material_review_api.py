"""The enterprise uploads what it is asked for (网上办事); its files wait for the clerk's review, who accepts
them into the material or sends them back with a reason the enterprise reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from agency.audit.models import AuditEvent
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api


def _pdf(text: str) -> bytes:
    return b"%PDF-1.7\n" + text.encode() * 300


async def _upload(d: Dossier, headers: dict[str, str], approval_id: int, code: str, name: str,
                  body: bytes) -> Any:
    return await d.api.client.post(f"/api/approvals/{approval_id}/materials/{code}/files", headers=headers,
                                   files={"file": (name, body, "application/pdf")})


async def _material(d: Dossier, approval_id: int, code: str, headers: dict[str, str]) -> dict[str, Any]:
    return next(m for m in (await d.get(approval_id, headers))["materials"] if m["code"] == code)


async def test_the_enterprise_uploads_and_the_clerk_accepts_or_sends_back(api: Api) -> None:
    d = await open_dossier(api)
    xmba = d.approval_id("xmba")
    await d.ok(xmba, "prepare")
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    good = await _upload(d, enterprise, xmba, "sqb", "申请表.pdf", _pdf("申请表"))
    assert good.status_code == 201, good.text
    assert good.json()["state"] == "pending"
    blurred = await _upload(d, enterprise, xmba, "sqb", "申请表-模糊.pdf", _pdf("模糊"))
    assert blurred.status_code == 201, blurred.text
    # Waiting for review: not in the current set, so the material is still missing.
    waiting = await _material(d, xmba, "sqb", enterprise)
    assert waiting["state"] == "missing" and waiting["files"] == []
    assert [f["filename"] for f in waiting["pending"]] == ["申请表.pdf", "申请表-模糊.pdf"]
    # The same checks as the clerk's uploads: the type by content.
    fake = await d.api.client.post(f"/api/approvals/{xmba}/materials/sqb/files", headers=enterprise,
                                   files={"file": ("申请表.pdf", b"MZ" + b"\0" * 500, "application/pdf")})
    assert fake.status_code == 415

    # Only the clerk reviews; a return needs its reason.
    assert (await api.client.post(f"/api/files/{good.json()['id']}/review", headers=enterprise,
                                  json={"accept": True})).status_code == 403
    no_reason = await api.client.post(f"/api/files/{blurred.json()['id']}/review", headers=d.clerk,
                                      json={"accept": False})
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["field"] == "reason"
    accepted = await api.client.post(f"/api/files/{good.json()['id']}/review", headers=d.clerk,
                                     json={"accept": True})
    assert accepted.status_code == 200, accepted.text
    returned = await api.client.post(f"/api/files/{blurred.json()['id']}/review", headers=d.clerk,
                                     json={"accept": False, "reason": "扫描不清晰，请重新扫描"})
    assert returned.status_code == 200, returned.text
    again = await api.client.post(f"/api/files/{good.json()['id']}/review", headers=d.clerk, json={"accept": True})
    assert again.status_code == 409

    seen = await _material(d, xmba, "sqb", enterprise)
    assert seen["state"] == "provided" and [f["filename"] for f in seen["files"]] == ["申请表.pdf"]
    assert seen["pending"] == []
    assert [(f["filename"], f["state"], f["reason"]) for f in seen["history"]] == [
        ("申请表-模糊.pdf", "returned", "扫描不清晰，请重新扫描")]
    async with api.sessions() as session:
        audited = (await session.execute(select(AuditEvent.object_id, AuditEvent.action).where(
            AuditEvent.object_type == "file", AuditEvent.action.in_(("file.accept", "file.return"))))).all()
    assert set(audited) >= {(str(good.json()["id"]), "file.accept"), (str(blurred.json()["id"]), "file.return")}


async def test_who_may_upload_for_the_enterprise(api: Api) -> None:
    """Another enterprise does not see the approval (404); a department does not upload scans (403); once the
    approval went to its department the enterprise has nothing to upload (409)."""
    d = await open_dossier(api)
    xmba = d.approval_id("xmba")
    await d.ok(xmba, "prepare")
    other = await open_dossier(api)
    stranger = await api.user_headers("enterprise", enterprise_id=other.enterprise_id)
    fgj = await d.officer("fgj")
    assert (await _upload(d, stranger, xmba, "sqb", "a.pdf", _pdf("a"))).status_code == 404
    assert (await _upload(d, fgj, xmba, "sqb", "a.pdf", _pdf("a"))).status_code == 403
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    mine = await _upload(d, enterprise, xmba, "sqb", "申请表.pdf", _pdf("申请表"))
    assert mine.status_code == 201
    assert (await api.client.post(f"/api/files/{mine.json()['id']}/review", headers=fgj,
                                  json={"accept": True})).status_code == 403
    assert (await api.client.post(f"/api/files/{mine.json()['id']}/review", headers=stranger,
                                  json={"accept": True})).status_code == 404
    assert (await api.client.post(f"/api/files/{mine.json()['id']}/review", headers=d.clerk,
                                  json={"accept": True})).status_code == 200
    await d.scan(xmba, "yyzz", "cns")
    await d.ok(xmba, "submit")
    late = await _upload(d, enterprise, xmba, "sqb", "a.pdf", _pdf("a"))
    assert late.status_code == 409, late.text

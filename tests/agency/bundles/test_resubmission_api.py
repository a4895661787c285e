"""Answers to a one-time notice go out only in a bundle (kind ``resubmission``), and the clock resumes on the day
the supplemented materials reach the department."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from agency.approvals.models import ClockEventRow
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.approvals.test_clock_api import _offline_accepted
from tests.agency.bundles.test_bundles_api import upload_required
from tests.support import Api


async def _bundles(d: Dossier) -> list[dict[str, Any]]:
    response = await d.api.client.get("/api/bundles", headers=d.clerk, params={"project_id": d.project["id"]})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def _candidates(d: Dossier) -> dict[int, dict[str, Any]]:
    response = await d.api.client.get(f"/api/projects/{d.project['id']}/bundle-candidates", headers=d.clerk)
    assert response.status_code == 200, response.text
    return {c["approval_id"]: c for c in response.json()}


async def _resumed_on(d: Dossier, approval_id: int) -> list[date]:
    async with d.api.sessions() as session:
        return list((await session.execute(select(ClockEventRow.on).where(
            ClockEventRow.approval_id == approval_id, ClockEventRow.kind == "resumed"))).scalars())


async def test_the_resubmit_action_sends_a_bundle_with_only_what_changed(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    fgj = await d.officer("fgj")
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "prepare")
    await upload_required(d, jnsc)
    first = await d.api.client.post("/api/bundles", headers=d.clerk,
                                    json={"project_id": d.project["id"], "approval_ids": [jnsc]})
    assert first.status_code == 201 and first.json()["kind"] == "submission"
    await d.ok(jnsc, "accept", fgj)
    material = (await d.get(jnsc))["materials"][0]["code"]
    asked = await d.ok(jnsc, "request_supplement", fgj, missing_materials=[material], reason="测算依据不足")
    assert asked["status"] == "supplement_requested" and asked["status_name"] == "待补正"
    assert asked["pending_supplement"] is False  # after acceptance: the status itself says so
    assert asked["supplement_notice"]["missing_materials"] == [material]
    fresh = await upload_required(d, jnsc, material)
    resubmitted = await d.ok(jnsc, "resubmit")
    assert resubmitted["status"] == "accepted" and resubmitted["clock"]["paused"] is False
    assert resubmitted["supplement_notice"] is None
    latest = (await _bundles(d))[0]
    assert latest["kind"] == "resubmission" and latest["approvals"] == [jnsc]
    assert latest["file_ids"] == [fresh[0]["id"]] and latest["transmittal_file_id"] is not None
    # Online: the clock resumed the day the bundle was sent, whether or not the department has signed yet.
    assert latest["status"] == "sent" and await _resumed_on(d, jnsc) == [date.fromisoformat(latest["sent_at"][:10])]
    signed = await api.client.post(f"/api/bundles/{latest['id']}/receive", headers=fgj)
    assert signed.status_code == 200 and signed.json()["received_on"] is not None
    assert len(await _resumed_on(d, jnsc)) == 1  # the receipt is recorded for the file; the clock is not moved again


async def test_nothing_resubmits_around_a_bundle(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    fgj = await d.officer("fgj")
    jnsc = await d.ready_to_submit("jnsc")
    await d.ok(jnsc, "submit")
    await d.ok(jnsc, "accept", fgj)
    material = (await d.get(jnsc))["materials"][0]["code"]
    await d.ok(jnsc, "request_supplement", fgj, missing_materials=[material])
    early = await d.act(jnsc, "resubmit")
    assert early.status_code == 409 and "补正材料尚未上传" in early.json()["detail"]
    assert await _bundles(d) == []  # nothing numbered, nothing sent
    stale = await d.act(jnsc, "resubmit", version=1)
    assert stale.status_code == 409 and stale.json()["extra"]["current_version"] > 1
    officer = await d.act(jnsc, "resubmit", fgj)
    assert officer.status_code == 403


async def test_a_notice_before_acceptance_reads_待补正_until_resubmitted_through_a_bundle(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    fgj = await d.officer("fgj")
    jnsc = await d.ready_to_submit("jnsc")
    await d.ok(jnsc, "submit")
    material = (await d.get(jnsc))["materials"][0]["code"]
    back = await d.ok(jnsc, "request_supplement", fgj, missing_materials=[material], reason="盖章不清")
    assert back["status"] == "preparing" and back["status_name"] == "待补正"
    assert back["pending_supplement"] is True and back["supplement_notice"]["reason"] == "盖章不清"
    allowed = (await d.get(jnsc))["allowed_actions"]  # the clerk's
    assert "resubmit" in allowed and "submit" not in allowed
    listed = await api.client.get("/api/approvals", headers=d.clerk,
                                  params={"project_id": d.project["id"], "awaiting_supplement": "true"})
    assert [(i["id"], i["status_name"], i["pending_supplement"]) for i in listed.json()["items"]] == [
        (jnsc, "待补正", True)]
    assert listed.json()["total"] == 1
    # The direct submission would bypass the bundle: refused, and it stays 待补正.
    direct = await d.act(jnsc, "submit")
    assert direct.status_code == 409 and "组批报送" in direct.json()["detail"]
    candidate = (await _candidates(d))[jnsc]
    assert candidate["kind"] == "resubmission" and candidate["ready"] is False
    assert any("补正材料尚未上传" in p for p in candidate["problems"])
    fresh = await upload_required(d, jnsc, material)
    assert (await _candidates(d))[jnsc]["ready"] is True
    again = await d.ok(jnsc, "resubmit")
    assert again["status"] == "submitted" and again["pending_supplement"] is False
    assert again["status_name"] == "已报送待受理"
    sent = (await _bundles(d))[0]
    assert sent["kind"] == "resubmission" and sent["file_ids"] == [fresh[0]["id"]]
    none_left = await api.client.get("/api/approvals", headers=d.clerk,
                                     params={"project_id": d.project["id"], "awaiting_supplement": "true"})
    assert none_left.json()["total"] == 0


@pytest.mark.today("2026-11-11")
async def test_an_offline_department_resumes_on_the_recorded_receipt(api: Api) -> None:
    d = await open_dossier(api)
    dljr = await _offline_accepted(d, date(2026, 11, 2))
    material = (await d.get(dljr))["materials"][0]["code"]
    await d.ok(dljr, "request_supplement", missing_materials=[material], effective_on=date(2026, 11, 4))
    await upload_required(d, dljr, material)
    sent = await api.client.post("/api/bundles", headers=d.clerk,
                                 json={"project_id": d.project["id"], "approval_ids": [dljr]})
    assert sent.status_code == 201 and sent.json()["kind"] == "resubmission"
    # On its way to the power company: still paused, and not offered a second time.
    waiting = await d.get(dljr)
    assert waiting["status"] == "supplement_requested" and waiting["clock"]["paused"] is True
    candidate = (await _candidates(d))[dljr]
    assert candidate["ready"] is False and sent.json()["code"] in candidate["problems"][0]
    twice = await api.client.post("/api/bundles", headers=d.clerk,
                                  json={"project_id": d.project["id"], "approval_ids": [dljr]})
    assert twice.status_code == 409
    received = await api.client.post(f"/api/bundles/{sent.json()['id']}/receive", headers=d.clerk,
                                     json={"effective_on": "2026-11-11"})
    assert received.status_code == 200, received.text
    assert await _resumed_on(d, dljr) == [date(2026, 11, 11)]
    clock = (await d.get(dljr))["clock"]
    assert clock["paused"] is False and (await d.get(dljr))["status"] == "accepted"
    # Paused 5, 6, 9, 10 and 11 November: 4 and 3 November used, 8 left from 12 November on.
    assert clock["due_on"] == "2026-11-23"


async def test_candidates_say_why_an_item_cannot_go_out(api: Api) -> None:
    d = await open_dossier(api)
    jnsc, ydghxk, gcghxk = d.approval_id("jnsc"), d.approval_id("ydghxk"), d.approval_id("gcghxk")
    await d.force_approved("xmba")
    await d.ok(jnsc, "prepare")
    await upload_required(d, jnsc)
    await d.ok(ydghxk, "prepare")
    found = await _candidates(d)
    assert found[jnsc]["ready"] is True and found[jnsc]["problems"] == [] and found[jnsc]["kind"] == "submission"
    assert found[jnsc]["department_name"] == "发展和改革局"
    assert found[ydghxk]["ready"] is False and found[ydghxk]["problems"][0].startswith("缺少材料")
    assert found[gcghxk]["problems"] == ["尚未开始准备材料（计划中）"]
    assert d.approval_id("xmba") not in found  # approved: nothing to send
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    refused = await api.client.get(f"/api/projects/{d.project['id']}/bundle-candidates", headers=enterprise)
    assert refused.status_code == 403


async def test_a_bundle_does_not_mix_first_submissions_and_resubmissions(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    fgj = await d.officer("fgj")
    jnsc = await d.ready_to_submit("jnsc")
    await d.ok(jnsc, "submit")
    material = (await d.get(jnsc))["materials"][0]["code"]
    await d.ok(jnsc, "request_supplement", fgj, missing_materials=[material])
    await upload_required(d, jnsc, material)
    # 备案 of the same department is no answer to a notice: the two cannot travel together.
    mixed = await api.client.post("/api/bundles", headers=d.clerk,
                                  json={"project_id": d.project["id"], "approval_ids": [jnsc, d.approval_id("xmba")]})
    assert mixed.status_code == 422 and mixed.json()["extra"][0]["field"] == "approval_ids"
    assert "分批" in mixed.json()["detail"]

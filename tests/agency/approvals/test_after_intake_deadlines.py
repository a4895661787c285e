"""The deadlines that are not an approval's clock, through the one sweep and ledger: a deferred material's
promise (容缺), the department's check of a commitment (告知承诺 → 事后核查); and the agency mandate the enterprise
pauses, which turns the applicant's reminders to the enterprise while the departments' clocks run on."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from agency.notifications.models import Notification
from tests.agency.approvals.flow import Dossier, approved_with_commitment, open_dossier
from tests.agency.bundles.test_bundles_api import upload_required
from tests.support import Api


async def _sweep(api: Api, as_of: date) -> dict[str, Any]:
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers,
                                     json={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _firings(api: Api, headers: dict[str, str], approval_id: int, rule: str) -> list[tuple[str, str, str]]:
    listed = (await api.client.get("/api/escalations", headers=headers, params={"approval_id": approval_id})).json()
    return sorted((e["subject_type"], e["occasion"], e["level"]) for e in listed["items"] if e["rule"] == rule)


async def _state(d: Dossier, approval_id: int, code: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await d.api.client.post(f"/api/approvals/{approval_id}/materials/{code}/state", headers=headers,
                                       json={k: v.isoformat() if hasattr(v, "isoformat") else v
                                             for k, v in body.items()})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _messages_to(api: Api, **where: Any) -> list[Notification]:
    async with api.sessions() as session:
        query = select(Notification).where(Notification.object_type == "escalation")
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        return list((await session.execute(query)).scalars())


@pytest.mark.today("2026-12-02")
async def test_a_deferred_material_past_its_promise_fires_once_on_the_next_working_day(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba", "ydghxk", "tddj")
    zrzy = await d.officer("zrzy")
    gcghxk = d.approval_id("gcghxk")
    await d.ok(gcghxk, "prepare")
    await upload_required(d, gcghxk, *[m["code"] for m in (await d.get(gcghxk))["materials"]
                                       if m["required"] and m["code"] != "sjzz"])
    await d.ok(gcghxk, "submit")
    await _state(d, gcghxk, "sjzz", zrzy, state="deferred", promised_on=date(2026, 12, 4))  # a Friday
    await d.ok(gcghxk, "accept", zrzy)

    for day in (date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)):  # the day itself, then the weekend
        await _sweep(api, day)
        assert await _firings(api, d.clerk, gcghxk, "deferral_overdue") == [], day
    await _sweep(api, date(2026, 12, 7))  # Monday: the first working day after the promise
    assert await _firings(api, d.clerk, gcghxk, "deferral_overdue") == [("deferral", "sjzz", "yellow")]
    await _sweep(api, date(2026, 12, 8))
    assert await _firings(api, zrzy, gcghxk, "deferral_overdue") == [("deferral", "sjzz", "yellow")]
    # The enterprise owes the paper: it hears of it by SMS; the department's leaders are not paged for it.
    texts = [n.body for n in await _messages_to(api, channel="sms")
             if n.project_id == d.project["id"]]
    assert any("容缺受理的材料已过承诺补交日期" in text for text in texts), texts
    assert not any(text.startswith("【电子监察】") for text in texts), texts


@pytest.mark.today("2026-12-31")
async def test_a_commitment_is_checked_after_the_decision_and_a_false_one_flags_the_approval(api: Api) -> None:
    """施工许可 decided on 31 December 2026: its commitment (建设资金已落实承诺书) is due for checking two calendar
    months later, on 28 February 2027 (a shorter month keeps its last day)."""
    d, sgxk = await approved_with_commitment(api)
    zjj = await d.officer("zjj")
    listed = (await api.client.get("/api/commitment-checks", headers=zjj, params={"approval_id": sgxk})).json()
    assert listed["total"] == 1
    check = listed["items"][0]
    assert (check["material_code"], check["material_name"], check["opened_on"], check["due_on"], check["status"]) == (
        "zjcn", "建设资金已落实承诺书", "2026-12-31", "2027-02-28", "open")
    assert check["department_name"] == "住房和城乡建设局" and check["status_name"] == "待核查"
    other = await d.officer("fgj")
    assert (await api.client.get("/api/commitment-checks", headers=other, params={"approval_id": sgxk})
            ).json()["total"] == 0

    await _sweep(api, date(2027, 2, 26))
    assert await _firings(api, zjj, sgxk, "verification_overdue") == [("verification", "", "yellow")]
    await _sweep(api, date(2027, 3, 1))
    await _sweep(api, date(2027, 3, 2))
    assert await _firings(api, zjj, sgxk, "verification_overdue") == [("verification", "", "red"),
                                                                        ("verification", "", "yellow")]

    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    leader = await api.create_user("leader")
    url = f"/api/commitment-checks/{check['id']}"
    by_enterprise = await api.client.post(url, headers=enterprise, json={"result": "confirmed", "version": 1})
    assert by_enterprise.status_code == 403
    no_finding = await api.client.post(url, headers=zjj, json={"result": "false", "version": check["version"]})
    assert no_finding.status_code == 422 and no_finding.json()["extra"][0]["field"] == "finding"
    found = await api.client.post(url, headers=zjj, json={"result": "false", "version": check["version"],
                                                           "finding": "资金证明与银行回单不符"})
    assert found.status_code == 200, found.text
    assert (found.json()["status"], found.json()["status_name"], found.json()["checked_on"]) == (
        "false", "承诺不实", "2026-12-31")
    assert (await d.get(sgxk))["commitment_breached"] is True
    again = await api.client.post(url, headers=zjj, json={"result": "confirmed", "version": found.json()["version"]})
    assert again.status_code == 409
    async with api.sessions() as session:
        told = list((await session.execute(select(Notification.subject).where(
            Notification.recipient_user_id == leader.id))).scalars())
    assert "承诺不实：建筑工程施工许可证" in told, told


@pytest.mark.today("2026-12-04")
async def test_a_paused_mandate_turns_the_applicants_reminders_to_the_enterprise(api: Api) -> None:
    async def asked_before_acceptance() -> tuple[Dossier, int]:
        d = await open_dossier(api)
        xmba = await d.ready_to_submit("xmba", prepare_on=date(2026, 11, 2))
        await d.ok(xmba, "submit", effective_on=date(2026, 11, 3))
        await d.ok(xmba, "request_supplement", api.admin_headers, missing_materials=["sqb"],
                   effective_on=date(2026, 11, 4))
        return d, xmba

    paused, paused_xmba = await asked_before_acceptance()
    running, running_xmba = await asked_before_acceptance()
    url = f"/api/projects/{paused.project['id']}/mandate"
    no_reason = await api.client.post(url, headers=paused.clerk, json={"action": "pause", "reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["field"] == "reason"
    done = await api.client.post(url, headers=paused.clerk,
                                 json={"action": "pause", "reason": "企业资金调整，暂停代办"})
    assert done.status_code == 200, done.text
    assert done.json()["mandate"] == {"status": "paused", "status_name": "已中止（企业暂停代办）",
                                      "paused_on": "2026-12-04", "pause_reason": "企业资金调整，暂停代办"}
    twice = await api.client.post(url, headers=paused.clerk, json={"action": "pause", "reason": "再次中止"})
    assert twice.status_code == 409
    enterprise = await api.user_headers("enterprise", enterprise_id=paused.enterprise_id)
    assert (await api.client.post(url, headers=enterprise, json={"action": "resume", "reason": "续办"})
            ).status_code == 403

    await _sweep(api, date(2026, 12, 4))  # 10 working days after 4 November have passed: the notice is overdue
    for d, xmba in ((paused, paused_xmba), (running, running_xmba)):
        assert await _firings(api, d.clerk, xmba, "stall_supplement") == [("approval", "", "yellow")]
    for d, told in ((running, True), (paused, False)):
        clerk_id = (await api.client.get("/api/me", headers=d.clerk)).json()["id"]
        assert (d.project["id"] in {n.project_id for n in await _messages_to(api, recipient_user_id=clerk_id)}) is told
    enterprise_id = (await api.client.get("/api/me", headers=enterprise)).json()["id"]
    assert paused.project["id"] in {n.project_id for n in await _messages_to(api, recipient_user_id=enterprise_id)}

    resumed = await api.client.post(url, headers=paused.clerk, json={"action": "resume", "reason": "企业恢复委托"})
    assert resumed.json()["mandate"]["status"] == "active"
    await paused.ok(paused_xmba, "withdraw", reason="企业放弃")
    closed = await api.client.post(f"/api/projects/{paused.project['id']}/close", headers=paused.clerk,
                                   json={"reason": "企业终止委托"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["mandate"]["status"] == "ended"

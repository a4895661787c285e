"""The enterprise's obligations after a decision: created with their due dates by the law's count, extended
at most as often as the catalog allows, met by the milestone (开工), and reminded of through the one sweep."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from agency.calendar.service import get_calendar
from agency.escalation.models import Escalation
from agency.notifications.models import Notification
from agency.obligations.service import due_date
from tests.agency.approvals.flow import Dossier, approved_with_commitment, open_dossier
from tests.support import Api


async def _obligations(d: Dossier, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await d.api.client.get("/api/obligations", headers=headers,
                                      params={"project_id": d.project["id"], **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _sweep(api: Api, as_of: date) -> None:
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers,
                                     json={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text


async def _firings(d: Dossier) -> list[tuple[str, str, str, date]]:
    async with d.api.sessions() as session:
        rows = (await session.execute(select(Escalation).where(
            Escalation.subject_type == "obligation", Escalation.project_id == d.project["id"]))).scalars()
        return sorted((e.rule, e.level, e.occasion, e.as_of) for e in rows)


@pytest.mark.today("2026-03-31")
async def test_a_building_permit_decided_on_31_march_must_be_started_by_30_june_and_extends_twice(api: Api) -> None:
    """建筑法 第九条: three months from 31 March end on 30 June (June has no 31st); two extensions of three
    months each, no third."""
    d, sgxk = await approved_with_commitment(api)
    listed = await _obligations(d, d.clerk)
    assert listed["total"] == 1
    o = listed["items"][0]
    assert (o["approval_id"], o["kind"], o["due_on"], o["status"], o["status_name"], o["extensions"]) == (
        sgxk, "start_construction", "2026-06-30", "open", "待履行", [])
    assert o["days_left"] == 91 and o["extensions_left"] == 2
    assert "第九条" in o["legal_basis"]
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await _obligations(d, enterprise))["items"][0]["id"] == o["id"]
    stranger = await api.user_headers("department", department_code="fgj")
    assert (await api.client.get("/api/obligations", headers=stranger)).json()["total"] == 0

    url = f"/api/obligations/{o['id']}/extend"
    refused = await api.client.post(url, headers=enterprise, json={"until": "2026-09-30"})
    assert refused.status_code == 403
    too_far = await api.client.post(url, headers=d.clerk, json={"until": "2026-10-01"})
    assert too_far.status_code == 422 and too_far.json()["extra"][0]["field"] == "until"
    first = await api.client.post(url, headers=d.clerk, json={"until": "2026-09-30"})
    assert first.status_code == 200, first.text
    assert (first.json()["due_on"], first.json()["status"], first.json()["extensions_left"]) == (
        "2026-09-30", "extended", 1)
    zjj = await d.officer("zjj")
    second = await api.client.post(url, headers=zjj, json={"until": "2026-12-30"})
    assert second.status_code == 200, second.text
    assert [e["until"] for e in second.json()["extensions"]] == ["2026-09-30", "2026-12-30"]
    third = await api.client.post(url, headers=zjj, json={"until": "2027-01-30"})
    assert third.status_code == 409
    assert (await _obligations(d, d.clerk, status="extended"))["total"] == 1
    assert (await _obligations(d, d.clerk, status="open"))["total"] == 0


@pytest.mark.today("2026-03-31")
async def test_the_sweep_reminds_once_at_each_distance_then_fires_red_when_the_date_passes(api: Api) -> None:
    d, _ = await approved_with_commitment(api)
    await _sweep(api, date(2026, 5, 30))  # 31 days left: nothing yet
    assert await _firings(d) == []
    await _sweep(api, date(2026, 5, 31))  # 30 days left
    await _sweep(api, date(2026, 5, 31))  # the same day again fires nothing twice
    await _sweep(api, date(2026, 6, 1))
    assert await _firings(d) == [("obligation_due", "prompt", "30d", date(2026, 5, 31))]
    for day in (date(2026, 6, 20), date(2026, 6, 27), date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 2)):
        await _sweep(api, day)
    assert await _firings(d) == [("obligation_due", "prompt", "10d", date(2026, 6, 20)),
                                   ("obligation_due", "prompt", "30d", date(2026, 5, 31)),
                                   ("obligation_due", "prompt", "3d", date(2026, 6, 27)),
                                   ("obligation_overdue", "red", "", date(2026, 7, 1))]
    async with api.sessions() as session:
        sms = list((await session.execute(select(Notification.body).where(
            Notification.channel == "sms", Notification.recipient_address == "13800001111",
            Notification.project_id == d.project["id"],
            Notification.object_type == "escalation"))).scalars())
    assert len(sms) == 3 and all("按期开工" in text and "2026-06-30" in text for text in sms), sms
    clerk = (await api.client.get("/api/notifications", headers=d.clerk)).json()["items"]
    assert any(n["subject"].startswith("红牌督办：") and "已逾期" in n["subject"] for n in clerk), clerk
    assert sum(n["subject"].startswith("义务到期提示：") for n in clerk) == 3


@pytest.mark.today("2026-03-31")
async def test_entering_the_start_of_construction_meets_the_obligation_and_silences_the_sweep(api: Api) -> None:
    d, _ = await approved_with_commitment(api)
    o = (await _obligations(d, d.clerk))["items"][0]
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    url = f"/api/obligations/{o['id']}/meet"
    assert (await api.client.post(url, headers=enterprise, json={"met_on": "2026-03-31"})).status_code == 403
    future = await api.client.post(url, headers=d.clerk, json={"met_on": "2026-04-01"})
    assert future.status_code == 422 and future.json()["extra"][0]["field"] == "met_on"
    met = await api.client.post(url, headers=d.clerk, json={"met_on": "2026-03-31", "note": "开工仪式"})
    assert met.status_code == 200, met.text
    assert [(i["status"], i["status_name"], i["met_on"]) for i in met.json()["items"]] == [
        ("met", "已履行", "2026-03-31")]
    assert (await api.client.post(url, headers=d.clerk, json={"met_on": "2026-03-31"})).status_code == 409
    await _sweep(api, date(2026, 7, 1))
    assert await _firings(d) == []


async def test_a_period_of_days_ending_on_a_holiday_ends_on_the_next_working_day(api: Api) -> None:
    """民法典 第二百零三条: 15 days from 20 September 2026 end on 5 October, inside the National Day holiday,
    so on 8 October; months count to the corresponding day, or the month's last."""
    async with api.sessions() as session:
        calendar = await get_calendar(session)
    assert due_date({"count": 15, "unit": "calendar_day"}, date(2026, 9, 20), calendar) == date(2026, 10, 8)
    assert due_date({"count": 3, "unit": "month"}, date(2026, 3, 31), calendar) == date(2026, 6, 30)
    assert due_date({"count": 3, "unit": "month"}, date(2026, 11, 30), calendar) == date(2027, 3, 1)  # 28 Feb: Sunday
    assert due_date({"count": 5, "unit": "workday"}, date(2026, 9, 30), calendar) == date(2026, 10, 13)


@pytest.mark.today("2026-03-31")
async def test_a_decision_with_a_validity_is_watched_until_it_lapses(api: Api) -> None:
    """The certificate's 有效期至 becomes an obligation due that day (行政许可法 第五十条: renew 30 days before)."""
    d = await open_dossier(api)
    sgxk = d.approval_id("sgxk")
    prerequisites = set((await d.get(sgxk))["prerequisites"])
    await d.force_approved(*[a["item_code"] for a in d.project["approvals"] if a["id"] in prerequisites],
                           on=date(2026, 1, 5))
    zjj = await d.officer("zjj")
    await d.ready_to_submit("sgxk")
    await d.ok(sgxk, "submit")
    await d.ok(sgxk, "accept", zjj)
    await d.ok(sgxk, "approve", zjj, certificate_no="330521202603310101", valid_until=date(2027, 3, 31))
    listed = await _obligations(d, d.clerk)
    assert sorted((i["kind"], i["due_on"]) for i in listed["items"]) == [
        ("start_construction", "2026-06-30"), ("valid_until", "2027-03-31")]
    validity = next(i for i in listed["items"] if i["kind"] == "valid_until")
    assert validity["name"] == "证照有效期届满（需延续的，应在届满三十日前申请）"
    assert "第五十条" in validity["legal_basis"] and validity["extensions_left"] == 0

"""The escalation sweep through HTTP: each level once and in order, idempotent, scoped, stricter for green."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from agency.calendar.seed import default_calendar
from agency.escalation.models import Escalation
from agency.notifications.models import Notification
from agency.timeutil import today_local
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api, FreshApi

CALENDAR = default_calendar()


async def _sweep(api: Api, as_of: date) -> dict[str, Any]:
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers,
                                     json={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


async def _accepted_xmba(api: Api) -> tuple[Dossier, int, date]:
    """企业投资项目备案: promised 1 working day, accepted today by 发展和改革局."""
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    accepted = await d.ok(xmba, "accept", fgj)
    return d, xmba, date.fromisoformat(accepted["clock"]["accepted_on"])


async def test_stepping_day_by_day_fires_prompt_yellow_red_l3_in_order_each_once(backend: str,
                                                                                  tmp_path: Path) -> None:
    async with FreshApi(backend, tmp_path) as api:  # its own database: the counts below are exact
        d, xmba, accepted = await _accepted_xmba(api)
        fired_on: list[tuple[date, dict[str, int]]] = []
        day = accepted
        for _ in range(7):
            fired_on.append((day, (await _sweep(api, day))["fired"]))
            day = CALENDAR.add_workdays(day, 1)
        order = [level for _, fired in fired_on for level in ("prompt", "yellow", "red", "l3") if fired[level]]
        assert order == ["prompt", "yellow", "red", "l3"]
        assert all(sum(fired.values()) <= 1 for _, fired in fired_on)
        # Red the day after the due date; L3 three working days of red later.
        red_day = next(day for day, fired in fired_on if fired["red"])
        l3_day = next(day for day, fired in fired_on if fired["l3"])
        assert CALENDAR.workdays_between(red_day, l3_day) == 2
        again = await _sweep(api, day)
        assert sum(again["fired"].values()) == 0
        listed = await api.client.get("/api/escalations", headers=api.admin_headers, params={"approval_id": xmba})
        assert sorted(e["level"] for e in listed.json()["items"]) == ["l3", "prompt", "red", "yellow"]
        red = next(e for e in listed.json()["items"] if e["level"] == "red")
        assert red["supervision_notice_id"] is not None
        assert "leader_in_charge" in red["targets"] and "center_leaders" in red["targets"]
        notice = await api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)
        assert "supervision_notice" in [doc["template"] for doc in notice.json()]


async def test_backdated_offline_acceptance_past_the_limit_is_red_with_notice_and_sms(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("sgxk")
    dljr = await d.ready_to_submit("dljr", prepare_on=CALENDAR.add_workdays(today_local(), -20))
    await d.ok(dljr, "submit", effective_on=CALENDAR.add_workdays(today_local(), -16))
    await d.ok(dljr, "accept", effective_on=CALENDAR.add_workdays(today_local(), -15))
    await _sweep(api, today_local())
    listed = (await api.client.get("/api/escalations", headers=d.clerk, params={"approval_id": dljr})).json()
    levels = {e["level"] for e in listed["items"]}
    assert {"red", "l3"} <= levels
    async with api.sessions() as session:
        sms = (await session.execute(select(func.count()).select_from(Notification).where(
            Notification.object_type == "escalation", Notification.channel == "sms",
            Notification.object_id.in_([str(e["id"]) for e in listed["items"]])))).scalar_one()
    assert sms >= 2  # the power company's leader in charge (red) and main leader (L3)
    approval = await d.get(dljr)
    assert {e["level"] for e in approval["escalations"]} == levels
    project = (await api.client.get(f"/api/projects/{d.project['id']}", headers=d.clerk)).json()
    assert {e["approval_id"] for e in project["open_escalations"]} == {dljr}


async def test_two_sweeps_at_once_fire_nothing_twice(backend: str, tmp_path: Path) -> None:
    async with FreshApi(backend, tmp_path) as api:
        _, xmba, accepted = await _accepted_xmba(api)
        late = CALENDAR.add_workdays(accepted, 6)
        results = await asyncio.gather(*(_sweep(api, late) for _ in range(4)))
        # First seen already at L3: L3 and the red beneath it, once each, whichever sweep got there first.
        assert sum(sum(r["fired"].values()) for r in results) == 2
        async with api.sessions() as session:
            rows = (await session.execute(select(Escalation.level).where(Escalation.approval_id == xmba))).all()
        assert sorted(level for (level,) in rows) == ["l3", "red"]


async def test_green_channel_project_escalates_earlier(api: Api) -> None:
    normal = await open_dossier(api)
    green = await open_dossier(api)
    leader = await api.user_headers("leader")
    url = f"/api/projects/{green.project['id']}/green-channel"
    await api.client.post(url, headers=green.clerk, json={"reason": "县重点招商项目"})
    await api.client.post(f"{url}/decision", headers=leader, json={"approve": True, "note": "同意"})
    for d in (normal, green):
        await d.force_approved("xmba")
        zrzy = await d.officer("zrzy")
        ydghxk = await d.ready_to_submit("ydghxk")
        await d.ok(ydghxk, "submit")
        await d.ok(ydghxk, "accept", zrzy)
    # 建设用地规划许可证: promised 5 working days. After 3 of them, 60% is used: yellow only when green.
    as_of = CALENDAR.add_workdays(today_local(), 3)
    levels = {}
    for d in (normal, green):
        approval = await d.get(d.approval_id("ydghxk"), as_of=as_of.isoformat())
        levels[d is green] = approval["clock"]["level"]
    assert levels == {False: "none", True: "yellow"}
    await _sweep(api, as_of)
    fired = {}
    for d in (normal, green):
        listed = await api.client.get("/api/escalations", headers=api.admin_headers,
                                      params={"approval_id": d.approval_id("ydghxk")})
        fired[d is green] = {e["level"] for e in listed.json()["items"]}
    assert "yellow" in fired[True] and "yellow" not in fired[False]


async def test_stalled_submission_escalates_to_the_department(api: Api) -> None:
    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba", prepare_on=today_local() - timedelta(days=1))
    await d.ok(xmba, "submit")
    await _sweep(api, CALENDAR.add_workdays(today_local(), 2))
    fgj = await d.officer("fgj")
    listed = await api.client.get("/api/escalations", headers=fgj, params={"approval_id": xmba})
    assert [(e["rule"], e["level"]) for e in listed.json()["items"]] == [("stall_submitted", "yellow")]


async def test_department_acknowledges_and_leader_resolves(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("sgxk")
    dljr = await d.ready_to_submit("dljr", prepare_on=CALENDAR.add_workdays(today_local(), -20))
    await d.ok(dljr, "submit", effective_on=CALENDAR.add_workdays(today_local(), -16))
    await d.ok(dljr, "accept", effective_on=CALENDAR.add_workdays(today_local(), -15))
    await _sweep(api, today_local())
    red = next(e for e in (await api.client.get("/api/escalations", headers=d.clerk, params={
        "approval_id": dljr, "level": "red"})).json()["items"])
    other = await d.officer("zjj")
    assert (await api.client.post(f"/api/escalations/{red['id']}/acknowledge", headers=other,
                                  json={"note": "x"})).status_code == 404
    gdgs = await d.officer("gdgs")
    acknowledged = await api.client.post(f"/api/escalations/{red['id']}/acknowledge", headers=gdgs,
                                         json={"note": "已安排专人上门勘察"})
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "acknowledged"
    leader = await api.user_headers("leader")
    no_note = await api.client.post(f"/api/escalations/{red['id']}/resolve", headers=leader, json={})
    assert no_note.status_code == 422
    resolved = await api.client.post(f"/api/escalations/{red['id']}/resolve", headers=leader,
                                     json={"note": "供电方案已批复"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert (await api.client.post(f"/api/escalations/{red['id']}/resolve", headers=leader,
                                  json={"note": "again"})).status_code == 409


async def test_only_admin_runs_the_sweep(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    response = await api.client.post("/api/escalations/sweep", headers=clerk, json={})
    assert response.status_code == 403

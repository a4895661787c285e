"""The problem ledger (问题清单): who logs, answers, confirms and sees a problem, and its escalation through the
one sweep and ledger of firings (subject ``problem``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from agency.notifications.models import Notification
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api


async def log_problem(d: Dossier, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    body = {"title": "厂区用地尚未完成征收", "description": "东侧3亩地块未完成征收补偿", "category": "land",
            "department_code": "zrzy", "due_on": "2026-12-04", **fields}
    return await d.api.client.post(f"/api/projects/{d.project['id']}/problems", headers=headers or d.clerk, json=body)


async def act(api: Api, problem_id: int, headers: dict[str, str], action: str, note: str = "") -> Any:
    return await api.client.post(f"/api/problems/{problem_id}/actions", headers=headers,
                                 json={"action": action, "note": note})


@pytest.mark.today("2026-12-01")
async def test_a_problem_is_logged_answered_solved_and_confirmed_by_whom_it_concerns(api: Api) -> None:
    d = await open_dossier(api)
    zrzy, fgj = await d.officer("zrzy"), await d.officer("fgj")
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    leader = await api.user_headers("leader")

    assert (await log_problem(d, enterprise)).status_code == 403
    assert (await log_problem(d, zrzy)).status_code == 403
    bad = await log_problem(d, department_code="nosuch")
    assert bad.status_code == 422 and bad.json()["extra"][0]["field"] == "department_code"
    past = await log_problem(d, due_on="2026-11-30")
    assert past.status_code == 422 and past.json()["extra"][0]["field"] == "due_on"
    logged = await log_problem(d, approval_ids=[d.approval_id("ydghxk")])
    assert logged.status_code == 201, logged.text
    problem = logged.json()
    assert (problem["status"], problem["status_name"], problem["category_name"], problem["department_name"],
            problem["opened_on"]) == ("open", "待解决", "用地", "自然资源和规划局", "2026-12-01")

    # The department it is assigned to sees it; another does not; the enterprise sees its own project's.
    for headers, total in ((zrzy, 1), (fgj, 0), (enterprise, 1)):
        listed = (await api.client.get("/api/problems", headers=headers,
                                       params={"project_id": d.project["id"]})).json()
        assert listed["total"] == total
    assert (await act(api, problem["id"], fgj, "respond", "不归我局")).status_code == 404
    assert (await act(api, problem["id"], enterprise, "respond", "x")).status_code == 403
    # Only the department answers; only the clerk or a leader confirms.
    assert (await act(api, problem["id"], d.clerk, "resolve")).status_code == 403
    assert (await act(api, problem["id"], zrzy, "confirm")).status_code == 403
    assert (await act(api, problem["id"], d.clerk, "confirm")).status_code == 409  # not solved yet
    no_note = await act(api, problem["id"], zrzy, "respond")
    assert no_note.status_code == 422 and no_note.json()["extra"][0]["field"] == "note"

    responded = await act(api, problem["id"], zrzy, "respond", "已报县政府，征收补偿方案本周内批复")
    assert responded.status_code == 200 and responded.json()["status_name"] == "办理中"
    resolved = await act(api, problem["id"], zrzy, "resolve", "征收补偿已完成")
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_on"] == "2026-12-01"
    reopened = await act(api, problem["id"], leader, "reopen", "现场核实仍有一户未签协议")
    assert reopened.json()["status"] == "open" and reopened.json()["resolved_on"] is None
    await act(api, problem["id"], zrzy, "resolve", "已签协议")
    confirmed = await act(api, problem["id"], d.clerk, "confirm", "现场核实无误")
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["status_name"] == "已确认解决"
    assert [n["action"] for n in body["notes"]] == ["respond", "resolve", "reopen", "resolve", "confirm"]
    events = (await api.client.get(f"/api/projects/{d.project['id']}/events", headers=d.clerk)).json()
    actions = [e["action"] for e in (events["items"] if isinstance(events, dict) else events)]
    assert "problem.log" in actions and "problem.confirm" in actions


async def _sweep(api: Api, as_of: date) -> None:
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers,
                                     json={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text


async def _problem_firings(api: Api, headers: dict[str, str], project_id: int) -> list[tuple[str, str]]:
    listed = (await api.client.get("/api/escalations", headers=headers, params={"project_id": project_id})).json()
    return sorted((e["level"], e["due_on"]) for e in listed["items"] if e["subject_type"] == "problem")


@pytest.mark.today("2026-12-01")
async def test_a_problem_past_its_due_date_escalates_through_the_sweep_like_a_clock(api: Api) -> None:
    """Logged Tuesday 1 December 2026, due Friday 4 December: 3 working days. The prompt comes on Thursday (one
    working day left), yellow on Friday (80% used), red on Monday 7 December, 督办 on the third working day
    overdue, Wednesday 9 December. Answered as solved, it fires nothing more."""
    d = await open_dossier(api)
    zrzy = await d.officer("zrzy")
    problem = (await log_problem(d)).json()
    project_id = d.project["id"]

    await _sweep(api, date(2026, 12, 2))
    assert await _problem_firings(api, d.clerk, project_id) == []
    await _sweep(api, date(2026, 12, 3))
    assert await _problem_firings(api, zrzy, project_id) == [("prompt", "2026-12-04")]
    await _sweep(api, date(2026, 12, 4))
    await _sweep(api, date(2026, 12, 4))  # twice the same day: nothing twice
    assert await _problem_firings(api, zrzy, project_id) == [("prompt", "2026-12-04"), ("yellow", "2026-12-04")]
    await _sweep(api, date(2026, 12, 7))
    await _sweep(api, date(2026, 12, 8))
    assert [level for level, _ in await _problem_firings(api, zrzy, project_id)] == ["prompt", "red", "yellow"]
    await _sweep(api, date(2026, 12, 9))
    assert [level for level, _ in await _problem_firings(api, zrzy, project_id)] == ["l3", "prompt", "red", "yellow"]
    # Another department sees none of it.
    assert await _problem_firings(api, await d.officer("fgj"), project_id) == []

    async with api.sessions() as session:
        told = list((await session.execute(select(Notification.subject).where(
            Notification.object_type == "escalation", Notification.project_id == project_id))).scalars())
    assert any(s.startswith("红牌督办：") and "厂区用地尚未完成征收" in s for s in told), told

    await act(api, problem["id"], zrzy, "resolve", "已完成征收")
    await _sweep(api, date(2026, 12, 14))
    assert len(await _problem_firings(api, zrzy, project_id)) == 4

"""The coordination pages: a leader calls a meeting on the project's page and records a decision; the department
finds the new problem among its open problems and answers it there; the enterprise reads its project's ledger."""

from __future__ import annotations

import pytest

from tests.agency.approvals.flow import open_dossier
from tests.agency.coordination.test_problems_api import log_problem
from tests.support import Api
from tests.web.browsers import browser_of


async def _username(api: Api, headers: dict[str, str]) -> str:
    return str((await api.client.get("/api/me", headers=headers)).json()["username"])


@pytest.mark.today("2026-12-01")
async def test_a_leader_holds_a_meeting_on_the_page_and_the_department_answers_the_decision(api: Api) -> None:
    d = await open_dossier(api)
    await log_problem(d, title="厂区东侧地块未完成征收")
    url = f"/app/projects/{d.project['id']}/coordination"
    clerk = await browser_of(api.client, await _username(api, d.clerk))
    assert f'href="{url}"' in (await clerk.get(f"/app/projects/{d.project['id']}")).text
    shown = await clerk.get(url)
    assert shown.status_code == 200
    assert "厂区东侧地块未完成征收" in shown.text and "自然资源和规划局" in shown.text
    assert "政府审批用时" in shown.text and "目标 120 个工作日" in shown.text
    assert 'action="/app/meetings"' not in shown.text  # only a leader calls a meeting

    bad = await clerk.post(f"/app/projects/{d.project['id']}/problems",
                           {"title": "缺少电力容量", "category": "utilities", "department_code": "gdgs", "due_on": ""},
                           page=url)
    assert bad.status_code == 303 and "err=" in bad.headers["location"]
    assert "请填写解决期限" in (await clerk.get(bad.headers["location"])).text

    leader = await browser_of(api.client, await _username(api, await api.user_headers("leader")))
    called = await leader.post("/app/meetings", {"project_id": str(d.project["id"]), "title": "项目推进协调会",
                                                 "planned_on": "2026-12-01"}, page=url)
    assert called.status_code == 303 and "ok=" in called.headers["location"], called.headers["location"]
    page = (await leader.get(url)).text
    assert "项目推进协调会（待召开）" in page and "厂区东侧地块未完成征收" in page
    meeting = (await api.client.get("/api/meetings", headers=api.admin_headers,
                                    params={"project_id": d.project["id"]})).json()[0]
    recorded = await leader.post(f"/app/meetings/{meeting['id']}/minutes", {
        "project_id": str(d.project["id"]), "held_on": "2026-12-01", "attendees": "副县长 王某\n供电公司 赵某",
        "text": "供电公司出具10kV专线接入方案", "department_code": "gdgs", "due_on": "2026-12-15"}, page=url)
    assert recorded.status_code == 303 and "ok=" in recorded.headers["location"], recorded.headers["location"]
    held = (await leader.get(url)).text
    assert "项目推进协调会（已召开）" in held and "会议纪要（代办〔2026〕" in held  # the minutes paper, to open

    gdgs = await browser_of(api.client, await _username(api, await d.officer("gdgs")))
    inbox = (await gdgs.get("/app/problems")).text
    assert "供电公司出具10kV专线接入方案" in inbox and "厂区东侧地块未完成征收" not in inbox
    assert f"/app/projects/{d.project['id']}/coordination" in inbox
    problem = (await api.client.get("/api/problems", headers=await d.officer("gdgs"),
                                    params={"project_id": d.project["id"]})).json()["items"][0]
    answered = await gdgs.post(f"/app/problems/{problem['id']}/actions",
                               {"action": "respond", "note": "方案已报送", "version": str(problem["version"])},
                               page="/app/problems")
    assert answered.status_code == 303 and "ok=" in answered.headers["location"]
    assert "办理中" in (await gdgs.get("/app/problems")).text.split(f'id="problem-{problem["id"]}"', 1)[1][:2000]
    assert "会议纪要（代办〔2026〕" in (await gdgs.get(url)).text  # sent to the department named
    signed = await gdgs.post(f"/app/meetings/{meeting['id']}/acknowledge", page="/app/problems")
    assert signed.status_code == 303 and "ok=" in signed.headers["location"]
    assert "供电公司出具10kV专线接入方案" in (await gdgs.get("/app/inbox")).text
    assert "供电公司出具10kV专线接入方案" in (await leader.get("/app/dashboard")).text

    # The land problem, due Friday 4 December, is red on Monday the 7th: the department's inbox and the
    # dashboard send to the project's ledger, there is no approval to link to.
    swept = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": "2026-12-07"})
    assert swept.status_code == 200
    zrzy = await browser_of(api.client, await _username(api, await d.officer("zrzy")))
    inbox = (await zrzy.get("/app/inbox")).text
    assert "协调问题解决期限" in inbox and f'href="{url}"' in inbox and "/app/approvals/None" not in inbox
    dashboard = (await leader.get("/app/dashboard")).text
    assert f'href="{url}"' in dashboard and "/app/approvals/None" not in dashboard
    # The leader issues the 督办通知单 on it from the page (the approval's paper, the same service as the API).
    land = (await api.client.get("/api/problems", headers=d.clerk, params={"project_id": d.project["id"]})
            ).json()["items"]
    land_id = next(p["id"] for p in land if p["title"] == "厂区东侧地块未完成征收")
    assert f'action="/app/problems/{land_id}/supervision-notice"' in (await leader.get(url)).text
    assert f"/app/problems/{land_id}/supervision-notice" not in (await clerk.get(url)).text
    issued = await leader.post(f"/app/problems/{land_id}/supervision-notice", page=url)
    assert issued.status_code == 303 and "ok=" in issued.headers["location"], issued.headers["location"]
    assert "已出具督办通知单" in (await leader.get(issued.headers["location"])).text

    enterprise = await browser_of(api.client, await _username(
        api, await api.user_headers("enterprise", enterprise_id=d.enterprise_id)))
    own = await enterprise.get(url)
    assert own.status_code == 200, (own.status_code, own.headers.get("location"))
    assert "供电公司出具10kV专线接入方案" in own.text and "办理中" in own.text
    # It reads; it neither logs, nor works a problem, nor sees the meetings.
    assert 'id="log-problem"' not in own.text and "/actions" not in own.text and 'id="meeting-' not in own.text

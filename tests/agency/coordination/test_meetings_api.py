"""Coordination meetings (协调会): a leader calls one, its agenda is the projects' open problems; its minutes'
decisions become problems (or update one) that the departments see; the departments named acknowledge."""

from __future__ import annotations

import pytest

from tests.agency.approvals.flow import open_dossier
from tests.agency.coordination.test_problems_api import act, log_problem
from tests.support import Api


@pytest.mark.today("2026-12-01")
async def test_a_meeting_decides_and_its_decisions_become_the_departments_problems(api: Api) -> None:
    d = await open_dossier(api)
    leader = await api.user_headers("leader")
    zrzy, gdj = await d.officer("zrzy"), await d.officer("fgj")
    existing = (await log_problem(d, title="规划条件与土地出让合同容积率不一致", category="planning")).json()
    await act(api, existing["id"], zrzy, "resolve", "已出具说明")

    body = {"title": "重点项目协调会（第1次）", "planned_on": "2026-12-03", "project_ids": [d.project["id"]]}
    assert (await api.client.post("/api/meetings", headers=d.clerk, json=body)).status_code == 403
    empty = await api.client.post("/api/meetings", headers=leader, json={**body, "project_ids": []})
    assert empty.status_code == 422
    called = await api.client.post("/api/meetings", headers=leader, json=body)
    assert called.status_code == 201, called.text
    meeting = called.json()
    assert meeting["status_name"] == "待召开"
    assert [(a["kind"], a["problem_id"]) for a in meeting["agenda"]] == [("problem", existing["id"])]

    url = f"/api/meetings/{meeting['id']}"
    assert (await api.client.post(f"{url}/acknowledge", headers=zrzy)).status_code == 409  # no minutes yet
    minutes = {"held_on": "2026-12-01", "attendees": ["县政府副县长 王某", "自然资源和规划局 李某", "供电公司 赵某"],
               "decisions": [
                   {"text": "供电公司于12月15日前完成10kV专线接入方案", "department_code": "gdgs",
                    "due_on": "2026-12-15"},
                   {"text": "自然资源和规划局重新核定容积率并出具书面意见", "department_code": "zrzy",
                    "due_on": "2026-12-10", "problem_id": existing["id"]}]}
    assert (await api.client.post(f"{url}/minutes", headers=d.clerk, json=minutes)).status_code == 403
    no_text = {**minutes, "decisions": [{**minutes["decisions"][0], "text": " "}]}
    refused = await api.client.post(f"{url}/minutes", headers=leader, json=no_text)
    assert refused.status_code == 422 and refused.json()["extra"][0]["field"] == "decisions[0].text"
    recorded = await api.client.post(f"{url}/minutes", headers=leader, json=minutes)
    assert recorded.status_code == 200, recorded.text
    made = recorded.json()["problems"]
    assert "minutes_document_id" in recorded.json()
    assert [(p["department_name"], p["due_on"], p["status"], p["meeting_id"]) for p in made] == [
        ("供电公司", "2026-12-15", "open", meeting["id"]), ("自然资源和规划局", "2026-12-10", "open", None)]
    assert made[1]["id"] == existing["id"] and made[1]["notes"][-1]["action"] == "decision"
    assert (await api.client.post(f"{url}/minutes", headers=leader, json=minutes)).status_code == 409

    # The 会议纪要 is sent to the departments it names, not issued to the enterprise: like the 督办通知单 and
    # the 材料移交清单 (agency/documents/rules.py), it is neither listed to the enterprise nor served to it.
    papers_url = f"/api/projects/{d.project['id']}/documents"
    [paper] = [p for p in (await api.client.get(papers_url, headers=d.clerk)).json()
               if p["template"] == "meeting_minutes"]
    owner = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert "meeting_minutes" not in [p["template"] for p in (await api.client.get(papers_url, headers=owner)).json()]
    assert (await api.client.get(f"/api/files/{paper['file_id']}", headers=owner)).status_code == 404
    assert (await api.client.get(f"/api/files/{paper['file_id']}", headers=zrzy)).status_code == 200

    # The power company's officer finds the decision as a problem in his list.
    gdgs = await d.officer("gdgs")
    listed = (await api.client.get("/api/problems", headers=gdgs,
                                   params={"status": "open", "project_id": d.project["id"]})).json()
    assert [p["title"] for p in listed["items"]] == ["供电公司于12月15日前完成10kV专线接入方案"]

    # Each department named acknowledges once; one not named has nothing to acknowledge.
    acknowledged = await api.client.post(f"{url}/acknowledge", headers=zrzy)
    assert acknowledged.status_code == 200 and "zrzy" in acknowledged.json()["acknowledgements"]
    assert (await api.client.post(f"{url}/acknowledge", headers=zrzy)).status_code == 409
    assert (await api.client.post(f"{url}/acknowledge", headers=gdj)).status_code in (403, 404)
    listed_meetings = (await api.client.get("/api/meetings", headers=d.clerk,
                                            params={"project_id": d.project["id"]})).json()
    assert [(m["id"], m["status_name"], m["departments_named"]) for m in listed_meetings] == [
        (meeting["id"], "已召开", ["gdgs", "zrzy"])]

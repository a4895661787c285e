"""The project page lists the project's coordination meetings, planned and held, each linking to its minutes."""

from __future__ import annotations

import pytest

from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.browsers import browser_of


@pytest.mark.today("2026-12-01")
async def test_the_project_page_lists_its_meetings(api: Api) -> None:
    d = await open_dossier(api)
    clerk = await browser_of(api.client, str((await api.client.get("/api/me", headers=d.clerk)).json()["username"]))
    url = f"/app/projects/{d.project['id']}"
    assert "本项目尚未召开协调会" in (await clerk.get(url)).text

    leader = await api.user_headers("leader")
    held = (await api.client.post("/api/meetings", headers=leader, json={
        "title": "用地问题协调会", "planned_on": "2026-12-01", "project_ids": [d.project["id"]]})).json()
    minutes = await api.client.post(f"/api/meetings/{held['id']}/minutes", headers=leader, json={
        "held_on": "2026-12-01", "attendees": ["副县长 王某"],
        "decisions": [{"text": "自然资源和规划局完成征收", "department_code": "zrzy", "due_on": "2026-12-20"}]})
    assert minutes.status_code == 200, minutes.text
    planned = (await api.client.post("/api/meetings", headers=leader, json={
        "title": "供电接入协调会", "planned_on": "2026-12-08", "project_ids": [d.project["id"]]})).json()

    listed = (await clerk.get(url)).text.split('id="project-meetings"')[1].split("</div>")[0]
    assert f'href="{url}/coordination#meeting-{held["id"]}">用地问题协调会</a>' in listed
    assert "2026-12-01 已召开，决定 1 项" in listed
    assert f'href="{url}/coordination#meeting-{planned["id"]}">供电接入协调会</a>' in listed
    assert "计划 2026-12-08 召开" in listed
    assert listed.index("供电接入协调会") < listed.index("用地问题协调会")  # the latest first

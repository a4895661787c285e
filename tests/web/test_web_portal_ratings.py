"""The enterprise rates its clerk (this quarter) and the officer of a decided approval of an online department on
its portal page: it picks the approval or the occasion, never the person; a bad rating of the clerk opens the
office's rectification, shown on the leaders' page with its reasons."""

from __future__ import annotations

import pytest

from tests.agency.approvals.flow import approved_with_commitment
from tests.support import Api
from tests.web.browsers import Browser, browser_of


async def _browser(api: Api, headers: dict[str, str]) -> Browser:
    return await browser_of(api.client, str((await api.client.get("/api/me", headers=headers)).json()["username"]))


@pytest.mark.today("2026-07-15")
async def test_the_enterprise_rates_its_clerk_and_the_officer_on_the_portal(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    headers = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    enterprise = await _browser(api, headers)
    page = f"/app/portal/projects/{d.project['id']}"
    action = f"{page}/ratings"
    handler = (await d.get(sgxk))["handler"]["display_name"]
    shown = (await enterprise.get(page)).text
    assert f"对代办员 {d.project['clerk']['display_name']} 的评价" in shown
    assert '<option value="2026Q3">2026年第3季度</option>' in shown
    assert 'value="mandate_end"' not in shown  # the mandate runs on
    assert f"经办人 {handler} 的评价" in shown and "联系不上、答复不及时" in shown

    unscored = await enterprise.post(action, {"target": "officer", "approval_id": sgxk}, page=page)
    assert unscored.status_code == 303 and "rating=missing" in unscored.headers["location"]
    clerk = await enterprise.post(action, {"target": "clerk", "occasion": "2026Q3", "score": "2",
                                           "reasons": ["slow", "unreachable"], "comment": "电话常打不通"}, page=page)
    assert clerk.status_code == 303 and "rating=thanks" in clerk.headers["location"]
    officer = await enterprise.post(action, {"target": "officer", "approval_id": str(sgxk), "score": "5"}, page=page)
    assert officer.status_code == 303 and "rating=thanks" in officer.headers["location"]
    twice = await enterprise.post(action, {"target": "clerk", "occasion": "2026Q3", "score": "4"}, page=page)
    assert twice.status_code == 303 and "people_error=" in twice.headers["location"]
    assert "已评价过" in (await enterprise.get(twice.headers["location"])).text

    after = (await enterprise.get(page)).text
    rated = after.split('id="people-rated"')[1].split("</ul>")[0]
    assert "代办员（2026年第3季度）：不满意（2026-07-15）" in rated and "部门经办人：非常满意（2026-07-15）" in rated
    assert 'id="rate-clerk"' not in after and f'id="rate-officer-{sgxk}"' not in after

    leader = await _browser(api, await api.user_headers("leader"))
    listed = (await leader.get("/app/rectifications")).text
    row = next(r for r in listed.split("<tr") if "电话常打不通" in r)
    for words in ("代办员（2026年第3季度）", "代办服务中心", "办理时间长、联系不上、答复不及时", "答复整改"):
        assert words in row, words

    other, _ = await approved_with_commitment(api)
    stranger = await enterprise.post(f"/app/portal/projects/{other.project['id']}/ratings",
                                     {"target": "clerk", "occasion": "2026Q3", "score": "5"}, page=page)
    assert stranger.status_code == 404

"""The 好差评 loop on the pages: the rated department replies to the rectification and appeals the rating, the
enterprise rates the reply, a leader decides the appeal — the same service as /api/rectifications; bad input
comes back in Chinese on the page, other roles get 403."""

from __future__ import annotations

import httpx
import pytest

from tests.agency.approvals.flow import approved_with_commitment
from tests.support import Api
from tests.web.browsers import Browser, browser_of

PAGE = "/app/rectifications"


async def _browser(api: Api, headers: dict[str, str]) -> Browser:
    return await browser_of(api.client, str((await api.client.get("/api/me", headers=headers)).json()["username"]))


async def _shown(browser: Browser, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[:500]
    return (await browser.get(response.headers["location"])).text


@pytest.mark.today("2026-07-15")
async def test_the_department_replies_and_the_enterprise_rates_the_reply_on_the_pages(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise_headers = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    rated = await api.client.post("/api/evaluations", headers=enterprise_headers,
                                  json={"approval_id": sgxk, "score": 2, "comment": "窗口答复不清楚"})
    assert rated.status_code == 201, rated.text
    rid = next(r["id"] for r in (await api.client.get("/api/rectifications", headers=await d.officer("zjj"))).json()[
        "items"] if r["approval_id"] == sgxk)

    officer = await _browser(api, await d.officer("zjj"))
    listed = (await officer.get(PAGE)).text
    row = listed.split(f'id="rectification-{rid}"')[1].split("</tr>")[0]
    for shown in ("2026-07-22", "住房和城乡建设局", "不满意（2026-07-15）", "窗口答复不清楚", "待整改", "答复整改",
                  "申诉"):
        assert shown in row, shown
    assert "差评整改" in listed  # the menu names the page

    blank = await officer.post(f"{PAGE}/{rid}/reply", {"note": "  "}, page=PAGE)
    assert "请填写整改情况。" in await _shown(officer, blank)
    enterprise = await _browser(api, enterprise_headers)
    assert (await enterprise.post(f"{PAGE}/{rid}/reply", {"note": "已整改"}, page=PAGE)).status_code == 403
    early = await enterprise.post(f"{PAGE}/{rid}/verdict", {"satisfied": "yes"}, page=PAGE)
    assert "部门尚未答复或已评价" in await _shown(enterprise, early)

    replied = await officer.post(f"{PAGE}/{rid}/reply", {"note": "已对窗口人员培训，并电话说明审批结果"}, page=PAGE)
    shown = await _shown(officer, replied)
    assert "已答复整改" in shown and "2026-07-15 答复：已对窗口人员培训，并电话说明审批结果" in shown
    again = await officer.post(f"{PAGE}/{rid}/reply", {"note": "再答复一次"}, page=PAGE)
    assert "该整改已答复" in await _shown(officer, again)

    portal = (await enterprise.get(PAGE)).text
    assert "已对窗口人员培训" in portal and "提交评价" in portal and "已答复，待企业评价" in portal
    unchosen = await enterprise.post(f"{PAGE}/{rid}/verdict", {}, page=PAGE)
    assert "请选择对整改答复满意或不满意。" in await _shown(enterprise, unchosen)
    assert (await officer.post(f"{PAGE}/{rid}/verdict", {"satisfied": "yes"}, page=PAGE)).status_code == 403
    verdict = await enterprise.post(f"{PAGE}/{rid}/verdict", {"satisfied": "no"}, page=PAGE)
    shown = await _shown(enterprise, verdict)
    assert "已评价整改答复：不满意" in shown and "企业评价答复：不满意" in shown and "已办结" in shown
    api_view = next(r for r in (await api.client.get("/api/rectifications", headers=enterprise_headers)).json()[
        "items"] if r["id"] == rid)
    assert (api_view["status"], api_view["satisfied"]) == ("closed", False)

    other = await _browser(api, await d.officer("fgj"))
    assert f'id="rectification-{rid}"' not in (await other.get(PAGE)).text
    assert (await other.post(f"{PAGE}/{rid}/reply", {"note": "不是本部门"}, page=PAGE)).status_code == 404


@pytest.mark.today("2026-07-22")
async def test_the_officer_appeals_on_the_page_and_the_leader_upholds_it(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise_headers = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    evaluation_id = (await api.client.post("/api/evaluations", headers=enterprise_headers,
                                           json={"approval_id": sgxk, "score": 1})).json()["id"]
    officer = await _browser(api, await d.officer("zjj"))
    appeal = f"/app/evaluations/{evaluation_id}/appeal"
    blank = await officer.post(appeal, {"reason": ""}, page=PAGE)
    assert "请填写申诉理由。" in await _shown(officer, blank)
    clerk = await _browser(api, d.clerk)
    # A clerk appeals ratings of himself only: a department's rating is not his to see.
    assert (await clerk.post(appeal, {"reason": "代办员不能申诉部门的评价"}, page="/app")).status_code == 404
    clerks_list = await clerk.get("/app/appeals")
    assert clerks_list.status_code == 200 and f"appeal-{evaluation_id}" not in clerks_list.text
    appealed = await officer.post(appeal, {"reason": "企业误评：办结用时 1 个工作日"}, page=PAGE)
    shown = await _shown(officer, appealed)
    assert "已提出申诉，等待领导审核。" in shown and "申诉待审" in shown
    assert "企业误评" in (await officer.get("/app/appeals")).text  # the department sees its own appeals

    leader = await _browser(api, await api.user_headers("leader"))
    pending = (await leader.get("/app/appeals")).text
    row = pending.split(f'id="appeal-{evaluation_id}"')[1].split("</tr>")[0]
    assert "企业误评：办结用时 1 个工作日" in row and "非常不满意" in row and "申诉成立" in row
    decision = f"/app/evaluations/{evaluation_id}/appeal/decision"
    assert (await officer.post(decision, {"decision": "uphold"}, page=PAGE)).status_code == 403
    unchosen = await leader.post(decision, {"note": "x"}, page="/app/appeals")
    assert "请选择申诉成立或不成立。" in await _shown(leader, unchosen)
    bare_reject = await leader.post(decision, {"decision": "reject", "note": ""}, page="/app/appeals")
    assert "驳回申诉须写明理由。" in await _shown(leader, bare_reject)
    upheld = await leader.post(decision, {"decision": "uphold", "note": "经核实，办理及时"}, page="/app/appeals")
    shown = await _shown(leader, upheld)
    assert "申诉成立，该评价不再计入满意率和排名。" in shown and f'id="appeal-{evaluation_id}"' not in shown
    decided = (await leader.get("/app/appeals?status=all")).text
    assert "申诉成立（不计入满意率）" in decided and "经核实，办理及时" in decided
    again = await leader.post(decision, {"decision": "reject", "note": "再审"}, page="/app/appeals")
    assert "该评价没有待审的申诉" in await _shown(leader, again)

"""The pages of the departments' record: violations (each user the rows the API gives him), the checks of
commitments with the department's form, the mandate on the project page, the new facts on the approval page."""

from __future__ import annotations

from datetime import date

import pytest

from tests.agency.approvals.flow import approved_with_commitment, open_dossier
from tests.support import Api
from tests.web.browsers import browser_of


async def _username(api: Api, headers: dict[str, str]) -> str:
    return str((await api.client.get("/api/me", headers=headers)).json()["username"])


@pytest.mark.today("2026-10-12")
async def test_the_violations_page_lists_what_the_api_lists_for_each_user(api: Api) -> None:
    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba", prepare_on=date(2026, 9, 23))
    await d.ok(xmba, "submit", effective_on=date(2026, 9, 24))
    page_before = await browser_of(api.client, await _username(api, d.clerk))
    approval_page = await page_before.get(f"/app/approvals/{xmba}")
    assert "部门应于 2026-10-09 前作出受理" in approval_page.text
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": "2026-10-10"})
    assert response.json()["deemed"] == [xmba]
    assert 'id="deemed"' in (await page_before.get(f"/app/approvals/{xmba}")).text

    fgj = await d.officer("fgj")
    for headers, sees in ((d.clerk, True), (fgj, True), (await d.officer("zrzy"), False)):
        browser = await browser_of(api.client, await _username(api, headers))
        listed = (await api.client.get("/api/violations", headers=headers,
                                       params={"kind": "intake_overdue", "page_size": 100})).json()
        shown = await browser.get("/app/violations?kind=intake_overdue")
        assert shown.status_code == 200
        assert f"共 {listed['total']} 条" in shown.text
        assert any(v["approval_id"] == xmba for v in listed["items"]) is sees
        assert (f'href="/app/approvals/{xmba}"' in shown.text) is sees
    officer = await browser_of(api.client, await _username(api, fgj))
    row = (await officer.get("/app/violations?kind=intake_overdue")).text
    assert "发展和改革局" in row and "2026-09-24 收件，应于 2026-10-09 前作出受理决定" in row
    assert "逾期未作受理决定（视为受理）" in row
    enterprise = await browser_of(api.client, await _username(
        api, await api.user_headers("enterprise", enterprise_id=d.enterprise_id)))
    assert (await enterprise.get("/app/violations")).status_code == 403


async def test_the_department_records_its_check_of_a_commitment_on_its_page(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    officer = await browser_of(api.client, await _username(api, await d.officer("zjj")))
    listed = await officer.get("/app/commitment-checks?status=open")
    assert "建设资金已落实承诺书" in listed.text and "待核查" in listed.text
    check = (await api.client.get("/api/commitment-checks", headers=await d.officer("zjj"),
                                  params={"approval_id": sgxk})).json()["items"][0]
    blank = await officer.post(f"/app/commitment-checks/{check['id']}", {"result": "false", "version": "1"},
                               page="/app/commitment-checks")
    assert blank.status_code == 303 and "err=" in blank.headers["location"]
    assert "写明核查发现" in (await officer.get(blank.headers["location"])).text
    done = await officer.post(f"/app/commitment-checks/{check['id']}",
                              {"result": "false", "version": "1", "finding": "资金证明与银行回单不符"},
                              page="/app/commitment-checks")
    assert done.status_code == 303 and "ok=" in done.headers["location"]
    assert "承诺不实" in (await officer.get(done.headers["location"])).text
    assert 'id="breached"' in (await officer.get(f"/app/approvals/{sgxk}")).text


async def test_the_clerk_pauses_and_renews_the_mandate_on_the_project_page(api: Api) -> None:
    d = await open_dossier(api)
    clerk = await browser_of(api.client, await _username(api, d.clerk))
    project = f"/app/projects/{d.project['id']}"
    assert "代办中" in (await clerk.get(project)).text
    refused = await clerk.post(f"{project}/mandate", {"action": "pause", "reason": ""}, page=project)
    assert "err=" in refused.headers["location"]
    paused = await clerk.post(f"{project}/mandate", {"action": "pause", "reason": "企业资金调整"}, page=project)
    page = (await clerk.get(paused.headers["location"])).text
    assert "已中止（企业暂停代办）" in page and "企业资金调整" in page and "登记续办" in page
    renewed = await clerk.post(f"{project}/mandate", {"action": "resume", "reason": "企业恢复委托"}, page=project)
    assert "代办状态：代办中" in (await clerk.get(renewed.headers["location"])).text

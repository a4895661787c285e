"""The agency office's papers of acts outside an approval's flow, each issued when its act commits (rendered after
the commit by the papers job), numbered, kept with the project and read by whom it concerns: the mandate's 中止单,
续办委托书 and 终止单; a meeting's 会议纪要, sent to the departments it names; the 督办通知单 on an overdue
coordination problem (the approval's template); a fee line's 缴款通知书."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import update

from agency.approvals.models import Approval
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.coordination.test_problems_api import log_problem
from tests.agency.documents.test_statutory_notices_api import _text
from tests.support import Api


async def _papers(d: Dossier, headers: dict[str, str], template: str) -> list[dict[str, Any]]:
    listed = await d.api.client.get(f"/api/projects/{d.project['id']}/documents", headers=headers)
    assert listed.status_code == 200, listed.text
    return [p for p in listed.json() if p["template"] == template]


async def _read(d: Dossier, headers: dict[str, str], file_id: int) -> str:
    data = await d.api.client.get(f"/api/files/{file_id}", headers=headers, follow_redirects=True)
    assert data.status_code == 200, data.text
    return _text(data.content)


@pytest.mark.today("2026-12-04")
async def test_pausing_renewing_and_ending_the_mandate_each_issue_their_paper_to_the_enterprise(api: Api) -> None:
    d = await open_dossier(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    url = f"/api/projects/{d.project['id']}/mandate"
    xmba = await d.ready_to_submit("xmba", prepare_on=date(2026, 12, 1))
    await d.ok(xmba, "submit", effective_on=date(2026, 12, 2))
    paused = await api.client.post(url, headers=d.clerk, json={"action": "pause", "reason": "企业资金调整，暂停代办"})
    assert paused.status_code == 200, paused.text
    [pause] = await _papers(d, enterprise, "mandate_pause")  # issued to the enterprise: it lists and reads it
    assert pause["doc_number"].startswith("代办〔2026〕") and pause["status"] == "ready"
    text = await _read(d, enterprise, pause["file_id"])
    assert "代办服务中止单" in text and "自2026年12月4日起中止上述代办服务" in text and "企业资金调整，暂停代办" in text
    # The department's clock runs on: the paper names the item still at the department.
    assert "不因代办服务的变化而停止计算" in text and "企业投资项目备案" in text

    resumed = await api.client.post(url, headers=d.clerk, json={"action": "resume", "reason": "资金到位，恢复委托"})
    assert resumed.status_code == 200, resumed.text
    [renewal] = await _papers(d, d.clerk, "mandate_renewal")
    text = await _read(d, enterprise, renewal["file_id"])
    assert "续办委托书" in text and "于2026年12月4日中止" in text and "自2026年12月4日起恢复代办服务" in text
    assert "资金到位，恢复委托" in text

    await d.ok(xmba, "withdraw", reason="企业放弃")
    closed = await api.client.post(f"/api/projects/{d.project['id']}/close", headers=d.clerk,
                                   json={"reason": "企业决定项目异地建设"})
    assert closed.status_code == 200 and closed.json()["mandate"]["status"] == "ended", closed.text
    [end] = await _papers(d, enterprise, "mandate_end")
    text = await _read(d, enterprise, end["file_id"])
    assert "代办服务终止单" in text and "自2026年12月4日起终止上述代办服务" in text and "企业决定项目异地建设" in text
    numbers = {pause["doc_number"], renewal["doc_number"], end["doc_number"]}
    assert len(numbers) == 3  # three numbers of the office's one series


@pytest.mark.today("2026-12-01")
async def test_the_minutes_paper_lists_each_decision_and_reaches_the_departments_it_names(api: Api) -> None:
    d = await open_dossier(api)
    leader = await api.user_headers("leader")
    called = await api.client.post("/api/meetings", headers=leader, json={
        "title": "重点项目协调会（第1次）", "planned_on": "2026-12-01", "project_ids": [d.project["id"]]})
    assert called.status_code == 201, called.text
    meeting_id = called.json()["id"]
    recorded = await api.client.post(f"/api/meetings/{meeting_id}/minutes", headers=leader, json={
        "held_on": "2026-12-01", "attendees": ["县政府副县长 王某", "自然资源和规划局 李某"],
        "decisions": [{"text": "重新核定容积率并出具书面意见", "department_code": "zrzy", "due_on": "2026-12-10"},
                      {"text": "完成10kV专线接入方案", "department_code": "gdgs", "due_on": "2026-12-15"}]})
    assert recorded.status_code == 200, recorded.text
    meeting = (await api.client.get(f"/api/meetings/{meeting_id}", headers=leader)).json()
    assert meeting["minutes_document_id"] is not None  # rendered after the minutes' commit

    zrzy = await d.officer("zrzy")
    [minutes] = await _papers(d, zrzy, "meeting_minutes")  # a department named lists it and reads it
    assert minutes["id"] == meeting["minutes_document_id"] and minutes["doc_number"].startswith("代办〔2026〕")
    text = await _read(d, zrzy, minutes["file_id"])
    assert "重点项目协调会（第1次）会议纪要" in text and "2026年12月1日" in text and "县政府副县长 王某" in text
    for decision, department, due in (("重新核定容积率并出具书面意见", "自然资源和规划局", "2026年12月10日"),
                                      ("完成10kV专线接入方案", "供电公司", "2026年12月15日")):
        assert decision in text and department in text and due in text
    assert (await _read(d, await d.officer("gdgs"), minutes["file_id"]))  # the other department named reads it
    fgj = await d.officer("fgj")  # holds an item of the project but is not named
    assert await _papers(d, fgj, "meeting_minutes") == []
    assert (await api.client.get(f"/api/files/{minutes['file_id']}", headers=fgj)).status_code == 404
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert await _papers(d, enterprise, "meeting_minutes") == []


@pytest.mark.today("2026-12-01")
async def test_a_leader_issues_the_supervision_notice_on_an_overdue_problem(api: Api) -> None:
    d = await open_dossier(api)
    leader = await api.user_headers("leader")
    problem = (await log_problem(d)).json()  # due Friday 4 December
    url = f"/api/projects/{d.project['id']}/documents"
    body = {"template": "supervision_notice", "problem_id": problem["id"]}
    early = await api.client.post(url, headers=leader, json=body)
    assert early.status_code == 409, early.text  # no card yet
    swept = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": "2026-12-07"})
    assert swept.status_code == 200, swept.text  # red on Monday 7 December: the sweep's own notice
    assert (await api.client.post(url, headers=d.clerk, json=body)).status_code == 403
    wrong = await api.client.post(url, headers=leader, json={**body, "template": "progress_report"})
    assert wrong.status_code == 422 and wrong.json()["extra"][0]["field"] == "problem_id"
    issued = await api.client.post(url, headers=leader, json=body)
    assert issued.status_code == 201, issued.text

    zrzy = await d.officer("zrzy")  # the department responsible reads both notices
    notices = await _papers(d, zrzy, "supervision_notice")
    assert len(notices) == 2 and all(n["approval_id"] is None for n in notices)
    text = await _read(d, zrzy, issued.json()["file_id"])
    assert "督办通知单" in text and "督办问题" in text and "厂区用地尚未完成征收" in text and "用地" in text
    assert "2026年12月4日前解决" in text and "红牌" in text and "督办事项" not in text
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert await _papers(d, enterprise, "supervision_notice") == []


async def _accepted_registration(api: Api) -> tuple[Dossier, int]:
    d = await open_dossier(api)
    tddj = d.approval_id("tddj")
    prerequisites = (await d.get(tddj))["prerequisites"]
    if prerequisites:
        await api.execute(update(Approval).where(Approval.id.in_(prerequisites)).values(
            status="approved", decided_on=None, status_since=None))
    await d.ready_to_submit("tddj")
    await d.ok(tddj, "submit")
    await d.ok(tddj, "accept", await d.officer("bdc"))
    return d, tddj


@pytest.mark.today("2026-05-11")
async def test_an_assessed_fee_issues_its_payment_notice_and_a_fee_of_nothing_says_so(api: Api) -> None:
    d, tddj = await _accepted_registration(api)
    bdc = await d.officer("bdc")
    assessed = await api.client.post(f"/api/approvals/{tddj}/fees", headers=bdc, json={"fee_code": "bdc_registration"})
    assert assessed.status_code == 201, assessed.text
    line = assessed.json()
    fees = (await api.client.get(f"/api/approvals/{tddj}/fees", headers=d.clerk)).json()
    document_id = fees["items"][0]["notice_document_id"]
    assert document_id is not None  # rendered after the assessment's commit

    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    [notice] = [p for p in await _papers(d, enterprise, "payment_notice") if p["id"] == document_id]
    assert notice["approval_id"] == tddj and "〔2026〕" in notice["doc_number"]
    text = await _read(d, enterprise, notice["file_id"])
    assert "非税收入缴款通知书" in text and "人民币 550.00 元" in text and line["payment_ref"] in text
    assert "不动产登记费" in text and "2026年5月26日" in text
    settings = line["notice"]
    for fact in (settings["account_name"], settings["bank"], settings["account_no"]):
        assert fact in text

    waived = await api.client.post(f"/api/approvals/{tddj}/fees", headers=d.clerk, json={
        "fee_code": "bdc_registration", "amount_yuan": "0", "reason": "小微企业免收不动产登记费"})
    assert waived.status_code == 201, waived.text
    fees = (await api.client.get(f"/api/approvals/{tddj}/fees", headers=d.clerk)).json()
    [zero] = [f for f in fees["items"] if f["id"] == waived.json()["id"]]
    [paper] = [p for p in await _papers(d, d.clerk, "payment_notice") if p["id"] == zero["notice_document_id"]]
    text = await _read(d, d.clerk, paper["file_id"])
    assert "本事项不收费" in text and "人民币" not in text

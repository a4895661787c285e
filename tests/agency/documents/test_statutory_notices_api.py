"""The papers the law requires, issued by the flow when their act commits (rendered after the commit by the
papers job): each names its article and its dates, carries the department's number series, is listed on the
approval (``notices``) and is the enterprise's to read."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from docx import Document
from sqlalchemy import update

from agency.approvals.models import Approval
from agency.catalog.models import Department
from tests.agency.approvals.flow import Dossier, approved_with_commitment, open_dossier
from tests.agency.bundles.test_bundles_api import upload_required
from tests.support import Api


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def _paper(d: Dossier, approval_id: int, template: str, headers: dict[str, str] | None = None) -> str:
    """The text of the newest paper of ``template`` about the approval, as its reader downloads it."""
    listed = await d.api.client.get(f"/api/projects/{d.project['id']}/documents", headers=headers or d.clerk)
    assert listed.status_code == 200, listed.text
    found = [p for p in listed.json() if p["template"] == template and p["approval_id"] == approval_id]
    assert found, [p["template"] for p in listed.json()]
    data = await d.api.client.get(f"/api/files/{found[0]['file_id']}", headers=headers or d.clerk,
                                  follow_redirects=True)
    assert data.status_code == 200, data.text
    return _text(data.content)


def _notices(approval: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["template"]: n for n in approval["notices"]}


@pytest.mark.today("2026-11-20")
async def test_accept_extend_and_suspend_each_issue_their_notice(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    zrzy = await d.officer("zrzy")
    ydghxk = await d.ready_to_submit("ydghxk")
    await d.ok(ydghxk, "submit")
    accepted = await d.ok(ydghxk, "accept", zrzy)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    text = await _paper(d, ydghxk, "acceptance_notice", enterprise)  # issued to the enterprise: it reads it
    assert "受理通知书" in text and "第三十二条第一款第（五）项" in text and "予以受理" in text
    assert "自2026年11月20日起予以受理" in text
    due = date.fromisoformat(accepted["clock"]["due_on"])
    assert f"将于{due.year}年{due.month}月{due.day}日前作出决定" in text
    assert "自然资源" in text and "视为" not in text

    extended = await d.ok(ydghxk, "extend", zrzy, days=5, reason="需组织专家论证")
    text = await _paper(d, ydghxk, "extension_notice")
    new_due = date.fromisoformat(extended["clock"]["due_on"])
    assert "第四十二条" in text and "因需组织专家论证" in text and "延长5日" in text
    assert f"{new_due.year}年{new_due.month}月{new_due.day}日前作出决定" in text

    suspended = await d.ok(ydghxk, "suspend", zrzy, reason="用地范围涉及历史建筑", kind="public_notice", days=7)
    text = await _paper(d, ydghxk, "special_procedure_notice", enterprise)
    assert "第四十五条" in text and "公示（公告）" in text and "预计需要7个工作日" in text
    assert "因用地范围涉及历史建筑" in text and "2026年11月20日开始" in text

    # The action's answer lists its own paper as pending: it is rendered after the commit.
    assert _notices(suspended)["special_procedure_notice"] == {
        "template": "special_procedure_notice", "document_id": None, "number": None, "status": "pending"}
    notices = _notices(await d.get(ydghxk))
    assert set(notices) == {"acceptance_notice", "extension_notice", "special_procedure_notice"}
    for notice in notices.values():
        # Numbered in the department's own series (its doc_prefix), rendered.
        assert notice["status"] == "ready" and notice["document_id"] is not None, notice
        assert notice["number"].startswith("示自然资规告〔2026〕"), notice
    assert _notices(await d.get(ydghxk, enterprise)) == notices


@pytest.mark.today("2026-10-12")
async def test_a_deemed_acceptance_issues_a_notice_accepted_by_law_as_of_the_day_received(api: Api) -> None:
    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba", prepare_on=date(2026, 9, 23))
    await d.ok(xmba, "submit", effective_on=date(2026, 9, 24))
    swept = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": "2026-10-10"})
    assert swept.status_code == 200 and swept.json()["deemed"] == [xmba], swept.text
    text = await _paper(d, xmba, "acceptance_notice")
    assert "五个工作日内未作出受理、不予受理或者要求补正的决定" in text and "第三十二条" in text
    assert "自收到申请材料之日即2026年9月24日起即为受理" in text
    assert "示发改告〔2026〕" in text  # 发展和改革局's series
    assert _notices(await d.get(xmba))["acceptance_notice"]["status"] == "ready"


@pytest.mark.today("2026-12-02")
async def test_an_acceptance_with_a_deferred_material_issues_the_deferral_notice(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba", "ydghxk", "tddj")
    zrzy = await d.officer("zrzy")
    gcghxk = d.approval_id("gcghxk")
    await d.ok(gcghxk, "prepare")
    materials = (await d.get(gcghxk))["materials"]
    await upload_required(d, gcghxk, *[m["code"] for m in materials if m["required"] and m["code"] != "sjzz"])
    await d.ok(gcghxk, "submit")
    deferred = await api.client.post(f"/api/approvals/{gcghxk}/materials/sjzz/state", headers=zrzy,
                                     json={"state": "deferred", "promised_on": "2026-12-04"})
    assert deferred.status_code == 200, deferred.text
    accepted = await d.ok(gcghxk, "accept", zrzy)
    assert set(_notices(accepted)) == {"acceptance_notice", "deferral_notice"}
    text = await _paper(d, gcghxk, "deferral_notice")
    name = next(m["name"] for m in materials if m["code"] == "sjzz")
    assert "容缺受理通知书" in text and name in text and "2026年12月4日" in text
    assert "自2026年12月2日起予以容缺受理" in text


@pytest.mark.today("2026-12-31")
async def test_a_committed_material_issues_the_commitment_letter(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    text = await _paper(d, sgxk, "commitment_letter")
    name = next(m["name"] for m in (await d.get(sgxk))["materials"] if m["code"] == "zjcn")
    assert "告知承诺书" in text and name in text and "2个月内" in text and "法定代表人（签字）" in text
    assert "commitment_letter" in _notices(await d.get(sgxk))


@pytest.mark.today("2026-12-03")
async def test_terminate_issues_the_termination_notice(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba", prepare_on=date(2026, 11, 16))
    await d.ok(xmba, "submit", effective_on=date(2026, 11, 16))
    await d.ok(xmba, "accept", api.admin_headers, effective_on=date(2026, 11, 16))
    await d.ok(xmba, "request_supplement", api.admin_headers, missing_materials=["sqb"],
               effective_on=date(2026, 11, 18))
    ended = await d.ok(xmba, "terminate", fgj, reason="申请人逾期未补正")
    text = await _paper(d, xmba, "termination_notice")
    assert "终止办理告知书" in text and "自2026年12月3日起终止办理" in text and "申请人逾期未补正" in text
    assert "2026年11月18日" in text and "补正期限至2026年12月2日" in text
    assert {"one_time_notice", "termination_notice"} <= set(_notices(ended))


@pytest.mark.today("2026-11-20")
async def test_a_utility_refusal_has_no_appeal_and_an_authority_names_its_own_bodies(api: Api) -> None:
    d = await open_dossier(api)
    dljr = d.approval_id("dljr")
    prerequisites = (await d.get(dljr))["prerequisites"]
    await api.execute(update(Approval).where(Approval.id.in_(prerequisites)).values(
        status="approved", decided_on=date(2026, 1, 5), status_since=date(2026, 1, 5)))
    dljr = await d.ready_to_submit("dljr", prepare_on=date(2026, 11, 17))
    await d.ok(dljr, "submit", effective_on=date(2026, 11, 18))
    refused = await d.ok(dljr, "refuse_intake", effective_on=date(2026, 11, 19), reason="用电容量超出该线路负荷",
                         legal_basis="《供电营业规则》第十八条")
    text = await _paper(d, dljr, "refusal_notice")
    assert "用电容量超出该线路负荷" in text and "投诉" in text
    assert "行政复议" not in text and "行政诉讼" not in text
    # The utility's own act: no acceptance notice under 行政许可法 is issued for it either.
    assert set(_notices(refused)) == {"refusal_notice"}

    await api.execute(update(Department).where(Department.code == "fgj").values(
        reconsideration_body="示范市发展和改革委员会", court="示范市中级人民法院"))
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    await d.ok(xmba, "refuse_intake", await d.officer("fgj"), reason="不属于本机关职权范围",
               legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项")
    text = await _paper(d, xmba, "refusal_notice")
    assert "六十日内向示范市发展和改革委员会申请行政复议" in text
    assert "六个月内依法向示范市中级人民法院提起行政诉讼" in text

"""The 整改 of a bad rating: the rating opens it for the rated department, due in 5 working days; the
department replies, the enterprise sees the reply and rates it; an unanswered one fires red once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from agency.escalation.models import Escalation
from tests.agency.approvals.flow import approved_with_commitment
from tests.support import Api


@pytest.mark.today("2026-03-31")
async def test_a_bad_rating_is_rectified_answered_and_rated_again(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    rated = await api.client.post("/api/evaluations", headers=enterprise,
                                  json={"approval_id": sgxk, "score": 2, "comment": "窗口答复不清楚"})
    assert rated.status_code == 201, rated.text
    zjj = await d.officer("zjj")
    listed = (await api.client.get("/api/rectifications", headers=zjj, params={"status": "open"})).json()
    mine = [r for r in listed["items"] if r["approval_id"] == sgxk]
    assert len(mine) == 1
    r = mine[0]
    # 5 working days after Tuesday 31 March 2026: 1, 2, 3 April, then 清明 (4–6 April), then 7, 8 April.
    assert (r["status_name"], r["score_name"], r["comment"], r["opened_on"], r["due_on"]) == (
        "待整改", "不满意", "窗口答复不清楚", "2026-03-31", "2026-04-08")
    other = await d.officer("fgj")
    assert all(i["approval_id"] != sgxk for i in
               (await api.client.get("/api/rectifications", headers=other)).json()["items"])

    url = f"/api/rectifications/{r['id']}"
    assert (await api.client.post(f"{url}/verdict", headers=enterprise, json={"satisfied": True})).status_code == 409
    assert (await api.client.post(f"{url}/reply", headers=enterprise, json={"note": "已整改"})).status_code == 403
    blank = await api.client.post(f"{url}/reply", headers=zjj, json={"note": " "})
    assert blank.status_code == 422 and blank.json()["extra"][0]["field"] == "note"
    replied = await api.client.post(f"{url}/reply", headers=zjj, json={"note": "已对窗口人员培训，并电话说明审批结果"})
    assert replied.status_code == 200, replied.text
    assert replied.json()["status_name"] == "已答复，待企业评价"
    seen = (await api.client.get("/api/rectifications", headers=enterprise)).json()["items"]
    assert [i["reply"] for i in seen if i["id"] == r["id"]] == ["已对窗口人员培训，并电话说明审批结果"]
    assert (await api.client.post(f"{url}/verdict", headers=zjj, json={"satisfied": True})).status_code == 403
    verdict = await api.client.post(f"{url}/verdict", headers=enterprise, json={"satisfied": False})
    assert verdict.status_code == 200, verdict.text
    assert (verdict.json()["status"], verdict.json()["satisfied"], verdict.json()["verdict_on"]) == (
        "closed", False, "2026-03-31")


@pytest.mark.today("2026-03-31")
async def test_an_unanswered_rectification_fires_red_once_after_its_date(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await api.client.post("/api/evaluations", headers=enterprise,
                                  json={"approval_id": sgxk, "score": 1})).status_code == 201
    for day in ("2026-04-08", "2026-04-09", "2026-04-10"):
        response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": day})
        assert response.status_code == 200, response.text
    async with api.sessions() as session:
        fired = list((await session.execute(select(Escalation.rule, Escalation.level, Escalation.as_of).where(
            Escalation.subject_type == "rectification", Escalation.approval_id == sgxk))).all())
    assert fired == [("rectification_overdue", "red", date(2026, 4, 9))]


@pytest.mark.today("2026-03-31")
async def test_the_rated_department_appeals_and_an_upheld_appeal_leaves_the_satisfaction_rate(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    rated = await api.client.post("/api/evaluations", headers=enterprise, json={"approval_id": sgxk, "score": 1})
    evaluation_id = rated.json()["id"]
    leader = await api.user_headers("leader")

    async def satisfaction() -> dict[str, object]:
        report = (await api.client.get("/api/reports/departments", headers=leader,
                                       params={"from": "2026-03-31", "to": "2026-03-31"})).json()
        return dict(next(row for row in report if row["department_code"] == "zjj"))

    before = await satisfaction()
    assert int(before["rated"]) >= 1
    url = f"/api/evaluations/{evaluation_id}/appeal"
    other = await d.officer("fgj")
    assert (await api.client.post(url, headers=other, json={"reason": "不是本部门"})).status_code == 404
    zjj = await d.officer("zjj")
    blank = await api.client.post(url, headers=zjj, json={"reason": ""})
    assert blank.status_code == 422 and blank.json()["extra"][0]["field"] == "reason"
    appealed = await api.client.post(url, headers=zjj, json={"reason": "企业误评：办结用时 1 个工作日"})
    assert appealed.status_code == 200, appealed.text
    assert appealed.json()["appeal_status_name"] == "申诉待审"
    assert (await api.client.post(url, headers=zjj, json={"reason": "再次申诉"})).status_code == 409
    decision = f"{url}/decision"
    assert (await api.client.post(decision, headers=zjj, json={"upheld": True})).status_code == 403
    upheld = await api.client.post(decision, headers=leader, json={"upheld": True, "note": "经核实，办理及时"})
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["appeal_status_name"] == "申诉成立（不计入满意率）"
    after = await satisfaction()
    assert after["rated"] == int(before["rated"]) - 1

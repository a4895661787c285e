"""好差评's three targets: the enterprise rates an approval (the default), the officer who handled it (an online
department's only) and the project's clerk on an occasion; it names the approval or the project, never the
person; one rating per target and occasion; a bad one opens a rectification for the rated party's department
or, for a clerk, the agency office, whose leaders answer; the rated person appeals."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from agency.approvals.models import Approval
from agency.catalog.models import Department
from agency.projects.models import Project
from tests.agency.approvals.flow import approved_with_commitment
from tests.support import Api


async def _people(api: Api, approval_id: int) -> tuple[int, int]:
    """The approval's handler and its project's clerk, as stored (the enterprise never sends them)."""
    async with api.sessions() as session:
        approval = await session.get_one(Approval, approval_id)
        project = await session.get_one(Project, approval.project_id)
        assert approval.handler_id is not None
        return approval.handler_id, project.clerk_id


@pytest.mark.today("2026-03-31")
async def test_the_officer_of_an_online_department_is_rated_once_and_offline_officers_not(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    handler, _ = await _people(api, sgxk)
    rated = await api.client.post("/api/evaluations", headers=enterprise, json={
        "target": "officer", "approval_id": sgxk, "score": 5, "reasons": []})
    assert rated.status_code == 201, rated.text
    body = rated.json()
    assert (body["target"], body["target_name"], body["rated_user_id"], body["department_code"],
            body["occasion"], body["rectification_id"]) == ("officer", "部门经办人", handler, "zjj", "", None)
    again = await api.client.post("/api/evaluations", headers=enterprise, json={
        "target": "officer", "approval_id": sgxk, "score": 4})
    assert again.status_code == 409
    # The department's service is a target of its own: rated once beside its officer.
    service = await api.client.post("/api/evaluations", headers=enterprise, json={"approval_id": sgxk, "score": 4})
    assert service.status_code == 201 and service.json()["target"] == "approval"
    assert service.json()["rated_user_id"] is None

    other, other_id = await approved_with_commitment(api)
    other_enterprise = await api.user_headers("enterprise", enterprise_id=other.enterprise_id)
    await api.execute(update(Department).where(Department.code == "zjj").values(mode="offline"))
    try:
        offline = await api.client.post("/api/evaluations", headers=other_enterprise, json={
            "target": "officer", "approval_id": other_id, "score": 2})
    finally:  # the catalog is shared by the tests of the session
        await api.execute(update(Department).where(Department.code == "zjj").values(mode="online"))
    assert offline.status_code == 409 and offline.json()["extra"][0]["field"] == "approval_id"
    assert "线下" in offline.json()["detail"]
    # Someone else's approval is not found, like one that does not exist.
    foreign = await api.client.post("/api/evaluations", headers=enterprise, json={
        "target": "officer", "approval_id": other_id, "score": 2})
    assert foreign.status_code == 404


@pytest.mark.today("2026-03-31")
async def test_input_names_the_field_it_refuses(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    project_id = d.project["id"]
    cases = [
        ({"target": "clerk", "project_id": project_id, "score": 3}, 422, "occasion"),
        ({"target": "clerk", "project_id": project_id, "occasion": "2026Q2", "score": 3}, 422, "occasion"),
        ({"target": "clerk", "project_id": project_id, "occasion": "mandate_end", "score": 3}, 409, "occasion"),
        ({"target": "clerk", "score": 3, "occasion": "2026Q1"}, 422, "project_id"),
        ({"target": "officer", "score": 3}, 422, "approval_id"),
        ({"approval_id": sgxk, "occasion": "2026Q1", "score": 3}, 422, "occasion"),
        ({"approval_id": sgxk, "score": 3, "reasons": ["slow", "rude"]}, 422, "reasons"),
        ({"approval_id": sgxk, "project_id": project_id + 1, "score": 3}, 422, "project_id"),
        ({"target": "clerk", "project_id": project_id, "occasion": "2026Q5", "score": 3}, 422, "occasion"),
        ({"target": "leader", "approval_id": sgxk, "score": 3}, 422, "target"),
    ]
    for body, status, field in cases:
        response = await api.client.post("/api/evaluations", headers=enterprise, json=body)
        assert (response.status_code, response.json()["extra"][0]["field"]) == (status, field), (body, response.text)


@pytest.mark.today("2026-03-31")
async def test_a_bad_rating_of_the_clerk_goes_to_the_office_and_the_clerk_appeals(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    _, clerk_id = await _people(api, sgxk)
    rated = await api.client.post("/api/evaluations", headers=enterprise, json={
        "target": "clerk", "project_id": d.project["id"], "occasion": "2026Q1", "score": 2,
        "reasons": ["unreachable", "slow", "slow"], "comment": "代办员电话经常打不通"})
    assert rated.status_code == 201, rated.text
    body = rated.json()
    assert (body["target"], body["rated_user_id"], body["occasion"], body["department_code"], body["approval_id"],
            body["reasons"], body["reason_names"]) == (
        "clerk", clerk_id, "2026Q1", None, None, ["unreachable", "slow"], ["联系不上、答复不及时", "办理时间长"])
    assert body["rectification_id"] is not None and body["follow_up_id"] is None
    twice = await api.client.post("/api/evaluations", headers=enterprise, json={
        "target": "clerk", "project_id": d.project["id"], "occasion": "2026Q1", "score": 5})
    assert twice.status_code == 409 and twice.json()["extra"][0]["field"] == "occasion"

    leader = await api.user_headers("leader")
    listed = (await api.client.get("/api/rectifications", headers=leader, params={"status": "open"})).json()
    mine = next(r for r in listed["items"] if r["id"] == body["rectification_id"])
    assert (mine["target_name"], mine["assignee_name"], mine["department_code"], mine["approval_name"],
            mine["due_on"]) == ("代办员", "代办服务中心", None, None, "2026-04-08")
    officer = await d.officer("zjj")
    assert body["rectification_id"] not in [r["id"] for r in (await api.client.get(
        "/api/rectifications", headers=officer)).json()["items"]]
    # Not a return visit of a department's service: the office answers it itself.
    visits = (await api.client.get("/api/follow-ups", headers=leader)).json()["items"]
    assert body["rectification_id"] not in [v["id"] for v in visits]
    url = f"/api/rectifications/{body['rectification_id']}"
    assert (await api.client.post(f"{url}/reply", headers=officer, json={"note": "已整改"})).status_code == 404
    replied = await api.client.post(f"{url}/reply", headers=leader, json={"note": "已约谈代办员，公布值班电话"})
    assert replied.status_code == 200 and replied.json()["status"] == "replied"

    other_clerk = await api.user_headers("clerk")
    appeal = f"/api/evaluations/{body['id']}/appeal"
    assert (await api.client.post(appeal, headers=other_clerk, json={"reason": "不实"})).status_code == 404
    assert (await api.client.post(appeal, headers=officer, json={"reason": "不实"})).status_code == 404
    appealed = await api.client.post(appeal, headers=d.clerk, json={"reason": "当月在外协调，已提前告知企业"})
    assert appealed.status_code == 200 and appealed.json()["appeal_status"] == "pending"
    decided = await api.client.post(f"{appeal}/decision", headers=leader, json={"upheld": True, "note": "属实"})
    assert decided.status_code == 200 and decided.json()["appeal_status"] == "upheld"

    # The next quarter is another occasion; the end of the mandate waits for the mandate to end.
    async with api.sessions() as session:
        await session.execute(update(Project).where(Project.id == d.project["id"]).values(status="completed"))
        await session.commit()
    ended = await api.client.post("/api/evaluations", headers=enterprise, json={
        "target": "clerk", "project_id": d.project["id"], "occasion": "mandate_end", "score": 5})
    assert ended.status_code == 201 and ended.json()["rectification_id"] is None


@pytest.mark.today("2026-03-31")
async def test_a_bad_rating_of_the_officer_opens_the_departments_rectification_and_a_return_visit(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    rated = await api.client.post("/api/evaluations", headers=enterprise, json={
        "target": "officer", "approval_id": sgxk, "score": 1, "reasons": ["attitude"]})
    assert rated.status_code == 201, rated.text
    body = rated.json()
    assert body["follow_up_id"] == body["rectification_id"] is not None
    zjj = await d.officer("zjj")
    mine = [r for r in (await api.client.get("/api/rectifications", headers=zjj)).json()["items"]
            if r["id"] == body["rectification_id"]]
    assert [(r["target"], r["assignee_name"], r["approval_id"]) for r in mine] == [
        ("officer", "住房和城乡建设局", sgxk)]
    visits = (await api.client.get("/api/follow-ups", headers=d.clerk, params={"status": "open"})).json()
    assert [v["id"] for v in visits["items"]] == [body["rectification_id"]]
    # Only the rated officer appeals a rating of himself: a colleague's appeal is not found.
    colleague = await api.user_headers("department", department_code="zjj")
    appeal = f"/api/evaluations/{body['id']}/appeal"
    assert (await api.client.post(appeal, headers=colleague, json={"reason": "不实"})).status_code == 404
    appealed = await api.client.post(appeal, headers=zjj, json={"reason": "企业误解了退件原因"})
    assert appealed.status_code == 200 and appealed.json()["appeal_status"] == "pending"

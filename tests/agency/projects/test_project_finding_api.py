"""Finding, editing and exporting dossiers through HTTP: ``q`` over enterprise, credit code, project, item and
certificate; the worst open level; ``status=open``; ``PATCH /api/projects/{id}``; the lists as XLSX."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from agency.approvals.models import Approval
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api, unique


async def found(api: Api, headers: dict[str, str], **params: Any) -> list[int]:
    response = await api.client.get("/api/projects", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


async def enterprise_of(d: Dossier) -> dict[str, Any]:
    return (await d.api.client.get(f"/api/enterprises/{d.enterprise_id}", headers=d.clerk)).json()


async def test_q_finds_a_dossier_by_its_enterprise_credit_code_names_and_certificate(api: Api) -> None:
    d = await open_dossier(api)
    other = await open_dossier(api, route="tech_upgrade")  # without 建设用地规划许可证
    enterprise = await enterprise_of(d)
    pid = d.project["id"]
    assert await found(api, d.clerk, q=enterprise["credit_code"]) == [pid]
    assert await found(api, d.clerk, q=enterprise["credit_code"].lower()) == [pid]
    assert await found(api, d.clerk, q=enterprise["name"]) == [pid]
    assert await found(api, d.clerk, q=d.project["name"]) == [pid]
    assert await found(api, d.clerk, q=d.project["code"]) == [pid]
    # An item's name: the dossiers that plan it, not the others.
    assert await found(api, d.clerk, q="建设用地规划许可证", enterprise_id=d.enterprise_id) == [pid]
    assert await found(api, d.clerk, q="建设用地规划许可证", enterprise_id=other.enterprise_id) == []
    certificate = unique("330521CERT")
    await api.execute(update(Approval).where(Approval.id == d.approval_id("xmba")).values(
        decision={"certificate_no": certificate}))
    assert await found(api, d.clerk, q=certificate) == [pid]
    assert await found(api, d.clerk, q=certificate[:-1]) == []  # a certificate number is matched whole


@pytest.mark.today("2026-10-30")  # the acceptance on 14 October is long overdue by then
async def test_level_filters_the_dossiers_by_their_worst_open_clock(api: Api) -> None:
    late = await open_dossier(api)
    calm = await open_dossier(api)
    xmba = await late.ready_to_submit("xmba", prepare_on=date(2026, 10, 12))
    await late.ok(xmba, "submit", effective_on=date(2026, 10, 13))
    await late.ok(xmba, "accept", api.admin_headers, effective_on=date(2026, 10, 14))
    level = (await late.get(xmba))["clock"]["level"]
    assert level in ("red", "l3")
    ours = {late.project["id"], calm.project["id"]}
    assert set(await found(api, late.clerk, level=level, page_size=100)) & ours == {late.project["id"]}
    assert set(await found(api, late.clerk, level="yellow", page_size=100)) & ours == set()
    bad = await api.client.get("/api/projects", headers=late.clerk, params={"level": "orange"})
    assert bad.status_code in (400, 422)


async def test_status_open_lists_the_dossiers_still_being_worked(api: Api) -> None:
    d = await open_dossier(api)
    closed = await open_dossier(api)
    response = await api.client.post(f"/api/projects/{closed.project['id']}/close", headers=closed.clerk,
                                     json={"reason": "企业放弃投资"})
    assert response.status_code == 200
    open_ids = await found(api, d.clerk, status="open", q=d.project["name"])
    assert open_ids == [d.project["id"]]
    assert await found(api, d.clerk, status="open", q=closed.project["name"]) == []


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(content))
    return list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]


async def test_the_project_list_and_the_worklist_export_as_filtered(api: Api) -> None:
    d = await open_dossier(api)
    enterprise = await enterprise_of(d)
    projects = await api.client.get("/api/projects", headers=d.clerk,
                                    params={"q": enterprise["credit_code"], "format": "xlsx"})
    assert projects.status_code == 200
    assert projects.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in projects.headers["content-disposition"]
    rows = sheet_rows(projects.content)
    assert rows[0][:3] == ("档案编号", "项目名称", "企业")
    assert rows[1:] == [(d.project["code"], d.project["name"], enterprise["name"], "筹划中", "未申请", 14, 0,
                         rows[1][7])]
    work = await api.client.get("/api/approvals", headers=d.clerk,
                                params={"project_id": d.project["id"], "format": "xlsx"})
    assert work.status_code == 200
    listed = sheet_rows(work.content)
    assert listed[0][0] == "事项" and len(listed) == 1 + 14
    assert {r[0] for r in listed[1:]} == {a["name"] for a in d.project["approvals"]}
    assert all(r[1] == d.project["code"] and r[5] == "计划中" for r in listed[1:])


async def test_the_clerk_edits_the_dossiers_details_with_a_version_and_an_audit(api: Api) -> None:
    d = await open_dossier(api)
    url = f"/api/projects/{d.project['id']}"
    colleague = await api.create_user("clerk")
    response = await api.client.patch(url, headers=d.clerk, json={
        "name": "年产十万套智能装备项目", "investment_wan": 2500.5, "land_area_mu": 30, "location": "示范县城东园区",
        "description": "扩建", "clerk_id": colleague.id, "version": d.project["version"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["investment_wan"], body["land_area_mu"], body["location"], body["description"]) == (
        "年产十万套智能装备项目", 2500.5, 30.0, "示范县城东园区", "扩建")
    assert body["clerk"]["id"] == colleague.id and body["version"] > d.project["version"]
    stale = await api.client.patch(url, headers=d.clerk, json={"name": "又一个名字", "version": d.project["version"]})
    assert stale.status_code == 409
    events = (await api.client.get(f"{url}/events", headers=d.clerk)).json()["items"]
    update_event = next(e for e in events if e["action"] == "project.update")
    assert update_event["before"]["name"] == d.project["name"]
    assert update_event["after"]["name"] == "年产十万套智能装备项目"
    assert update_event["after"]["investment_wan"] == 2500.5


async def test_a_project_edit_refuses_bad_input_and_other_roles(api: Api) -> None:
    d = await open_dossier(api)
    url = f"/api/projects/{d.project['id']}"
    leader = await api.user_headers("leader")
    assert (await api.client.patch(url, headers=leader, json={"name": "别人改名"})).status_code == 403
    short = await api.client.patch(url, headers=d.clerk, json={"name": "x"})
    assert short.status_code == 422 and "name" in short.text
    not_a_clerk = await api.create_user("leader")
    wrong = await api.client.patch(url, headers=d.clerk, json={"clerk_id": not_a_clerk.id})
    assert wrong.status_code == 422 and wrong.json()["extra"][0]["field"] == "clerk_id"
    unknown = await api.client.patch(url, headers=d.clerk, json={"facts": {}})
    assert unknown.status_code in (400, 422)
    assert (await api.client.patch("/api/projects/999999999", headers=d.clerk, json={"name": "不存在的"})
            ).status_code == 404
    unchanged = (await api.client.get(url, headers=d.clerk)).json()
    assert unchanged["name"] == d.project["name"] and unchanged["clerk"] == d.project["clerk"]

"""Every list of what hangs off a dossier takes ``site_code=``: the bundles, the problems, the obligations, the
rectifications and the return visits of the dossiers that site holds, the total counted on the same query as
the rows; a site that does not exist is refused naming the field, on these lists and on the older ones alike."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from agency.approvals.models import Approval
from agency.evaluations.models import Rectification
from agency.obligations.models import Obligation
from agency.projects.models import Project
from tests.agency.approvals.flow import Dossier, approved_with_commitment
from tests.agency.bundles.test_bundles_api import _send, upload_required
from tests.support import Api, unique

LISTS = ("/api/bundles", "/api/problems", "/api/obligations", "/api/rectifications", "/api/follow-ups")
OLDER_LISTS = ("/api/projects", "/api/approvals", "/api/enterprises", "/api/escalations")


async def _rows(api: Api, url: str, headers: dict[str, str], **params: Any) -> list[tuple[int, int]]:
    """(id, dossier) of the rows a list shows for these filters; its total is the count of those very rows."""
    response = await api.client.get(url, headers=headers, params=params)
    assert response.status_code == 200, (url, response.text)
    body = response.json()
    assert body["total"] == len(body["items"]), url
    return [(int(row["id"]), int(row["project_id"])) for row in body["items"]]


async def dossier_with_a_row_in_each_list(api: Api) -> tuple[Dossier, dict[str, int]]:
    """A dossier with one row in each list: a decision with an obligation (施工许可), a bad rating of it (its
    rectification and its return visit), a problem, a bundle sent to a department; the ids by list."""
    d, sgxk = await approved_with_commitment(api)
    pid = int(d.project["id"])
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    rated = await api.client.post("/api/evaluations", headers=enterprise, json={"approval_id": sgxk, "score": 2})
    assert rated.status_code == 201, rated.text
    problem = await api.client.post(f"/api/projects/{pid}/problems", headers=d.clerk, json={
        "title": "厂区用地尚未完成征收", "description": "东侧3亩地块未完成征收补偿", "category": "land",
        "department_code": "zrzy", "due_on": "2026-04-30"})
    assert problem.status_code == 201, problem.text
    # An item still planned, its prerequisites taken as approved, prepared and sent.
    items = [await d.get(a["id"]) for a in d.project["approvals"]]
    planned = next(a["id"] for a in items if a["status"] == "planned")
    await api.execute(update(Approval).where(Approval.id.in_((await d.get(planned))["prerequisites"])).values(
        status="approved", decided_on=date(2026, 1, 5), status_since=date(2026, 1, 5)))
    await d.ok(planned, "prepare")
    await upload_required(d, planned)
    sent = await _send(d, planned)
    assert sent.status_code == 201, sent.text
    async with api.sessions() as session:
        obligation = (await session.execute(select(Obligation.id).where(Obligation.project_id == pid))).scalar_one()
        rectification = (await session.execute(select(Rectification.id).where(Rectification.project_id == pid))
                         ).scalar_one()
    return d, {"/api/bundles": int(sent.json()["id"]), "/api/problems": int(problem.json()["id"]),
               "/api/obligations": obligation, "/api/rectifications": rectification, "/api/follow-ups": rectification}


@pytest.mark.today("2026-03-31")
async def test_each_list_of_a_dossiers_rows_filters_by_the_site_holding_it(api: Api) -> None:
    hall, east = unique("hall").lower(), unique("sub").lower()
    for code, name, kind in ((hall, "河西镇便民服务大厅", "township_hall"), (east, "城东分中心", "sub_center")):
        saved = await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
        assert saved.status_code == 200, saved.text
    d, ids = await dossier_with_a_row_in_each_list(api)
    pid = int(d.project["id"])

    leader = await api.user_headers("leader")
    # Opened by a clerk of no site, the dossier is the center's: the hall's lists hold nothing yet.
    for url in LISTS:
        assert await _rows(api, url, leader, site_code=hall) == [], url
    await api.execute(update(Project).where(Project.id == pid).values(site_code=hall))
    for url in LISTS:
        held = await _rows(api, url, leader, site_code=hall)
        assert held == [(ids[url], pid)], (url, held)
        assert await _rows(api, url, leader, site_code=east) == [], url
        unknown = await api.client.get(url, headers=leader, params={"site_code": "nowhere"})
        assert unknown.status_code == 422, (url, unknown.text)
        assert unknown.json()["extra"][0]["field"] == "site_code" and "站点 nowhere 不存在" in unknown.json()["detail"]

    # The hall's clerk finds his dossier's rows under his site; the sub-center's clerk, who may not see the
    # dossier, finds none of them under the hall.
    hall_clerk = await api.user_headers("clerk", site_code=hall)
    east_clerk = await api.user_headers("clerk", site_code=east)
    for url in LISTS:
        assert [p for _, p in await _rows(api, url, hall_clerk, site_code=hall)] == [pid], url
        assert await _rows(api, url, east_clerk, site_code=hall) == [], url


async def test_the_older_lists_refuse_an_unknown_site_by_name_too(api: Api) -> None:
    leader = await api.user_headers("leader")
    for url in OLDER_LISTS:
        for params in ({"site_code": "nowhere"}, {"site_code": "nowhere", "format": "xlsx"}):
            unknown = await api.client.get(url, headers=leader, params=params)
            assert unknown.status_code == 422, (url, params, unknown.text)
            assert unknown.json()["extra"][0]["field"] == "site_code", url
    report = await api.client.get("/api/reports/fees", headers=api.admin_headers, params={
        "from": "2026-01-01", "to": "2026-12-31", "site_code": "nowhere"})
    assert report.status_code == 422 and report.json()["extra"][0]["field"] == "site_code", report.text

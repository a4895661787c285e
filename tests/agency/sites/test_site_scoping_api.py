"""What a site's clerk sees beyond the dossiers: a township hall's clerk sees and corrects the enterprises registered
at his hall or owning one of its dossiers, the center all of them; the lists take ``site_code=`` with a total
counted on the same query as the rows. A handover makes the receiving site's clerk the dossier's clerk: the
escalations and the worklist go to him, while the hall that opened it keeps only a read-only view."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from agency import timeutil
from agency.access import Actor, Role
from agency.accounts.models import User
from agency.approvals import workviews
from agency.approvals.workviews import WorkView
from agency.escalation.models import Escalation
from agency.notifications.models import Notification
from agency.supervision.notify import notify_new
from tests.agency.sites.test_handover_api import _open
from tests.support import Api, unique, valid_credit_code

EVERY_OPEN_ITEM = WorkView("open", "在办事项", status=("planned", "preparing"))


async def _sites(api: Api) -> dict[str, dict[str, str]]:
    """The county's center (shared with the other tests of sites: a county has one) and a township hall and a
    sub-center of this test's own, so that what other tests opened there is not counted; a clerk of each."""
    hall, east = unique("hall").lower(), unique("sub").lower()
    for code, name, kind in (("county", "示范县政务服务中心", "center"), (hall, "河西镇便民服务大厅", "township_hall"),
                             (east, "城东分中心", "sub_center")):
        saved = await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
        assert saved.status_code == 200, saved.text
    return {"hall": await api.user_headers("clerk", site_code=hall), "center": await api.user_headers(
        "clerk", site_code="county"), "east": await api.user_headers("clerk", site_code=east), "codes": {
        "hall": hall, "east": east}}


async def _register(api: Api, headers: dict[str, str]) -> int:
    created = await api.client.post("/api/enterprises", headers=headers, json={
        "credit_code": valid_credit_code(), "name": unique("登记企业"), "legal_representative": "张三",
        "contact_name": "李四", "contact_phone": "13800002222", "address": "河西镇2号", "park": ""})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def _listed(api: Api, url: str, headers: dict[str, str], **params: Any) -> set[int]:
    """The ids a list shows; its total is the count of those very rows."""
    response = await api.client.get(url, headers=headers, params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"]), url
    return {int(row["id"]) for row in body["items"]}


async def _me(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    return dict((await api.client.get("/api/me", headers=headers)).json())


@pytest.mark.today("2026-08-03")
async def test_a_halls_clerk_sees_and_corrects_only_his_halls_enterprises(api: Api) -> None:
    clerks = await _sites(api)
    hall, center, east = clerks["hall"], clerks["center"], clerks["east"]
    hexi, sub = clerks["codes"]["hall"], clerks["codes"]["east"]
    mine, theirs, centers = await _register(api, hall), await _register(api, east), await _register(api, center)
    shown = (await api.client.get(f"/api/enterprises/{mine}", headers=hall)).json()
    assert shown["site_code"] == hexi

    assert await _listed(api, "/api/enterprises", hall) == {mine}
    assert await _listed(api, "/api/enterprises", east) == {theirs}
    assert await _listed(api, "/api/enterprises", center) >= {mine, theirs, centers}
    for method, body in (("GET", None), ("PATCH", {"contact_name": "王五"})):
        refused = await api.client.request(method, f"/api/enterprises/{theirs}", headers=hall, json=body)
        assert refused.status_code == 404 and "不存在或无权查看" in refused.json()["detail"]
    corrected = await api.client.patch(f"/api/enterprises/{mine}", headers=hall, json={"contact_name": "王五"})
    assert corrected.status_code == 200, corrected.text
    # The center corrects any site's enterprise.
    fixed = await api.client.patch(f"/api/enterprises/{mine}", headers=center, json={"park": "河西园区"})
    assert fixed.status_code == 200, fixed.text

    # An enterprise of the county's register starting a dossier at the hall becomes one of the hall's.
    opened = await api.client.post("/api/projects", headers=hall, json={
        "enterprise_id": centers, "name": unique("乡镇项目"), "route_code": "new_industrial",
        "investment_wan": 500, "location": "河西镇"})
    assert opened.status_code == 201, opened.text
    assert await _listed(api, "/api/enterprises", hall) == {mine, centers}
    assert await _listed(api, "/api/enterprises", east) == {theirs}

    # ``site_code=``: registered at that site or owning a dossier it holds.
    assert await _listed(api, "/api/enterprises", center, site_code=hexi) == {mine, centers}
    assert await _listed(api, "/api/enterprises", center, site_code=sub) == {theirs}
    assert centers in await _listed(api, "/api/enterprises", center, site_code="county")
    assert mine not in await _listed(api, "/api/enterprises", center, site_code="county")
    assert await _listed(api, "/api/enterprises", east, site_code=hexi) == set()


@pytest.mark.today("2026-08-03")
async def test_after_a_handover_the_escalations_and_the_worklist_go_to_the_receiving_clerk(api: Api) -> None:
    clerks = await _sites(api)
    hall, center = clerks["hall"], clerks["center"]
    hexi = clerks["codes"]["hall"]
    hall_me, center_me = await _me(api, hall), await _me(api, center)
    empty = await api.client.put("/api/sites/shanxia", headers=api.admin_headers,
                                 json={"name": "山下镇便民服务大厅", "kind": "township_hall"})
    assert empty.status_code == 200
    project = await _open(api, hall)
    pid, url = project["id"], f"/api/projects/{project['id']}"
    assert project["clerk"]["id"] == hall_me["id"]

    # The receiving clerk must be an active clerk of the receiving site; a site with none cannot receive.
    wrong = await api.client.post(f"{url}/handover", headers=hall,
                                  json={"note": "移交县中心", "clerk_id": hall_me["id"]})
    assert wrong.status_code == 422 and wrong.json()["extra"][0]["field"] == "clerk_id"
    nobody = await api.client.post(f"{url}/handover", headers=hall, json={"note": "移交山下镇", "site_code": "shanxia"})
    assert nobody.status_code == 409 and "山下镇便民服务大厅没有在岗的代办员" in nobody.json()["detail"]

    done = await api.client.post(f"{url}/handover", headers=hall,
                                 json={"note": "企业申请由县中心代办", "clerk_id": center_me["id"]})
    assert done.status_code == 201, done.text
    assert done.json()["received_by"] == center_me["id"]
    detail = (await api.client.get(url, headers=center)).json()
    assert detail["clerk"]["id"] == center_me["id"] and detail["site_code"] == "county"
    told = (await api.client.get("/api/notifications", headers=center)).json()["items"]
    assert any(n["subject"] == f"示范县政务服务中心接办项目：{project['name']}" for n in told)
    assert pid in await _listed(api, "/api/projects", center, mine="true")
    assert pid not in await _listed(api, "/api/projects", hall, mine="true")

    # An escalation fired after the handover is addressed to the receiving clerk, not the hall's.
    approval = next(a for a in detail["approvals"] if a["status"] == "planned")
    async with api.sessions() as session:
        escalation = Escalation(subject_id=approval["id"], approval_id=approval["id"], project_id=pid,
                                department_code=approval["department_code"], rule="clock", level="prompt",
                                as_of=timeutil.today_local(), fired_at=timeutil.now(), status="open", targets=[])
        session.add(escalation)
        await session.flush()
        assert await notify_new(session, (), ()) == 1
        await session.commit()
        told_about = set((await session.execute(select(Notification.recipient_user_id).where(
            Notification.object_type == "escalation", Notification.object_id == str(escalation.id)))).scalars())
    assert told_about == {center_me["id"]}
    leader = await api.user_headers("leader")
    assert escalation.id in await _listed(api, "/api/escalations", leader, site_code="county", project_id=pid)
    assert await _listed(api, "/api/escalations", leader, site_code=hexi, project_id=pid) == set()

    # The worklist: the receiving site's clerk works the dossier's items; the hall only reads them.
    async with api.sessions() as session:
        def actor(me: dict[str, Any], site: str) -> Actor:
            return Actor(user_id=me["id"], username=me["username"], role=Role.CLERK, site_code=site)

        today = timeutil.today_local()
        hall_rows, hall_total = await workviews.rows(session, actor(hall_me, hexi), EVERY_OPEN_ITEM, today=today,
                                                     page_size=100)
        center_rows, center_total = await workviews.rows(session, actor(center_me, "county"), EVERY_OPEN_ITEM,
                                                         today=today, page_size=100)
    assert pid not in {r.project.id for r in hall_rows} and hall_total == len(hall_rows)
    assert pid in {r.project.id for r in center_rows} and center_total == len(center_rows)
    items = {a["id"] for a in detail["approvals"]}
    assert items & await _listed(api, "/api/approvals", hall, project_id=pid)  # the read-only view stays
    assert items & await _listed(api, "/api/approvals", center, site_code="county")
    assert not items & await _listed(api, "/api/approvals", center, site_code=hexi)
    assert await _listed(api, "/api/approvals", clerks["east"], site_code="county") == set()


@pytest.mark.today("2026-08-03")
async def test_without_a_clerk_named_the_least_loaded_clerk_of_the_receiving_site_takes_the_dossier(api: Api) -> None:
    clerks = await _sites(api)
    first = await _open(api, clerks["hall"])
    done = await api.client.post(f"/api/projects/{first['id']}/handover", headers=clerks["hall"],
                                 json={"note": "移交县中心"})
    assert done.status_code == 201, done.text
    receiver = done.json()["received_by"]
    async with api.sessions() as session:
        user = await session.get_one(User, receiver)
        assert (user.role, user.site_code) == ("clerk", "county")
    # Two fresh clerks of a new sub-center: the first takes the first dossier, the other (now less loaded) the next.
    sub = unique("sub").lower()
    await api.client.put(f"/api/sites/{sub}", headers=api.admin_headers,
                         json={"name": "城西分中心", "kind": "sub_center"})
    ids = [(await _me(api, await api.user_headers("clerk", site_code=sub)))["id"] for _ in range(2)]
    taken = []
    for _ in range(2):
        project = await _open(api, clerks["hall"])
        handed = await api.client.post(f"/api/projects/{project['id']}/handover", headers=clerks["hall"],
                                       json={"note": "移交分中心", "site_code": sub})
        assert handed.status_code == 201, handed.text
        taken.append(handed.json()["received_by"])
    assert taken == ids

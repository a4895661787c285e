"""Project dossiers through HTTP: opened from a route, listed, seen by whom, the plan adjusted, the
green channel, the construction milestone, the audit timeline, and the forecast worked out by hand."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

import pytest

from agency import timeutil
from agency.timeutil import today_local
from tests.agency.projects.project_factory import (
    CATALOG_ITEMS,
    DEPARTMENT_OF,
    JOINT_PARTS,
    NEW_INDUSTRIAL_AFTER,
    TECH_UPGRADE_SKIPS,
    by_code,
    create_enterprise,
    get_project,
    item_codes_of,
    open_project,
    project_body,
)
from tests.support import Api

MONDAY = "2026-03-02"


async def clerk_and_enterprise(api: Api) -> tuple[dict[str, str], dict[str, Any]]:
    clerk = await api.user_headers("clerk")
    return clerk, await create_enterprise(api, clerk)


# ── opening a dossier ───────────────────────────────────────────────────────────────────────────


async def test_clerk_opens_a_new_industrial_project_with_sixteen_planned_approvals(api: Api) -> None:
    clerk_user = await api.create_user("clerk")
    clerk = await api.login(clerk_user.username)
    enterprise = await create_enterprise(api, clerk)
    response = await api.client.post("/api/projects", json=project_body(enterprise["id"], name="年产5万吨复合材料项目"),
                                     headers=clerk)
    assert response.status_code == 201
    project = response.json()
    # The year of the office's day (China Standard Time).
    assert re.fullmatch(rf"DB-{today_local().year}-\d{{4}}", project["code"])
    assert project["name"] == "年产5万吨复合材料项目"
    assert project["enterprise"] == {"id": enterprise["id"], "name": enterprise["name"]}
    assert project["status"] == "planning"
    assert project["clerk"]["id"] == clerk_user.id
    assert project["route_code"] == "new_industrial" and project["catalog_version"] == "2026.1"
    assert project["green_channel"] == project["green_channel"] | {"status": "none", "reason": None,
                                                                   "decided_by": None, "decided_at": None}

    approvals = by_code(project)
    assert list(approvals) == list(NEW_INDUSTRIAL_AFTER) and len(approvals) == 14
    assert all(a["status"] == "planned" for a in project["approvals"])
    assert {code: a["department_code"] for code, a in approvals.items()} == {
        code: department for code, department in DEPARTMENT_OF.items() if code not in JOINT_PARTS}
    assert approvals["sgxk"]["name"] == "建筑工程施工许可证"
    assert approvals["sgxk"]["stage"] == "construction_permit"
    # Prerequisites are approval ids of this project, exactly the route's "after" column.
    own_ids = {a["id"] for a in project["approvals"]}
    for code, approval in approvals.items():
        assert set(approval["prerequisites"]) <= own_ids
        assert sorted(item_codes_of(project, approval["prerequisites"])) == sorted(NEW_INDUSTRIAL_AFTER[code]), code
    assert sorted(item_codes_of(project, approvals["sgxk"]["prerequisites"])) == sorted(
        ["tddj", "hp", "jnsc", "sgtsc", "xfsj"])
    # 消防验收 and 规划核实 are participants of the joint acceptance, which waits for construction (a
    # milestone, not an approval) and does not ask for their certificates: their opinions replace them.
    assert approvals["lhys"]["prerequisites"] == []
    assert approvals["lhys"]["waits_for_milestones"] == ["construction_complete"]
    joint = (await api.client.get(f"/api/approvals/{approvals['lhys']['id']}", headers=clerk)).json()
    assert [m["code"] for m in joint["materials"]] == ["bab", "ysbg", "bxs", "rfys", "dags"]
    assert [m["code"] for m in project["milestones"]] == ["construction_complete"]
    # No clock runs before anything is accepted.
    assert all(a["clock"]["due_on"] is None and a["clock"]["level"] == "none" for a in project["approvals"])

    forecast = project["forecast"]
    assert forecast["completion_date"] > today_local().isoformat()
    assert forecast["working_days"] > 0
    # 竣工 assumed as soon as the permit is issued: 联合验收 5 WD + 房屋登记 5 WD ties with 电力接入's 10 WD
    # after the permit, and on a tie the first listed (dljr) ends the path.
    assert forecast["critical_path"][0] == "xmba" and forecast["critical_path"][-2:] == ["sgxk", "dljr"]
    assert set(forecast["critical_path"]) <= set(NEW_INDUSTRIAL_AFTER) | {"construction_complete"}
    assert isinstance(forecast["provisional"], bool)
    assert forecast["unknown_milestones"] == ["construction_complete"]


async def test_forecast_of_a_new_industrial_project_opened_on_monday_2_march_2026(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    seen = await get_project(api, clerk, project["id"], as_of=MONDAY)
    # Worked by hand from the demo catalog's promised limits and the official 2026 calendar, every
    # item accepted the day its prerequisites finish and counted from the next working day:
    #   xmba 1 WD → Tue 3 Mar.  ydghxk, tddj, jnsc, stbc 5 WD → 10 Mar.  hp 10 WD → 17 Mar.
    #   gcghxk (after ydghxk, tddj) 7 WD → 19 Mar.  sgtsc 7 WD → 30 Mar.
    #   xfsj 5 WD: 31 Mar, 1–3 Apr, (6 Apr 清明), 7 Apr → 7 Apr.  sgxk 3 WD → 10 Apr.
    #   dljr 10 WD → 24 Apr, gsjr 5 WD → 17 Apr.
    #   竣工 has no date: assumed on 10 Apr (and flagged).  消防验收 and 规划核实 are opinions inside 联合验收,
    #   not items: lhys 5 WD, 13–17 Apr → Fri 17 Apr.  fwdj 5 WD, 20–24 Apr → Fri 24 Apr 2026,
    #   the same day as dljr; on the tie the first listed, dljr, ends the critical path.
    # Working days after 2 March up to 24 April: 21 in March + 17 in April (1–3, 7–10, 13–17, 20–24) = 38.
    forecast = seen["forecast"]
    assert forecast["completion_date"] == "2026-04-24"
    assert forecast["working_days"] == 38
    assert forecast["provisional"] is False
    assert forecast["unknown_milestones"] == ["construction_complete"]
    path = forecast["critical_path"]
    assert path[0] == "xmba" and path[1] in ("ydghxk", "tddj")
    assert path[2:] == ["gcghxk", "sgtsc", "xfsj", "sgxk", "dljr"]
    finish = {code: a["planned_finish"] for code, a in by_code(seen).items()}
    assert finish == {
        "xmba": "2026-03-03", "ydghxk": "2026-03-10", "tddj": "2026-03-10", "jnsc": "2026-03-10",
        "stbc": "2026-03-10", "hp": "2026-03-17", "gcghxk": "2026-03-19", "sgtsc": "2026-03-30",
        "xfsj": "2026-04-07", "sgxk": "2026-04-10", "dljr": "2026-04-24", "gsjr": "2026-04-17",
        "lhys": "2026-04-17", "fwdj": "2026-04-24",
    }



async def test_forecast_as_of_a_day_that_does_not_exist_is_refused(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.get(f"/api/projects/{project['id']}", params={"as_of": "2026-02-30"}, headers=clerk)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "as_of"


@pytest.mark.parametrize("as_of", ["1990-01-01", "2040-12-20"])
async def test_forecast_as_of_a_day_beyond_the_calendar_is_refused_not_a_server_error(api: Api, as_of: str) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.get(f"/api/projects/{project['id']}", params={"as_of": as_of}, headers=clerk)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "as_of"

async def test_technical_upgrade_plans_twelve_approvals_without_land_and_planning_permits(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"], route_code="tech_upgrade")
    approvals = by_code(project)
    assert len(approvals) == 12
    assert set(approvals) == set(CATALOG_ITEMS) - TECH_UPGRADE_SKIPS
    assert sorted(item_codes_of(project, approvals["sgxk"]["prerequisites"])) == sorted(["hp", "jnsc", "sgtsc",
                                                                                         "xfsj"])
    assert item_codes_of(project, approvals["sgtsc"]["prerequisites"]) == ["xmba"]
    assert item_codes_of(project, approvals["lhys"]["prerequisites"]) == ["xfys"]
    # The utilities are proposed but optional for an existing plant.
    assert approvals["dljr"]["required"] is False and approvals["gsjr"]["required"] is False
    assert all(a["required"] for code, a in approvals.items() if code not in ("dljr", "gsjr"))


async def test_twenty_projects_opened_at_once_get_twenty_different_codes(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    responses = await asyncio.gather(*(
        api.client.post("/api/projects", json=project_body(enterprise["id"], route_code="tech_upgrade"),
                        headers=clerk) for _ in range(20)))
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses if r.status_code != 201]
    codes = [r.json()["code"] for r in responses]
    assert len(set(codes)) == 20
    assert all(re.fullmatch(r"DB-\d{4}-\d{4}", code) for code in codes)


@pytest.mark.parametrize(("change", "field"), [
    ({"route_code": "no_such_route"}, "route_code"),
    ({"enterprise_id": 987654321}, "enterprise_id"),
    ({"investment_wan": 0}, "investment_wan"),
    ({"name": ""}, "name"),
])
async def test_project_with_a_bad_field_is_refused_naming_it(api: Api, change: dict[str, Any], field: str) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    response = await api.client.post("/api/projects", json=project_body(enterprise["id"]) | change, headers=clerk)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == field


@pytest.mark.parametrize("role", ["leader", "admin", "enterprise"])
async def test_only_a_clerk_opens_a_dossier(api: Api, role: str) -> None:
    _, enterprise = await clerk_and_enterprise(api)
    binding = {"enterprise_id": enterprise["id"]} if role == "enterprise" else {}
    headers = api.admin_headers if role == "admin" else await api.user_headers(role, **binding)
    response = await api.client.post("/api/projects", json=project_body(enterprise["id"]), headers=headers)
    assert response.status_code == 403


# ── listing ─────────────────────────────────────────────────────────────────────────────────────


async def test_project_list_filters_and_pages(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    _, neighbour = await clerk_and_enterprise(api)
    opened = [await open_project(api, clerk, enterprise["id"]) for _ in range(3)]
    other = await open_project(api, clerk, neighbour["id"])
    green = opened[1]
    assert (await api.client.post(f"/api/projects/{green['id']}/green-channel", json={"reason": "省重点项目"},
                                  headers=clerk)).status_code == 200

    async def listed(**params: Any) -> dict[str, Any]:
        response = await api.client.get("/api/projects", params=params, headers=clerk)
        assert response.status_code == 200, response.text
        return dict(response.json())

    mine = await listed(enterprise_id=enterprise["id"])
    assert mine["total"] == 3
    assert [p["id"] for p in mine["items"]] == [p["id"] for p in reversed(opened)]  # newest first
    first = mine["items"][0]
    assert first == first | {"code": opened[2]["code"], "name": opened[2]["name"], "status": "planning",
                             "enterprise": {"id": enterprise["id"], "name": enterprise["name"]},
                             "approvals_total": 14, "approvals_approved": 0}

    page_one = await listed(enterprise_id=enterprise["id"], page_size=2)
    page_two = await listed(enterprise_id=enterprise["id"], page_size=2, page=2)
    assert page_one["total"] == page_two["total"] == 3
    assert len(page_one["items"]) == 2 and len(page_two["items"]) == 1
    assert {p["id"] for p in page_one["items"] + page_two["items"]} == {p["id"] for p in opened}

    requested = await listed(enterprise_id=enterprise["id"], green_channel="requested")
    assert [p["id"] for p in requested["items"]] == [green["id"]]
    assert requested["items"][0]["green_channel"] == "requested"
    assert (await listed(enterprise_id=enterprise["id"], green_channel="none"))["total"] == 2
    assert (await listed(enterprise_id=enterprise["id"], status="planning"))["total"] == 3
    assert (await listed(enterprise_id=enterprise["id"], status="completed"))["total"] == 0

    by_enterprise_name = await listed(q=enterprise["name"])
    assert {p["id"] for p in by_enterprise_name["items"]} == {p["id"] for p in opened}
    by_code = await listed(q=other["code"].lower())
    assert [p["id"] for p in by_code["items"]] == [other["id"]]
    by_name = await listed(q=opened[0]["name"][2:10])
    assert [p["id"] for p in by_name["items"]] == [opened[0]["id"]]



@pytest.mark.parametrize("params", [
    pytest.param({"status": "sleeping"}),
    pytest.param({"green_channel": "maybe"}),
    {"page": 0}, {"page_size": 1000}, {"enterprise_id": "acme"}])
async def test_project_list_refuses_a_bad_filter(api: Api, params: dict[str, Any]) -> None:
    response = await api.client.get("/api/projects", params=params, headers=await api.user_headers("clerk"))
    assert response.status_code in (400, 422)
    assert response.json()["extra"][0]["field"] == next(iter(params))


# ── who sees a dossier ──────────────────────────────────────────────────────────────────────────


async def test_enterprise_sees_its_own_dossier_and_nothing_of_anothers(api: Api) -> None:
    clerk, owner = await clerk_and_enterprise(api)
    _, stranger = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, owner["id"])
    own = await api.user_headers("enterprise", enterprise_id=owner["id"])
    other = await api.user_headers("enterprise", enterprise_id=stranger["id"])

    seen = await api.client.get(f"/api/projects/{project['id']}", headers=own)
    assert seen.status_code == 200 and len(seen.json()["approvals"]) == 14
    assert (await api.client.get(f"/api/projects/{project['id']}/events", headers=own)).status_code == 200
    owned = (await api.client.get("/api/projects", headers=own)).json()
    assert [p["id"] for p in owned["items"]] == [project["id"]] and owned["total"] == 1

    hidden = await api.client.get(f"/api/projects/{project['id']}", headers=other)
    assert hidden.status_code == 404
    missing = await api.client.get("/api/projects/987654321", headers=other)
    assert missing.status_code == 404 and missing.json()["detail"] == hidden.json()["detail"]
    assert (await api.client.get(f"/api/projects/{project['id']}/events", headers=other)).status_code == 404
    listed = (await api.client.get("/api/projects", params={"enterprise_id": owner["id"]}, headers=other)).json()
    assert listed["total"] == 0 and listed["items"] == []


async def test_department_sees_the_dossier_but_only_its_own_approvals(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    construction = await api.user_headers("department", department_code="zjj")
    response = await api.client.get(f"/api/projects/{project['id']}", headers=construction)
    assert response.status_code == 200
    seen = response.json()
    # 消防验收 is 住房和城乡建设局's part inside 联合验收 on this route, not an approval of its own.
    assert sorted(a["item_code"] for a in seen["approvals"]) == sorted(["sgtsc", "xfsj", "sgxk", "lhys"])
    assert {a["department_code"] for a in seen["approvals"]} == {"zjj"}
    listed = (await api.client.get("/api/projects", params={"q": project["code"]}, headers=construction)).json()
    assert [p["id"] for p in listed["items"]] == [project["id"]]


async def test_department_without_an_approval_in_the_dossier_does_not_see_it(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"], route_code="tech_upgrade")
    planning = await api.user_headers("department", department_code="zrzy")
    assert (await api.client.get(f"/api/projects/{project['id']}", headers=planning)).status_code == 404
    assert (await api.client.get(f"/api/projects/{project['id']}/events", headers=planning)).status_code == 404
    listed = (await api.client.get("/api/projects", params={"q": project["code"]}, headers=planning)).json()
    assert listed["total"] == 0


async def test_leader_sees_every_dossier(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    leader = await api.user_headers("leader")
    assert (await api.client.get(f"/api/projects/{project['id']}", headers=leader)).status_code == 200


# ── adjusting the plan ──────────────────────────────────────────────────────────────────────────


async def test_clerk_adds_an_item_to_the_plan_and_removes_it_while_planned(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"], route_code="tech_upgrade")
    added = await api.client.post(f"/api/projects/{project['id']}/approvals", json={"item_code": "ghhs"},
                                  headers=clerk)
    assert added.status_code == 201
    plan = by_code(added.json())
    assert len(plan) == 13
    assert plan["ghhs"] == plan["ghhs"] | {"status": "planned", "department_code": "zrzy", "name": "规划条件核实"}
    assert plan["ghhs"]["promised_limit"] == {"count": 5, "unit": "workday"}
    # 自然资源和规划局 now has an approval in the dossier, so it sees it.
    planning = await api.user_headers("department", department_code="zrzy")
    assert (await api.client.get(f"/api/projects/{project['id']}", headers=planning)).status_code == 200

    unexplained = await api.client.delete(f"/api/projects/{project['id']}/approvals/{plan['ghhs']['id']}",
                                          headers=clerk)
    assert unexplained.status_code == 422 and unexplained.json()["extra"][0]["field"] == "reason"
    removed = await api.client.delete(f"/api/projects/{project['id']}/approvals/{plan['ghhs']['id']}",
                                      params={"reason": "企业不再扩建"}, headers=clerk)
    assert removed.status_code == 200
    assert set(by_code(removed.json())) == set(by_code(project))
    events = (await api.client.get(f"/api/projects/{project['id']}/events", headers=clerk)).json()["items"]
    removal = next(e for e in events if e["action"] == "project.remove_approval")
    assert removal["after"] == {"reason": "企业不再扩建"} and removal["before"]["item_code"] == "ghhs"
    assert (await api.client.get(f"/api/projects/{project['id']}", headers=planning)).status_code == 404


async def test_removing_an_item_that_others_wait_for_frees_them(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    energy = by_code(project)["jnsc"]
    response = await api.client.delete(f"/api/projects/{project['id']}/approvals/{energy['id']}",
                                       params={"reason": "不涉及"}, headers=clerk)
    assert response.status_code == 200
    plan = by_code(response.json())
    assert "jnsc" not in plan
    assert sorted(item_codes_of(response.json(), plan["sgxk"]["prerequisites"])) == sorted(
        ["tddj", "hp", "sgtsc", "xfsj"])


async def test_re_adding_a_removed_item_puts_it_back_in_the_routes_order(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    energy = by_code(project)["jnsc"]
    await api.client.delete(f"/api/projects/{project['id']}/approvals/{energy['id']}",
                                       params={"reason": "不涉及"}, headers=clerk)
    response = await api.client.post(f"/api/projects/{project['id']}/approvals", json={"item_code": "jnsc"},
                                     headers=clerk)
    assert response.status_code == 201
    plan = by_code(response.json())
    assert item_codes_of(response.json(), plan["jnsc"]["prerequisites"]) == ["xmba"]
    # The permit waits for the energy review again, as the route says.
    assert sorted(item_codes_of(response.json(), plan["sgxk"]["prerequisites"])) == sorted(
        ["tddj", "hp", "jnsc", "sgtsc", "xfsj"])

async def test_adding_an_item_already_in_the_plan_is_409(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.post(f"/api/projects/{project['id']}/approvals", json={"item_code": "hp"},
                                     headers=clerk)
    assert response.status_code == 409
    assert response.json()["extra"][0]["field"] == "item_code"
    assert len((await get_project(api, clerk, project["id"]))["approvals"]) == 14


async def test_adding_an_unknown_item_is_422_naming_item_code(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.post(f"/api/projects/{project['id']}/approvals", json={"item_code": "ydys"},
                                     headers=clerk)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "item_code"
    assert "ydys" in response.json()["detail"]


async def test_only_the_clerk_changes_the_plan(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"], route_code="tech_upgrade")
    leader = await api.user_headers("leader")
    added = await api.client.post(f"/api/projects/{project['id']}/approvals", json={"item_code": "ghhs"},
                                  headers=leader)
    assert added.status_code == 403
    removed = await api.client.delete(f"/api/projects/{project['id']}/approvals/{project['approvals'][0]['id']}",
                                      params={"reason": "不涉及"}, headers=leader)
    assert removed.status_code == 403
    assert len((await get_project(api, clerk, project["id"]))["approvals"]) == 12


async def test_removing_an_approval_of_another_project_is_refused(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"], route_code="tech_upgrade")
    other = await open_project(api, clerk, enterprise["id"], route_code="tech_upgrade")
    stranger = other["approvals"][0]["id"]
    response = await api.client.delete(f"/api/projects/{project['id']}/approvals/{stranger}",
                                       params={"reason": "不涉及"}, headers=clerk)
    assert response.status_code in (404, 422)
    assert len((await get_project(api, clerk, other["id"]))["approvals"]) == 12


# ── green channel ───────────────────────────────────────────────────────────────────────────────


async def test_leader_approves_a_green_channel_the_clerk_requested(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    requested = await api.client.post(f"/api/projects/{project['id']}/green-channel",
                                      json={"reason": "省重点建设项目，需加快办理"}, headers=clerk)
    assert requested.status_code == 200
    assert requested.json()["green_channel"] == requested.json()["green_channel"] | {
        "status": "requested", "reason": "省重点建设项目，需加快办理", "decided_by": None, "decided_at": None}

    leader_user = await api.create_user("leader")
    leader = await api.login(leader_user.username)
    decided = await api.client.post(f"/api/projects/{project['id']}/green-channel/decision",
                                    json={"approve": True, "note": "同意"}, headers=leader)
    assert decided.status_code == 200
    green = decided.json()["green_channel"]
    assert green["status"] == "approved" and green["reason"] == "省重点建设项目，需加快办理"
    assert green["decided_by"] == leader_user.display_name
    decided_at = datetime.fromisoformat(green["decided_at"])
    assert abs((timeutil.now() - decided_at).total_seconds()) < 60
    assert (await get_project(api, clerk, project["id"]))["green_channel"] == green

    twice = await api.client.post(f"/api/projects/{project['id']}/green-channel/decision",
                                  json={"approve": False, "note": "再议"}, headers=leader)
    assert twice.status_code == 409
    again = await api.client.post(f"/api/projects/{project['id']}/green-channel", json={"reason": "再次申请"},
                                  headers=clerk)
    assert again.status_code == 409


async def test_leader_refuses_a_green_channel_only_with_a_note(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    await api.client.post(f"/api/projects/{project['id']}/green-channel", json={"reason": "企业申请加急"},
                          headers=clerk)
    leader = await api.user_headers("leader")
    bare = await api.client.post(f"/api/projects/{project['id']}/green-channel/decision",
                                 json={"approve": False}, headers=leader)
    assert bare.status_code == 422
    assert bare.json()["extra"][0]["field"] == "note"
    assert (await get_project(api, clerk, project["id"]))["green_channel"]["status"] == "requested"

    refused = await api.client.post(f"/api/projects/{project['id']}/green-channel/decision",
                                    json={"approve": False, "note": "不属于重点项目范围"}, headers=leader)
    assert refused.status_code == 200
    assert refused.json()["green_channel"] == refused.json()["green_channel"] | {
        "status": "refused", "note": "不属于重点项目范围"}
    # After a refusal the clerk may ask again, with better reasons.
    again = await api.client.post(f"/api/projects/{project['id']}/green-channel",
                                  json={"reason": "已列入省重点项目名单"}, headers=clerk)
    assert again.status_code == 200 and again.json()["green_channel"]["status"] == "requested"


@pytest.mark.parametrize("role", ["clerk", "admin", "department"])
async def test_only_a_leader_decides_a_green_channel(api: Api, role: str) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    await api.client.post(f"/api/projects/{project['id']}/green-channel", json={"reason": "省重点项目"},
                          headers=clerk)
    headers = {"clerk": clerk, "admin": api.admin_headers}.get(role) or await api.user_headers(
        "department", department_code="zjj")
    response = await api.client.post(f"/api/projects/{project['id']}/green-channel/decision",
                                     json={"approve": True, "note": "同意"}, headers=headers)
    assert response.status_code == 403
    assert (await get_project(api, clerk, project["id"]))["green_channel"]["status"] == "requested"


async def test_deciding_without_a_request_is_409(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.post(f"/api/projects/{project['id']}/green-channel/decision",
                                     json={"approve": True, "note": "同意"}, headers=await api.user_headers("leader"))
    assert response.status_code == 409


async def test_green_channel_request_needs_a_reason(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.post(f"/api/projects/{project['id']}/green-channel", json={"reason": ""},
                                     headers=clerk)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "reason"


# ── construction milestone ──────────────────────────────────────────────────────────────────────


async def test_expected_construction_date_moves_the_forecast(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.put(f"/api/projects/{project['id']}/milestones/construction_complete",
                                    json={"expected_on": "2026-09-15"}, headers=clerk)
    assert response.status_code == 200
    milestone = response.json()["milestones"][0]
    assert milestone == milestone | {"code": "construction_complete", "expected_on": "2026-09-15", "done_on": None}

    seen = await get_project(api, clerk, project["id"], as_of=MONDAY)
    # From 15 Sep, 联合验收 directly (消防验收 is one of its opinions): lhys 16–18 Sep, Sun 20 Sep
    # (make-up), 21 Sep → 21 Sep; fwdj 22–24 Sep, (25 Sep 中秋), 28–29 Sep → 29 Sep.
    assert seen["forecast"]["completion_date"] == "2026-09-29"
    assert seen["forecast"]["unknown_milestones"] == []
    assert by_code(seen)["lhys"]["planned_finish"] == "2026-09-21"
    assert seen["forecast"]["critical_path"] == ["construction_complete", "lhys", "fwdj"]


async def test_construction_cannot_be_done_in_the_future(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.put(f"/api/projects/{project['id']}/milestones/construction_complete",
                                    json={"done_on": "2099-01-01"}, headers=clerk)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "done_on"
    assert (await get_project(api, clerk, project["id"]))["milestones"][0]["done_on"] is None


async def test_unknown_milestone_is_refused(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.put(f"/api/projects/{project['id']}/milestones/topping_out",
                                    json={"expected_on": "2026-09-15"}, headers=clerk)
    assert response.status_code in (404, 422)



async def test_expected_construction_date_beyond_the_calendar_is_refused(api: Api) -> None:
    clerk, enterprise = await clerk_and_enterprise(api)
    project = await open_project(api, clerk, enterprise["id"])
    response = await api.client.put(f"/api/projects/{project['id']}/milestones/construction_complete",
                                    json={"expected_on": "2045-01-01"}, headers=clerk)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "expected_on"

# ── the audit timeline ──────────────────────────────────────────────────────────────────────────


async def test_events_show_who_opened_the_dossier_and_who_decided_the_green_channel(api: Api) -> None:
    clerk_user = await api.create_user("clerk")
    clerk = await api.login(clerk_user.username)
    leader_user = await api.create_user("leader")
    leader = await api.login(leader_user.username)
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    await api.client.post(f"/api/projects/{project['id']}/green-channel", json={"reason": "省重点项目"},
                          headers=clerk)
    await api.client.post(f"/api/projects/{project['id']}/green-channel/decision",
                          json={"approve": True, "note": "同意"}, headers=leader)

    response = await api.client.get(f"/api/projects/{project['id']}/events", headers=clerk)
    assert response.status_code == 200
    events = response.json()["items"]
    assert response.json()["total"] == 3
    # Newest first.
    assert [(e["action"], e["actor"], e["role"]) for e in events] == [
        ("project.green_channel.decide", leader_user.username, "leader"),
        ("project.green_channel.request", clerk_user.username, "clerk"),
        ("project.create", clerk_user.username, "clerk"),
    ]
    assert events[2]["after"]["code"] == project["code"]
    assert events[0]["before"]["status"] == "requested" and events[0]["after"]["status"] == "approved"

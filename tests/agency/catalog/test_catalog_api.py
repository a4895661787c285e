"""The approval catalog through HTTP: departments, items, routes, and the all-or-nothing import."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.agency.projects.project_factory import (
    CATALOG_ITEMS,
    DEMO_CATALOG,
    DEPARTMENT_OF,
    JOINT_PARTS,
    NEW_INDUSTRIAL_AFTER,
    TECH_UPGRADE_SKIPS,
    by_code,
    create_enterprise,
    fresh_api,
    get_project,
    open_project,
)
from tests.support import Api

YAML = {"content-type": "application/x-yaml"}
NINE_ELEMENTS = ("subject", "legal_basis", "conditions", "procedure", "time_limit_text", "result", "fee_basis",
                 "fee_standard", "supervision")


def edited_catalog(edit: Callable[[dict[str, Any]], None]) -> str:
    """The demo catalog with one change, written back as YAML."""
    data = yaml.safe_load(DEMO_CATALOG)
    edit(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def item(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["code"] == code)


def route_item(data: dict[str, Any], route: str, code: str) -> dict[str, Any]:
    items = next(r for r in data["routes"] if r["code"] == route)["items"]
    return next(i for i in items if i["item"] == code)


async def current_items(api: Api, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = await api.client.get("/api/catalog/items", headers=headers)
    assert response.status_code == 200
    return {i["code"]: i for i in response.json()}


# ── reading the catalog ─────────────────────────────────────────────────────────────────────────


async def test_departments_list_the_eight_demo_departments_with_their_mode(api: Api) -> None:
    headers = await api.user_headers("clerk")
    response = await api.client.get("/api/departments", headers=headers)
    assert response.status_code == 200
    departments = {d["code"]: d for d in response.json()}
    assert set(departments) == {"fgj", "zrzy", "bdc", "sthj", "slj", "zjj", "gdgs", "zls"}
    assert departments["zjj"]["name"] == "住房和城乡建设局"
    offline = {d["name"] for d in departments.values() if d["mode"] == "offline"}
    assert offline == {"供电公司", "自来水公司"}
    assert all(d["mode"] == "online" for code, d in departments.items() if code not in ("gdgs", "zls"))


async def test_catalog_needs_a_login(api: Api) -> None:
    assert (await api.client.get("/api/departments")).status_code == 401
    assert (await api.client.get("/api/catalog/items")).status_code == 401


async def test_items_carry_limits_prerequisites_materials_and_the_nine_public_elements(api: Api) -> None:
    items = await current_items(api, await api.user_headers("clerk"))
    assert set(items) == set(CATALOG_ITEMS)
    assert {code: i["department_code"] for code, i in items.items()} == DEPARTMENT_OF

    permit = items["sgxk"]
    assert permit["name"] == "建筑工程施工许可证"
    assert permit["stage"] == "construction_permit"
    assert permit["kind"] == "administrative_license"
    assert permit["statutory_limit"] == {"count": 7, "unit": "workday"}
    assert permit["promised_limit"] == {"count": 3, "unit": "workday"}
    assert permit["prerequisites"] == ["tddj", "hp", "jnsc", "sgtsc", "xfsj"]
    application = next(m for m in permit["materials"] if m["code"] == "sqb")
    assert application == application | {"name": "建筑工程施工许可证申请表", "required": True, "copies": 1,
                                          "original": "original"}
    assert {m["code"] for m in permit["materials"]} >= {"sqb", "tdzm", "ghxk", "sthgs", "zbtz", "zjcn", "zlaq"}
    assert next(m for m in permit["materials"] if m["code"] == "xfyj")["required"] is False

    # Filing has no statutory limit; the EIA's statutory limit counts calendar days.
    assert items["xmba"]["statutory_limit"] is None and items["xmba"]["promised_limit"] == {"count": 1,
                                                                                             "unit": "workday"}
    assert items["hp"]["statutory_limit"] == {"count": 30, "unit": "calendar_day"}
    assert items["hp"]["promised_limit"] == {"count": 10, "unit": "workday"}
    # Prerequisites are item codes, as on the new industrial route; the joint acceptance waits for
    # construction, i.e. for the permit behind it. 消防验收 and 规划核实 are not items of that route (their
    # opinions are given inside 联合验收), so they have no prerequisites there.
    assert {code: i["prerequisites"] for code, i in items.items() if code not in JOINT_PARTS} == {
        code: after for code, after in NEW_INDUSTRIAL_AFTER.items() if code != "lhys"} | {"lhys": ["sgxk"]}
    assert items["xfys"]["prerequisites"] == items["ghhs"]["prerequisites"] == []
    for code, entry in items.items():
        for element in NINE_ELEMENTS:
            assert isinstance(entry[element], str) and entry[element].strip(), (code, element)
        assert entry["materials"], code
        for material in entry["materials"]:
            assert {"code", "name", "required", "copies", "original"} <= set(material)


async def test_items_show_the_prerequisites_of_the_route_asked_for(api: Api) -> None:
    headers = await api.user_headers("clerk")
    response = await api.client.get("/api/catalog/items", params={"route": "tech_upgrade"}, headers=headers)
    permit = next(i for i in response.json() if i["code"] == "sgxk")
    assert permit["prerequisites"] == ["hp", "jnsc", "sgtsc", "xfsj"]
    # Without joint participants there, 消防验收 is an item of that route, after construction.
    assert next(i for i in response.json() if i["code"] == "xfys")["prerequisites"] == ["sgxk"]


async def test_items_for_an_unknown_route_is_a_422_naming_the_route(api: Api) -> None:
    response = await api.client.get("/api/catalog/items", params={"route": "shipyard"},
                                    headers=await api.user_headers("clerk"))
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "route"

async def test_routes_list_their_items(api: Api) -> None:
    headers = await api.user_headers("department", department_code="zjj")
    response = await api.client.get("/api/catalog/routes", headers=headers)
    assert response.status_code == 200
    routes = {r["code"]: r for r in response.json()}
    assert set(routes) == {"new_industrial", "tech_upgrade"}
    assert routes["new_industrial"]["name"] == "新建工业项目审批路线"
    assert routes["new_industrial"]["items"] == list(NEW_INDUSTRIAL_AFTER)
    assert len(routes["new_industrial"]["items"]) == 14  # 16 less 消防验收 and 规划核实, folded into 联合验收
    assert routes["tech_upgrade"]["items"] == [c for c in CATALOG_ITEMS if c not in TECH_UPGRADE_SKIPS]
    assert len(routes["tech_upgrade"]["items"]) == 12


# ── importing ───────────────────────────────────────────────────────────────────────────────────


def _unknown_department(data: dict[str, Any]) -> None:
    item(data, "hp")["department"] = "hbj"


def _cyclic_prerequisite(data: dict[str, Any]) -> None:
    route_item(data, "new_industrial", "xmba")["after"] = ["sgxk"]


def _promise_beyond_statute(data: dict[str, Any]) -> None:
    item(data, "sgxk")["promised_limit"] = {"count": 9, "unit": "workday"}


def _unknown_unit(data: dict[str, Any]) -> None:
    item(data, "jnsc")["promised_limit"] = {"count": 5, "unit": "hour"}


def _citation_not_in_the_text(data: dict[str, Any]) -> None:
    item(data, "hp")["citations"].append({"cite": "《中华人民共和国行政许可法》第九十九条"})


def _duplicate_code(data: dict[str, Any]) -> None:
    data["items"].append(copy.deepcopy(item(data, "stbc")))


@pytest.mark.parametrize(("edit", "where", "field", "words"), [
    (_unknown_department, "事项 hp", "department", "目录中没有部门 hbj"),
    (_cyclic_prerequisite, "路线 new_industrial", "items[xmba].after", "前置条件循环"),
    (_promise_beyond_statute, "事项 sgxk", "promised_limit", "超过了法定时限"),
    (_unknown_unit, "事项 jnsc", "promised_limit.unit", "不是可选的值 'hour'"),
    (_duplicate_code, "事项 stbc", "code", "重复"),
    (_citation_not_in_the_text, "事项 hp", "citations[3].cite", "都找不到这条引文"),
], ids=["unknown-department", "cyclic-prerequisite", "promised-over-statutory", "unknown-unit", "duplicate-code",
        "citation-not-in-text"])
async def test_broken_catalog_is_refused_whole_naming_item_and_field(
        api: Api, edit: Callable[[dict[str, Any]], None], where: str, field: str, words: str) -> None:
    before = await current_items(api, api.admin_headers)
    response = await api.client.post("/api/catalog/import", content=edited_catalog(edit).encode(),
                                     headers=api.admin_headers | YAML)
    assert response.status_code == 422
    body = response.json()
    assert where in body["detail"] and "未导入" in body["detail"]
    problem = body["extra"][0]
    assert (problem["where"], problem["field"]) == (where, field)
    assert words in problem["message"]
    assert isinstance(problem["line"], int)
    # The sentence the admin reads names the line, the element and the field, in Chinese.
    assert problem["text"] == f"第 {problem['line']} 行，{where} 的字段 {field}：{problem['message']}"
    assert problem["text"] in body["detail"] or len(body["extra"]) > 1
    # Nothing was imported: the same version, the same definitions.
    assert await current_items(api, api.admin_headers) == before


async def test_catalog_with_several_mistakes_lists_them_all(api: Api) -> None:
    def two_mistakes(data: dict[str, Any]) -> None:
        _unknown_department(data)
        _promise_beyond_statute(data)

    response = await api.client.post("/api/catalog/import", content=edited_catalog(two_mistakes).encode(),
                                     headers=api.admin_headers | {"content-type": "text/plain"})
    assert response.status_code == 422
    assert {(p["where"], p["field"]) for p in response.json()["extra"]} == {("事项 hp", "department"),
                                                                          ("事项 sgxk", "promised_limit")}


async def test_catalog_that_is_not_yaml_or_not_utf8_is_refused(api: Api) -> None:
    syntax = await api.client.post("/api/catalog/import", content=b"version: '2026.1'\nitems: a: b\n",
                                   headers=api.admin_headers | YAML)
    assert syntax.status_code == 422 and syntax.json()["extra"][0]["line"] == 2
    empty = await api.client.post("/api/catalog/import", content=b"", headers=api.admin_headers | YAML)
    assert empty.status_code == 422
    gbk = await api.client.post("/api/catalog/import", content="版本".encode("gbk"), headers=api.admin_headers | YAML)
    assert gbk.status_code == 400 and "UTF-8" in gbk.json()["detail"]


@pytest.mark.parametrize("role", ["clerk", "leader", "department"])
async def test_only_the_administrator_imports_a_catalog(api: Api, role: str) -> None:
    binding = {"department_code": "zjj"} if role == "department" else {}
    headers = await api.user_headers(role, **binding)
    response = await api.client.post("/api/catalog/import", content=DEMO_CATALOG.encode(), headers=headers | YAML)
    assert response.status_code == 403
    assert response.json()["detail"]


async def test_reimporting_the_current_catalog_changes_nothing(api: Api) -> None:
    before = await current_items(api, api.admin_headers)
    response = await api.client.post("/api/catalog/import", content=DEMO_CATALOG.encode(),
                                     headers=api.admin_headers | {"content-type": "text/plain"})
    assert response.status_code == 200
    summary = response.json()
    assert summary["unchanged"] is True
    assert summary["version"] == "2026.1"
    # The summary describes this import: nothing added, changed or removed.
    assert summary["items"]["added"] == [] and summary["items"]["changed"] == []
    assert summary["items"]["removed"] == []
    assert sorted(summary["items"]["unchanged"]) == sorted(CATALOG_ITEMS)
    assert summary["departments"] == {"added": [], "changed": []}
    assert summary["routes"]["added"] == [] and summary["routes"]["changed"] == []
    assert await current_items(api, api.admin_headers) == before


async def test_new_catalog_version_applies_to_new_projects_while_open_ones_keep_their_snapshot(
        backend: str, tmp_path: Path) -> None:
    async with fresh_api(backend, tmp_path) as api:
        clerk = await api.user_headers("clerk")
        enterprise = await create_enterprise(api, clerk)
        opened_before = await open_project(api, clerk, enterprise["id"])
        assert opened_before["catalog_version"] == "2026.1"

        def faster_permit(data: dict[str, Any]) -> None:
            data["version"] = "2026.2"
            item(data, "sgxk")["promised_limit"] = {"count": 2, "unit": "workday"}

        response = await api.client.post("/api/catalog/import", content=edited_catalog(faster_permit).encode(),
                                         headers=api.admin_headers | YAML)
        assert response.status_code == 200, response.text
        summary = response.json()
        assert summary["unchanged"] is False
        assert summary["version"] == "2026.2"
        assert summary["items"]["changed"] == ["sgxk"]
        assert summary["items"]["added"] == [] and summary["items"]["removed"] == []
        assert summary["routes"]["changed"] == []
        # Every citation not compared with the law's text is listed, each time a catalog is imported.
        unchecked = summary["unchecked_citations"]
        assert {"item": "lhys", "cite": "《建设工程质量管理条例》第十六条、第四十九条"} in unchecked
        assert {"item": "sgxk", "cite": "《建筑工程施工许可管理办法》第五条"} not in unchecked
        assert len(unchecked) == 39
        items = await current_items(api, clerk)
        assert items["sgxk"]["promised_limit"] == {"count": 2, "unit": "workday"}
        assert items["sgxk"]["version"] == "2026.2"

        kept = await get_project(api, clerk, opened_before["id"], as_of="2026-03-02")
        assert kept["catalog_version"] == "2026.1"
        assert by_code(kept)["sgxk"]["promised_limit"] == {"count": 3, "unit": "workday"}
        # The hand-computed forecast of tests/agency/projects/test_projects_api.py: Friday 24 April.
        assert kept["forecast"]["completion_date"] == "2026-04-24"

        opened_after = await open_project(api, clerk, enterprise["id"])
        assert opened_after["catalog_version"] == "2026.2"
        assert by_code(opened_after)["sgxk"]["promised_limit"] == {"count": 2, "unit": "workday"}
        # One working day less on the critical path: the permit on 9 April, then dljr (10 WD) and
        # lhys + fwdj (5 + 5 WD) both end on 23 April instead of 24 April.
        new = await get_project(api, clerk, opened_after["id"], as_of="2026-03-02")
        assert new["forecast"]["completion_date"] == "2026-04-23"

        # The same text again is no new version.
        again = await api.client.post("/api/catalog/import", content=edited_catalog(faster_permit).encode(),
                                      headers=api.admin_headers | YAML)
        assert again.json()["unchanged"] is True and again.json()["version"] == "2026.2"



async def test_admin_keeps_department_contacts_current(api: Api) -> None:
    contacts = {level: {"name": f"联系人{n}", "phone": f"0571-8800{n}000"}
                for n, level in enumerate(("chief_representative", "leader_in_charge", "main_leader"))}
    clerk = await api.user_headers("clerk")
    body = {"name": "水利局", "mode": "online", "contacts": contacts}
    assert (await api.client.put("/api/departments/slj", headers=clerk, json=body)).status_code == 403
    bad = await api.client.put("/api/departments/slj", headers=api.admin_headers,
                               json={**body, "contacts": {**contacts, "main_leader": {"name": "x", "phone": "abc"}}})
    assert bad.status_code == 422
    saved = await api.client.put("/api/departments/slj", headers=api.admin_headers, json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["contacts"]["leader_in_charge"]["name"] == "联系人1"
    assert (await api.client.put("/api/departments/nope", headers=api.admin_headers, json=body)).status_code == 404

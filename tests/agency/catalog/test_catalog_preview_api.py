"""The catalog without hand-written YAML: the diff of a new version before importing it (``dry_run``), the
current catalog downloaded as YAML that imports back unchanged, and refusals in Chinese naming line, item and
field — on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agency.catalog.yaml_format import load_catalog
from tests.agency.catalog.test_catalog_api import YAML, current_items, edited_catalog, item
from tests.agency.projects.project_factory import CATALOG_ITEMS, fresh_api
from tests.support import Api


def _new_version(data: dict[str, Any]) -> None:
    """2026.2: one item faster and with one more material, one item gone (from both routes), one new item."""
    data["version"] = "2026.2"
    permit = item(data, "sgxk")
    permit["promised_limit"] = {"count": 2, "unit": "workday"}
    permit["materials"].append({"code": "aqjd", "name": "安全监督手续", "required": False})
    data["items"] = [i for i in data["items"] if i["code"] != "stbc"]
    for route in data["routes"]:
        route["items"] = [ri for ri in route["items"] if ri["item"] != "stbc"]
        for ri in route["items"]:
            ri["after"] = [a for a in ri.get("after", []) if a != "stbc"]
        for milestone in route.get("milestones", []):
            milestone["after"] = [a for a in milestone.get("after", []) if a != "stbc"]
    new = dict(item(data, "xmba"), code="rfba", name="人防工程备案")
    data["items"].append(new)


async def _versions(api: Api) -> list[str]:
    response = await api.client.get("/api/catalog/items", headers=api.admin_headers)
    return sorted({i["version"] for i in response.json()})


async def test_dry_run_lists_what_a_new_version_adds_changes_and_removes_and_writes_nothing(api: Api) -> None:
    before = await current_items(api, api.admin_headers)
    response = await api.client.post("/api/catalog/import", params={"dry_run": "true"},
                                     content=edited_catalog(_new_version).encode(), headers=api.admin_headers | YAML)
    assert response.status_code == 200, response.text
    diff = response.json()
    assert diff["dry_run"] is True and diff["unchanged"] is False
    assert (diff["version"], diff["current_version"]) == ("2026.2", "2026.1")
    assert diff["items"]["added"] == ["rfba"]
    assert diff["items"]["removed"] == ["stbc"]
    assert diff["items"]["changed"] == ["sgxk"]
    assert len(diff["items"]["unchanged"]) == len(CATALOG_ITEMS) - 2
    # For the changed item, which fields: the promise and the materials, nothing else.
    assert diff["changed_fields"]["items"] == {"sgxk": ["promised_limit", "materials"]}
    promised = next(d for d in diff["details"]["items"]["sgxk"] if d["field"] == "promised_limit")
    assert (promised["before"], promised["after"]) == ({"count": 3, "unit": "workday"}, {"count": 2, "unit": "workday"})
    assert diff["names"]["items"]["stbc"] and diff["names"]["items"]["rfba"] == "人防工程备案"
    assert set(diff["routes"]["changed"]) == {"new_industrial", "tech_upgrade"}
    assert "items" in diff["changed_fields"]["routes"]["new_industrial"]
    # Nothing was written: the same version, the same items.
    assert await current_items(api, api.admin_headers) == before
    assert await _versions(api) == ["2026.1"]


async def test_dry_run_of_the_current_catalog_is_no_change(api: Api) -> None:
    from tests.agency.projects.project_factory import DEMO_CATALOG

    response = await api.client.post("/api/catalog/import?dry_run=true", content=DEMO_CATALOG.encode(),
                                      headers=api.admin_headers | YAML)
    assert response.status_code == 200
    diff = response.json()
    assert diff["unchanged"] is True
    assert diff["items"]["added"] == diff["items"]["changed"] == diff["items"]["removed"] == []
    # (Departments are current state: another test of the run may have edited a contact since.)
    assert diff["changed_fields"]["items"] == diff["changed_fields"]["routes"] == {}


async def test_dry_run_refuses_a_broken_file_like_the_import_in_chinese(api: Api) -> None:
    def broken(data: dict[str, Any]) -> None:
        item(data, "xmba")["promised_limit"] = {"count": 0, "unit": "workday"}

    text = edited_catalog(broken)
    response = await api.client.post("/api/catalog/import?dry_run=true", content=text.encode(),
                                     headers=api.admin_headers | YAML)
    assert response.status_code == 422
    body = response.json()
    problem = body["extra"][0]
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.strip() == "count: 0")
    assert problem == problem | {"where": "事项 xmba", "code": "xmba", "field": "promised_limit.count", "line": line,
                                 "message": "须为不小于 1 的整数"}
    assert problem["text"] == f"第 {line} 行，事项 xmba 的字段 promised_limit.count：须为不小于 1 的整数"
    assert "未导入任何内容" in body["detail"] and problem["text"] in body["detail"]


@pytest.mark.parametrize(("text", "words"), [
    ("version: '2026.1'\nitems: a: b\n", "YAML 语法错误"),
    ("version: 2026.1\n", "请在 YAML 中给该值加引号"),
    ("- a\n", "顶层须为映射"),
])
async def test_unreadable_files_are_refused_with_the_line_in_chinese(api: Api, text: str, words: str) -> None:
    for params in ({}, {"dry_run": "true"}):
        response = await api.client.post("/api/catalog/import", params=params, content=text.encode(),
                                         headers=api.admin_headers | YAML)
        assert response.status_code == 422
        problems = response.json()["extra"]
        assert any(words in p["message"] for p in problems), problems
        assert all(p["line"] for p in problems)


async def test_only_the_administrator_previews_or_downloads(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    from tests.agency.projects.project_factory import DEMO_CATALOG

    preview = await api.client.post("/api/catalog/import?dry_run=true", content=DEMO_CATALOG.encode(),
                                    headers=clerk | YAML)
    assert preview.status_code == 403
    assert (await api.client.get("/api/catalog/export", headers=clerk)).status_code == 403
    assert (await api.client.get("/api/catalog/export")).status_code == 401


async def test_downloaded_catalog_imports_back_with_no_difference(backend: str, tmp_path: Path) -> None:
    async with fresh_api(backend, tmp_path) as api:
        # The admin keeps a contact current between imports: the download carries it.
        contacts = {level: {"name": f"联系人{n}", "phone": f"0571-8800{n}000"}
                    for n, level in enumerate(("chief_representative", "leader_in_charge", "main_leader"))}
        saved = await api.client.put("/api/departments/slj", headers=api.admin_headers,
                                     json={"name": "水利局", "mode": "online", "contacts": contacts})
        assert saved.status_code == 200, saved.text
        response = await api.client.get("/api/catalog/export", headers=api.admin_headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-yaml")
        assert "attachment" in response.headers["content-disposition"]
        text = response.text
        catalog = load_catalog(text)
        assert catalog.version == "2026.1" and len(catalog.items) == len(CATALOG_ITEMS)
        assert catalog.department("slj") is not None
        assert catalog.department("slj").contacts.main_leader.name == "联系人2"  # type: ignore[union-attr]
        assert "|-" in text  # long texts as blocks, as a person writes them
        assert yaml.safe_load(text)["items"][0]["code"] == "xmba"  # in the file's order

        diff = (await api.client.post("/api/catalog/import?dry_run=true", content=text.encode(),
                                      headers=api.admin_headers | YAML)).json()
        assert diff["unchanged"] is True
        assert diff["items"]["changed"] == diff["items"]["added"] == diff["items"]["removed"] == []
        assert diff["routes"]["changed"] == [] and diff["departments"] == {"added": [], "changed": []}

        imported = await api.client.post("/api/catalog/import", content=text.encode(),
                                         headers=api.admin_headers | YAML)
        assert imported.status_code == 200 and imported.json()["unchanged"] is True
        assert await _versions(api) == ["2026.1"]

        # Edited and imported, the download then carries the new version: the round trip holds after a change.
        changed = edited_catalog(_new_version)
        assert (await api.client.post("/api/catalog/import", content=changed.encode(),
                                      headers=api.admin_headers | YAML)).status_code == 200
        again = (await api.client.get("/api/catalog/export", headers=api.admin_headers)).text
        assert load_catalog(again).item("rfba") is not None and load_catalog(again).item("stbc") is None
        diff = (await api.client.post("/api/catalog/import?dry_run=true", content=again.encode(),
                                      headers=api.admin_headers | YAML)).json()
        assert diff["unchanged"] is True and diff["current_version"] == "2026.2"

"""The administrator changes the catalog in Chromium without writing YAML by hand: he browses the catalog and a
route's graph, downloads the catalog, uploads a changed copy, reads the diff, confirms, and the browse page
shows the change. Screenshots: catalog browser, route graph, diff preview (test-artifacts/screenshots/)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from agency.catalog.yaml_format import load_demo_catalog
from tests.web.test_browser import SHOTS, _login, demo_office, foreign_requests
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared

office = demo_office("web-catalog")


def test_admin_imports_a_changed_catalog_after_reading_its_diff(office: str, browser: object,
                                                                 tmp_path: Path) -> None:
    server = office
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    foreign = foreign_requests(page, server)
    _login(page, server, "admin", "/app")
    page.goto(server + "/app/admin/catalog")
    permit = page.locator("tr[data-code=sgxk]")
    assert "3 个工作日" in permit.locator("td.promised").inner_text()
    page.screenshot(path=str(SHOTS / "catalog_browser.png"), full_page=True)

    page.click("text=新建工业项目审批路线")
    page.wait_for_selector("svg.route-graph")
    # One box per item and per milestone of the route as the catalog defines it.
    route = next(r for r in load_demo_catalog().routes if r.code == "new_industrial")
    assert page.locator("svg.route-graph rect").count() == len(route.items) + len(route.milestones)
    page.screenshot(path=str(SHOTS / "catalog_route_graph.png"), full_page=True)

    page.goto(server + "/app/admin/catalog/items/sgxk")
    assert "设定依据" in page.inner_text("main") and "建筑工程施工许可证申请表" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "catalog_item.png"), full_page=True)

    # The download, changed as an admin would in an editor: a faster promise for the permit.
    page.goto(server + "/app/admin/catalog")
    with page.expect_download() as info:
        page.click("#catalog-download")
    download = info.value
    assert download.suggested_filename == "事项目录-2026.1.yaml"
    text = Path(download.path()).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["version"] = "2026.2"
    next(i for i in data["items"] if i["code"] == "sgxk")["promised_limit"] = {"count": 2, "unit": "workday"}
    changed = tmp_path / "事项目录-2026.2.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    page.click("text=导入新版本")
    page.set_input_files("#f-file", str(changed))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#catalog-preview")
    counts = re.sub(r"\s+", "", page.inner_text("#preview-counts"))
    assert "1修改事项" in counts and "0新增事项" in counts and "0删除事项" in counts
    row = page.locator("#changed-items tr[data-field=promised_limit]")
    assert "建筑工程施工许可证" in page.inner_text("#changed-items")
    assert "3 个工作日" in row.inner_text() and "2 个工作日" in row.inner_text()
    page.screenshot(path=str(SHOTS / "catalog_diff_preview.png"), full_page=True)
    # Nothing is imported before the confirmation.
    assert "2026.1" in page.inner_text("main")

    page.click("#confirm-import")
    page.wait_for_selector("#import-done")
    assert "已导入目录版本 2026.2" in page.inner_text("#import-done")
    page.goto(server + "/app/admin/catalog")
    assert "现行版本 2026.2" in page.inner_text("main")
    assert "2 个工作日" in page.locator("tr[data-code=sgxk] td.promised").inner_text()
    page.screenshot(path=str(SHOTS / "catalog_after_import.png"), full_page=True)
    assert not foreign, foreign
    context.close()

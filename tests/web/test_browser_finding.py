"""The clerk finds, edits and exports in Chromium, against a real server with the demo data: search by
enterprise name → the enterprise's page → edit its contacts → its project → milestone dates and details →
the worklist as a spreadsheet, read back with openpyxl. Screenshots: enterprises.png, enterprise.png,
project_edit.png, enterprises_phone.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from tests.web.test_browser import SHOTS, _login, _no_horizontal_overflow, demo_office, foreign_requests
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared

server = demo_office("web-finding")


def test_clerk_finds_edits_and_exports_in_the_browser(server: str, browser: object) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900},  # type: ignore[attr-defined]
                            accept_downloads=True)
    foreign = foreign_requests(page, server)
    _login(page, server, "clerk", "/app")
    page.click("nav.mainnav >> text=企业")
    page.wait_for_url(server + "/app/enterprises")
    name = page.locator("#enterprises tr[data-row] td a").first.inner_text()
    page.fill("#q", name[:4])
    page.click("form[role=search] button.primary")
    assert page.locator("#enterprises tr[data-row]").count() >= 1
    page.screenshot(path=str(SHOTS / "enterprises.png"), full_page=True)
    page.locator("#enterprises tr[data-row] td a", has_text=name).first.click()
    page.wait_for_selector("#edit-h")
    page.fill("#f-contact_name", "浏览器联系人")
    page.fill("#f-contact_phone", "13700001234")
    page.click("#edit-h + form button.primary")
    page.wait_for_selector("p.ok")
    assert page.inner_text("#phone") == "13700001234" and "浏览器联系人" in page.inner_text("dl.facts")
    page.screenshot(path=str(SHOTS / "enterprise.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    _no_horizontal_overflow(page)
    page.goto(server + "/app/enterprises")
    page.screenshot(path=str(SHOTS / "enterprises_phone.png"), full_page=True)
    _no_horizontal_overflow(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A project of the demo, its details and a milestone's expected date.
    page.goto(server + "/app")
    page.locator("#projects tr[data-row] td a").first.click()
    page.wait_for_selector("#edit-h")
    page.fill("#pe-desc", "浏览器里补充的项目简介")
    page.click("#edit form button.primary")
    page.wait_for_selector("p.ok")
    assert "项目信息已保存" in page.inner_text("p.ok")
    if page.locator("#milestones form").count():
        page.locator("#milestones form input[name=expected_on]").first.fill("2027-09-30")
        page.locator("#milestones form button").first.click()
        page.wait_for_selector("p.ok")
        assert "里程碑日期已保存" in page.inner_text("p.ok")
    page.screenshot(path=str(SHOTS / "project_edit.png"), full_page=True)

    # The worklist as a spreadsheet, as the workbench lists it.
    page.goto(server + "/app?work=to_send")
    shown = page.locator("#urgent tr[data-row]").count()
    with page.expect_download() as download:
        page.click("#urgent caption >> text=导出 XLSX 表格")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == "事项" and len(rows) - 1 == shown
    assert not foreign, foreign

"""The monthly rankings in Chromium, against a real server with the demo data: the leader opens the month's
ranking from the dashboard, downloads its spreadsheet and opens the printable 通报; the pages fit a phone's width
and load nothing from outside. Screenshots: rankings.png, rankings-bulletin.png, rankings-phone.png,
rectifications.png."""

from __future__ import annotations

from tests.web.test_browser import SHOTS, _login, _no_horizontal_overflow, demo_office, foreign_requests
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared

office = demo_office("web-rankings")


def test_the_leader_opens_the_ranking_its_spreadsheet_and_the_bulletin(office: str, browser: object) -> None:
    server = office
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    foreign = foreign_requests(page, server)
    _login(page, server, "leader", "/app/dashboard")
    page.click("a[href='/app/reports/rankings']")
    page.wait_for_selector("#ranking-windows")
    assert "得分 = 100 ×" in page.locator("#criteria").inner_text()
    assert page.locator("#ranking-windows tbody tr").count() >= 1
    page.screenshot(path=str(SHOTS / "rankings.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=导出 XLSX 表格")
    assert download.value.suggested_filename.startswith("红旗窗口与服务标兵_")
    page.click("text=查看并打印通报")
    page.wait_for_selector("#bulletin")
    text = page.locator("#bulletin").inner_text()
    assert "评比结果的通报" in text and "一、评比标准" in text and "二、红旗窗口" in text
    assert page.locator("button[data-print]").is_visible()  # print.js shows it
    page.screenshot(path=str(SHOTS / "rankings-bulletin.png"), full_page=True)
    page.goto(server + "/app/rectifications")
    assert "差评整改" in page.locator("h1").inner_text()
    page.screenshot(path=str(SHOTS / "rectifications.png"), full_page=True)

    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # type: ignore[attr-defined]
    _login(phone, server, "leader", "/app/dashboard")
    phone.goto(server + "/app/reports/rankings")
    _no_horizontal_overflow(phone)
    phone.screenshot(path=str(SHOTS / "rankings-phone.png"), full_page=True)
    assert foreign == []

"""The government-time report in Chromium, against a real server with the demo data: the leader's dashboard shows
the section with its server-drawn chart, fits a phone's width, and the report page offers its spreadsheet.
Screenshots: government-time.png (dashboard section), government-time-phone.png."""

from __future__ import annotations

from tests.web.test_browser import SHOTS, _login, _no_horizontal_overflow, demo_office, foreign_requests
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared

office = demo_office("web-government-time")


def test_the_leader_reads_the_government_time_on_the_dashboard(office: str, browser: object) -> None:
    server = office
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    foreign = foreign_requests(page, server)
    _login(page, server, "leader", "/app/dashboard")
    section = page.locator("#government-time-report")
    assert "政府审批用时" in section.inner_text()
    assert page.locator("#chart-government-time").count() == 1
    assert "新建工业项目审批路线" in section.inner_text() or "技术改造项目审批路线" in section.inner_text()
    section.screenshot(path=str(SHOTS / "government-time.png"))
    page.click("#government-time-report a[href='/app/reports/government-time']")
    page.wait_for_selector("#route_code")
    with page.expect_download() as download:
        page.click("#government-time-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")

    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # type: ignore[attr-defined]
    _login(phone, server, "leader", "/app/dashboard")
    _no_horizontal_overflow(phone)
    phone.locator("#government-time-report").screenshot(path=str(SHOTS / "government-time-phone.png"))
    assert foreign == []

"""Coordination in Chromium, against a real server with the demo data: the leader goes from the dashboard's open
problems to the key project's ledger, calls a coordination meeting and records a decision for 水利局; the
department's officer finds the new problem in the inbox. Screenshots: coordination.png, problems-inbox.png."""

from __future__ import annotations

from tests.web.test_browser import SHOTS, _login, _no_horizontal_overflow, demo_office, foreign_requests
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared

office = demo_office("web-coordination")


def test_a_leader_holds_a_meeting_from_the_dashboard_and_the_department_sees_its_new_problem(
        office: str, browser: object) -> None:
    server = office
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    foreign = foreign_requests(page, server)
    _login(page, server, "leader", "/app/dashboard")
    assert "厂区东侧3亩地块征收补偿未完成" in page.inner_text("#problems-h + ul")
    page.click("#problems-h + ul a")
    page.wait_for_selector("#government-time")
    page.fill("#meeting-title", "重点项目专班协调会（第2次）")
    page.click("form[action='/app/meetings'] button")
    page.wait_for_selector("p.ok")
    assert "已召集协调会" in page.inner_text("p.ok")
    minutes = page.locator("form[action$='/minutes']").last
    minutes.locator("textarea[name='attendees']").fill("县政府分管副县长\n水利局 分管领导")
    minutes.locator("input[name='text']").fill("水利局于本月内完成水土保持方案技术审查")
    minutes.locator("select[name='department_code']").select_option("slj")
    minutes.locator("input[name='due_on']").fill("2026-12-30")
    minutes.locator("button").click()
    page.wait_for_selector("p.ok")
    assert "已记录会议纪要" in page.inner_text("p.ok")
    assert "水利局于本月内完成水土保持方案技术审查" in page.inner_text("#problems")
    _no_horizontal_overflow(page)
    page.screenshot(path=str(SHOTS / "coordination.png"), full_page=True)

    officer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # type: ignore[attr-defined]
    _login(officer, server, "dept-slj", "/app/inbox")
    assert "水利局于本月内完成水土保持方案技术审查" in officer.inner_text("#problems-h + ul")
    officer.screenshot(path=str(SHOTS / "problems-inbox.png"), full_page=True)
    assert foreign == []

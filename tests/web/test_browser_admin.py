"""The administrator's and the leader's pages in Chromium, against a real server with the demo data.

Admin: creates a user (the role chosen, no default), edits him, deactivates him — he can no longer log in —
and previews a calendar change (which open approvals' due dates move, by how much) before confirming it.
Leader: the dashboard's chart text is at least 12 px on screen, the escalation buttons are one line, and
resolving a card leaves the overdue chart as it was.
Screenshots go to /work/shots/admin/ when that folder can be made, else test-artifacts/screenshots/admin/.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from agency import timeutil
from tests.web.test_browser import PASSWORD, SHOTS, _api, _login, demo_office
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared


def _shots() -> Path:
    wanted = Path(os.environ.get("AGENCY_SHOTS_ADMIN", "/work/shots/admin"))
    try:
        wanted.mkdir(parents=True, exist_ok=True)
        return wanted
    except OSError:
        fallback = SHOTS / "admin"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


office = demo_office("web-admin")


def _next_workday_after(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_admin_deactivates_a_user_and_previews_a_calendar_change(office: str, browser: object) -> None:
    server, shots = office, _shots()
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    _login(page, server, "admin", "/app")
    page.goto(server + "/app/admin/users")
    assert page.input_value("#f-role") == ""  # no role until one is chosen
    page.fill("#f-username", "browser-clerk")
    page.fill("#f-display_name", "浏览器测试员")
    page.select_option("#f-role", "clerk")
    assert "密码规则" in page.inner_text("#h-password")
    page.fill("#f-password", PASSWORD)
    page.uncheck("input[name=must_change_password]")
    page.click("form[action='/app/admin/users'] button.primary")
    page.wait_for_selector("p.ok")
    assert "已创建用户 browser-clerk" in page.inner_text("p.ok")
    # He can log in …
    other = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    user_page = other.new_page()
    _login(user_page, server, "browser-clerk", "/app")
    other.close()
    # … the admin edits him on his own page, then deactivates him there.
    page.click("tr:has(td[data-label='用户名']:text-is('browser-clerk')) a.button")
    page.wait_for_selector("#user-edit")
    page.fill("#f-display_name", "浏览器测试员（已调岗）")
    page.select_option("#f-role", "leader")
    page.screenshot(path=str(shots / "user_edit.png"), full_page=True)
    page.click("#user-edit button.primary")
    page.wait_for_selector("p.ok")
    assert "已保存用户 browser-clerk" in page.inner_text("p.ok")
    assert "浏览器测试员（已调岗）" in page.inner_text("main")
    page.click("tr:has(td[data-label='用户名']:text-is('browser-clerk')) a.button")
    page.click("form[action$='/deactivate'] button")
    page.wait_for_selector("p.ok")
    assert "已停用用户 browser-clerk" in page.inner_text("p.ok") and "已停用" in page.inner_text("#user-edit")
    page.screenshot(path=str(shots / "user_deactivated.png"), full_page=True)
    # … and he can no longer log in.
    other = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    refused = other.new_page()
    refused.goto(server + "/login")
    refused.fill("#username", "browser-clerk")
    refused.fill("#password", PASSWORD)
    refused.click("button.primary")
    refused.wait_for_selector("[role=alert]")
    assert "用户名或密码错误" in refused.inner_text("main") and refused.url.startswith(server + "/login")
    other.close()

    # The calendar: a working day ahead turned into a holiday moves the running clocks past it.
    day = _next_workday_after(timeutil.today_local())
    page.goto(f"{server}/app/admin/calendar?year={day.year}")
    page.fill("#f-day", day.isoformat())
    page.select_option("#f-workday", "0")
    page.fill("#f-note", "临时放假（测试）")
    page.click("#set-h + form button.primary")
    page.wait_for_selector("#calendar-preview")
    preview = page.inner_text("#calendar-preview")
    assert f"将 {day.isoformat()} 设为休息日" in preview
    moved = page.locator("#preview-moved tr[data-moved]")
    assert moved.count() >= 1, preview
    assert "推迟 " in moved.first.inner_text() and "→" in moved.first.inner_text()
    page.locator("#calendar-preview").screenshot(path=str(shots / "calendar_preview.png"))
    page.screenshot(path=str(shots / "calendar_preview_page.png"), full_page=True)
    page.click("#calendar-preview button.primary")
    page.wait_for_selector("p.ok")
    assert f"已将 {day.isoformat()} 设为休息日" in page.inner_text("p.ok")
    context.close()


SMALLEST_TEXT = """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
})"""
WRAPPED_BUTTONS = """() => [...document.querySelectorAll("form[action$='/resolve'] button")].filter(b => {
    const range = document.createRange(); range.selectNodeContents(b);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
}).length"""


def test_leader_dashboard_is_readable_and_keeps_the_overdue_fact(office: str, browser: object) -> None:
    server, shots = office, _shots()
    admin = str(_api(server, "POST", "/api/auth/login", {"username": "admin", "password": PASSWORD})["token"])
    for ahead in (0, 15, 30):  # the demo's clocks swept now and later: yellow, red and 督办 cards to resolve
        as_of = (timeutil.today() + timedelta(days=ahead)).isoformat()
        _api(server, "POST", "/api/escalations/sweep", {"as_of": as_of}, token=admin)
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    _login(page, server, "leader", "/app/dashboard")
    sizes = page.evaluate(SMALLEST_TEXT)
    assert sizes and min(sizes) >= 12, sorted(sizes)[:5]
    assert page.locator("#chart-overdue text.value, #chart-ontime text.value").count() >= 1
    assert page.evaluate(WRAPPED_BUTTONS) == 0
    before = page.text_content("#chart-overdue-d")
    page.screenshot(path=str(shots / "leader_dashboard.png"), full_page=True)
    page.locator("section[aria-labelledby=charts-h]").screenshot(path=str(shots / "leader_charts.png"))
    resolve = page.locator("form[action$='/resolve']").first
    resolve.locator("input[name=note]").fill("已约谈责任部门，限期办结")
    resolve.locator("button").click()
    page.wait_for_selector("p.ok")
    assert "督办已办结" in page.inner_text("p.ok")
    assert page.text_content("#chart-overdue-d") == before  # the card is closed, the fact stays
    page.close()

"""The department's and the leader's flows in Chromium, against a real server with the demo data.

Department: sign for a bundle in the inbox → ask for a supplement → accept → approve with a certificate.
Leader: decide a green-channel request, resolve an escalation, download the report and read its cells.
Screenshots go to test-artifacts/screenshots/ (inbox, dashboard, reports, rating, admin pages).
"""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agency import timeutil
from tests.support import demo_server
from tests.web.test_browser import PASSWORD, SHOTS, _api, _login, _no_horizontal_overflow
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server with the demo data, and its data folder (the SMS outbox holds the rating link)."""
    data = tmp_path_factory.mktemp("web-office")
    with demo_server(data) as url:
        yield url, data


def _token(server: str, username: str) -> str:
    return str(_api(server, "POST", "/api/auth/login", {"username": username, "password": PASSWORD})["token"])


def _rating_url(data: Path) -> str | None:
    with sqlite3.connect(data / "agency.db") as db:
        bodies = [r[0] for r in db.execute("SELECT body FROM notifications WHERE channel = 'sms' ORDER BY id DESC")]
    found = next((m.group(1) for b in bodies if (m := re.search(r"(/rate/[A-Za-z0-9_-]+)", b))), None)
    return found


def test_department_flow_in_the_browser(office: tuple[str, Path], browser: object) -> None:
    server, data = office
    SHOTS.mkdir(parents=True, exist_ok=True)
    clerk = _token(server, "clerk")
    work = _api(server, "GET", "/api/approvals?department_code=fgj&page_size=100", token=clerk)["items"]
    preparing = next(a for a in work if a["status"] == "preparing")  # type: ignore[union-attr]
    submitted = next(a for a in work if a["status"] == "submitted")  # type: ignore[union-attr]
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    # The demo's fgj item in preparation is 待补正 (a notice before acceptance): its supplement is uploaded first.
    notice = _api(server, "GET", f"/api/approvals/{preparing['id']}", token=clerk).get("supplement_notice") or {}
    for code in notice.get("missing_materials") or []:  # type: ignore[union-attr]
        uploaded = context.request.post(
            f"{server}/api/approvals/{preparing['id']}/materials/{code}/files",
            headers={"Authorization": f"Bearer {clerk}"},
            multipart={"file": {"name": f"{code}.pdf", "mimeType": "application/pdf",
                                "buffer": b"%PDF-1.7\n" + str(code).encode() * 500}})
        assert uploaded.status == 201, uploaded.text()
    bundle = _api(server, "POST", "/api/bundles", {"project_id": preparing["project_id"],
                                                   "approval_ids": [preparing["id"]]}, token=clerk)
    page = context.new_page()
    foreign: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    _login(page, server, "dept-fgj", "/app/inbox")
    assert str(bundle["code"]) in page.inner_text("#bundles .table-wrap")
    page.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)
    page.click(f"form[action='/app/bundles/{bundle['id']}/receive'] button")
    page.wait_for_selector("p.ok")
    assert "已签收批次" in page.inner_text("p.ok")
    # 一次性告知: the supplement composer on the bundled approval shows the notice before it is sent.
    page.goto(f"{server}/app/approvals/{preparing['id']}")
    page.click("#act-request_supplement summary")
    page.locator("#act-request_supplement input[name=missing_materials]").first.check()
    page.fill("#f-request_supplement-reason", "申请表未加盖公章，请补正")
    page.click("#act-request_supplement button[type=submit]")
    page.wait_for_selector("#notice-preview")
    notice = page.inner_text("#notice-preview")
    first = _api(server, "GET", f"/api/approvals/{preparing['id']}", token=clerk)["materials"][0]  # type: ignore[index]
    assert first["name"] in notice and str(preparing["enterprise_name"]) in notice  # type: ignore[index]
    assert "申请表未加盖公章" in notice and "行政许可法" in notice
    page.screenshot(path=str(SHOTS / "supplement_preview.png"), full_page=True)
    unsent = _api(server, "GET", f"/api/approvals/{preparing['id']}", token=clerk)
    assert unsent["status"] == "submitted" and not unsent["decision"]  # nothing is sent by looking
    page.click("#confirm")
    page.wait_for_selector("p.ok")
    assert "告知书已生成" in page.inner_text("p.ok")
    # Accept, then approve with the certificate, on the other submitted approval.
    page.goto(f"{server}/app/approvals/{submitted['id']}")
    if page.locator("#act-accept[open]").count() == 0:
        page.click("#act-accept summary")
    page.click("#act-accept button[type=submit]")
    page.wait_for_selector("p.ok")
    assert "受理" in page.inner_text("p.ok")
    page.click("#act-approve summary")
    # The decision's scan goes with the approval (its result: the clerk and the enterprise download it).
    page.set_input_files("#f-approve-decision_file", files=[{"name": "备案证明.pdf", "mimeType": "application/pdf",
                                                             "buffer": b"%PDF-1.7\n" + "备案证明".encode() * 200}])
    page.fill("#f-approve-certificate_no", "发改备〔2026〕88号")
    page.fill("#f-approve-valid_until", (timeutil.today() + timedelta(days=730)).isoformat())
    page.click("#act-approve button[type=submit]")
    page.wait_for_selector("p.ok")
    assert "准予" in page.inner_text("p.ok") or "批准" in page.inner_text("p.ok")
    assert "备案证明.pdf" in page.inner_text("#decision-files")
    page.goto(f"{server}/app/inbox")
    page.screenshot(path=str(SHOTS / "inbox_after.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    _no_horizontal_overflow(page)
    page.screenshot(path=str(SHOTS / "inbox_phone.png"), full_page=True)
    assert not foreign, foreign
    # The approval just approved has sent its rating link by SMS: the enterprise rates without logging in.
    link = _rating_url(data)
    assert link, "no rating link in the SMS outbox"
    rater = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    rater.goto(server + link)
    assert "非常满意" in rater.inner_text("form")
    rater.screenshot(path=str(SHOTS / "rating.png"), full_page=True)
    rater.check("input[name=score][value='4']")
    rater.fill("#f-comment", "办理很快")
    rater.click("button.primary")
    rater.wait_for_selector("p.ok")
    rater.goto(server + link)
    assert "已使用" in rater.inner_text("main")
    rater.screenshot(path=str(SHOTS / "rating_used.png"), full_page=True)


def test_leader_flow_in_the_browser(office: tuple[str, Path], browser: object, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    server, _ = office
    SHOTS.mkdir(parents=True, exist_ok=True)
    clerk, admin = _token(server, "clerk"), _token(server, "admin")
    projects = _api(server, "GET", "/api/projects?page_size=50", token=clerk)["items"]
    candidate = next(p for p in projects if p["green_channel"] == "none")  # type: ignore[index,union-attr]
    _api(server, "POST", f"/api/projects/{candidate['id']}/green-channel", {"reason": "县重点项目，须尽快投产"},
         token=clerk)
    for ahead in (0, 15, 30):  # the demo's clocks, swept now and later: yellow, red and 督办 cards
        as_of = (timeutil.today() + timedelta(days=ahead)).isoformat()
        _api(server, "POST", "/api/escalations/sweep", {"as_of": as_of}, token=admin)
    context = browser.new_context(viewport={"width": 1280, "height": 900},  # type: ignore[attr-defined]
                                  accept_downloads=True)
    page = context.new_page()
    _login(page, server, "leader", "/app/dashboard")
    assert page.locator("svg.chart title").count() >= 3
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "dashboard_screen.png"))
    page.locator("section[aria-labelledby=charts-h]").screenshot(path=str(SHOTS / "dashboard_charts.png"))
    page.locator("section[aria-labelledby=esc-h]").screenshot(path=str(SHOTS / "dashboard_escalations.png"))
    form = page.locator(f"form[action='/app/projects/{candidate['id']}/green-channel/decide']")
    form.locator("input[name=note]").fill("同意纳入绿色通道")
    form.locator("button[value=approve]").click()
    page.wait_for_selector("p.ok")
    assert "绿色通道申请已同意" in page.inner_text("p.ok")
    resolve = page.locator("form[action$='/resolve']").first
    resolve.locator("input[name=note]").fill("已约谈责任部门，限期办结")
    resolve.locator("button").click()
    page.wait_for_selector("p.ok")
    assert "督办已办结" in page.inner_text("p.ok")
    page.screenshot(path=str(SHOTS / "dashboard_after.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    _no_horizontal_overflow(page)
    page.screenshot(path=str(SHOTS / "dashboard_phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "/app/reports")
    page.screenshot(path=str(SHOTS / "reports.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#xlsx")
    target = tmp_path / "report.xlsx"
    info.value.save_as(target)
    sheet = load_workbook(io.BytesIO(target.read_bytes())).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    names = [n.strip() for n in page.locator("tbody th[scope=row]").all_inner_texts()]
    assert names and all(n in cells for n in names), (names, cells[:60])
    # The admin pages, for the record.
    admin_page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    _login(admin_page, server, "admin", "/app")
    for name in ("users", "catalog", "calendar", "templates"):
        admin_page.goto(f"{server}/app/admin/{name}")
        admin_page.screenshot(path=str(SHOTS / f"admin_{name}.png"), full_page=True)

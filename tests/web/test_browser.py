"""Pages in a real browser (Debian's Chromium via Playwright) against a real server process with demo data."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import demo_server

REQUIRE = os.environ.get("AGENCY_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("test-artifacts/screenshots")
ROOT = Path(__file__).resolve().parents[2]


def _missing(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"AGENCY_REQUIRE_SERVICES=1 but {what}")
    pytest.skip(f"SKIPPED BROWSER TEST: {what}")


def demo_office(folder: str) -> Any:
    """A module's own demo server (module scope: a browser test's changes stay in its module), under ``folder``."""

    @pytest.fixture(scope="module")
    def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
        with demo_server(tmp_path_factory.mktemp(folder)) as url:
            yield url

    return office


def foreign_requests(page: Any, server: str) -> list[str]:
    """What the page asks of anything but the app's own server, as it runs (an intranet has no internet)."""
    foreign: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    return foreign


server = demo_office("web-demo")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    if not shutil.which(CHROMIUM):
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-gpu"])
        yield b
        b.close()


def _no_horizontal_overflow(page: object) -> None:
    """At phone width nothing but the scrollable tables, the plan and the charts (drawn at their own size, in a
    figure that scrolls) is wider than the screen."""
    evaluate = page.evaluate  # type: ignore[attr-defined]
    wide = evaluate("""() => {
        const w = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth > w) { return ["page scrolls sideways"]; }
        return [...document.querySelectorAll("main *")].filter(e => !e.closest(".table-wrap, .gantt, .charts figure"))
            .filter(e => e.getBoundingClientRect().right > w + 1 && e.getClientRects().length)
            .map(e => e.tagName + "." + e.className + ": " + (e.textContent || "").slice(0, 30));
    }""")
    assert not wide, wide


def test_clerk_pages_in_the_browser(server: str, browser: object) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    foreign = foreign_requests(page, server)
    page.goto(server + "/app")
    assert "/login" in page.url
    page.screenshot(path=str(SHOTS / "login.png"), full_page=True)
    page.fill("#username", "clerk")
    page.fill("#password", "Agency@2026")
    page.click("button.primary")
    page.wait_for_url(server + "/app")
    assert page.is_visible("text=今日待办")
    page.screenshot(path=str(SHOTS / "workbench.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "workbench_phone.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "workbench_phone_screen.png"))
    _no_horizontal_overflow(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "/app/enterprises/new")
    page.fill("#f-credit_code", "91330521MA2B3C4D5X")
    page.fill("#f-name", "浏览器测试企业")
    page.fill("#f-legal_representative", "张三")
    page.fill("#f-contact_name", "李四")
    page.fill("#f-contact_phone", "13800000000")
    page.fill("#f-address", "工业园区一号")
    page.click("button.primary")
    assert "统一社会信用代码无效" in page.inner_text("#e-credit_code")
    page.screenshot(path=str(SHOTS / "enterprise_new_error.png"), full_page=True)
    page.goto(server + "/app")
    first = page.locator("#projects table a").first
    first.click()
    page.wait_for_selector(".gantt")
    page.screenshot(path=str(SHOTS / "project.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "project_phone.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "project_phone_screen.png"))
    _no_horizontal_overflow(page)
    assert not foreign, foreign


PASSWORD = "Agency@2026"
# A small valid PDF (one empty A4 page): what a scanner would hand over, only smaller.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _api(server: str, method: str, path: str, body: dict[str, object] | None = None,
         token: str | None = None) -> dict[str, object]:
    import json

    request = urllib.request.Request(server + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _login(page: object, server: str, username: str, home: str) -> None:
    page.goto(server + "/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("button.primary")  # type: ignore[attr-defined]
    page.wait_for_url(server + home)  # type: ignore[attr-defined]


def test_dossier_from_upload_to_the_enterprise_portal(server: str, browser: object, tmp_path: Path) -> None:
    """The clerk opens a dossier, uploads scans with progress, sends a bundle; the department asks for a
    supplement (一次性告知); the enterprise sees its progress and the missing material on its portal."""
    from tests.support import valid_credit_code

    SHOTS.mkdir(parents=True, exist_ok=True)
    scan = tmp_path / "营业执照扫描件.pdf"
    scan.write_bytes(PDF)
    second = tmp_path / "补充页.pdf"
    second.write_bytes(PDF)
    wrong = tmp_path / "说明.txt"
    wrong.write_text("不是扫描件")
    clerk = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = clerk.new_page()
    _login(page, server, "clerk", "/app")
    page.goto(server + "/app/enterprises/new")
    page.fill("#f-credit_code", valid_credit_code())
    page.fill("#f-name", "浏览器场景测试企业有限公司")
    page.fill("#f-legal_representative", "张三")
    page.fill("#f-contact_name", "李四")
    page.fill("#f-contact_phone", "13812345678")
    page.fill("#f-address", "工业园区二号")
    page.click("button.primary")
    page.wait_for_url(lambda url: "/app/projects/new" in url)
    enterprise_id = int(page.url.split("enterprise_id=")[1].split("&")[0])
    page.fill("#f-name", "浏览器场景测试项目")
    page.fill("#f-investment_wan", "3000")
    page.fill("#f-location", "工业园区二号地块")
    page.select_option("#f-route_code", index=1)
    page.click("button.primary")
    page.wait_for_url(lambda url: "created=1" in url and "/new" not in url)
    project_id = int(page.url.split("/app/projects/")[1].split("?")[0])
    page.locator("#appr-h + .table-wrap a").first.click()
    page.wait_for_url("**/app/approvals/*")
    approval_id = int(page.url.rsplit("/", 1)[1].split("?")[0])
    assert "尚未受理，未开始计时" in page.inner_text("#clock")
    # A required reason left empty is shown next to its field, in Chinese.
    page.click("#act-withdraw summary")
    page.click("#act-withdraw button[type=submit]")
    assert "撤回原因" in page.inner_text("#e-f-withdraw-reason")
    page.screenshot(path=str(SHOTS / "approval_error.png"), full_page=True)
    page.click("#act-prepare summary")
    page.click("#act-prepare button[type=submit]")
    page.wait_for_selector("p.ok")
    forms = page.locator("form.upload")
    assert not forms.first.locator("button[type=submit]").is_visible()  # JS on: each file is sent at once
    for i in range(forms.count()):
        form = forms.nth(i)
        form.locator("input[type=file]").set_input_files([str(scan), str(second)] if i == 0 else [str(scan)])
        form.locator(".uploads[data-complete]").wait_for()
        assert form.locator(".upload-row[data-error]").count() == 0, form.inner_text()
        assert all(v == 100 for v in form.locator("progress").evaluate_all("bars => bars.map(b => b.value)"))
    forms.first.locator("input[type=file]").set_input_files(str(wrong))
    forms.first.locator(".upload-row[data-error]").wait_for()
    assert "✕" in forms.first.locator(".upload-row[data-error] .msg").inner_text()
    page.screenshot(path=str(SHOTS / "approval_uploads.png"), full_page=True)
    page.reload()
    assert page.locator(".materials .files a").count() == forms.count() + 1
    assert page.locator(".badge.lv-red", has_text="未上传").count() == 0
    page.screenshot(path=str(SHOTS / "approval.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "approval_phone.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "approval_phone_screen.png"))
    _no_horizontal_overflow(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    # CSRF: a form post without the token is refused even with a valid session.
    refused = page.request.post(f"{server}/app/approvals/{approval_id}/actions",
                                form={"action": "submit", "version": "2"})
    assert refused.status == 403
    page.goto(f"{server}/app/projects/{project_id}")
    page.click("#send-h ~ form button.primary")
    page.wait_for_selector("p.ok")
    assert "已报送批次" in page.inner_text("p.ok")
    assert "组批报送" in page.inner_text("#events-h + .timeline")
    page.screenshot(path=str(SHOTS / "project_sent.png"), full_page=True)
    admin = str(_api(server, "POST", "/api/auth/login", {"username": "admin", "password": PASSWORD})["token"])
    approval = _api(server, "GET", f"/api/approvals/{approval_id}", token=admin)
    assert approval["status"] == "submitted" and approval["department_mode"] == "online"
    dept = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    officer = dept.new_page()
    _login(officer, server, f"dept-{approval['department_code']}", "/app/inbox")
    officer.goto(f"{server}/app/approvals/{approval_id}")
    officer.click("#act-request_supplement summary")
    officer.locator("#act-request_supplement input[name=missing_materials]").first.check()
    officer.fill("#f-request_supplement-reason", "扫描件不清晰，请重新提供")
    officer.click("#act-request_supplement button[type=submit]")
    officer.wait_for_selector("#notice-preview")  # the one-time notice, shown before it is sent
    assert "扫描件不清晰" in officer.inner_text("#notice-preview")
    officer.click("#confirm")
    officer.wait_for_selector("p.ok")
    assert "一次性告知" in officer.inner_text("p.notice")
    officer.screenshot(path=str(SHOTS / "approval_department.png"), full_page=True)
    _api(server, "POST", "/api/users", {"username": "scenario-ent", "password": PASSWORD, "role": "enterprise",
                                        "enterprise_id": enterprise_id, "display_name": "李四",
                                        "must_change_password": False}, token=admin)
    ent = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    portal = ent.new_page()
    _login(portal, server, "scenario-ent", "/app/portal")
    assert "浏览器场景测试项目" in portal.inner_text("main")
    portal.screenshot(path=str(SHOTS / "portal_phone.png"), full_page=True)
    portal.click("text=查看办理进度")
    portal.wait_for_url(f"**/app/portal/projects/{project_id}")
    missing = portal.inner_text("#miss-h + .card")
    assert "一次性告知" in missing and "扫描件不清晰" in missing
    assert "立项用地规划" in portal.inner_text(".steps")
    assert "138****5678" in portal.inner_text("main") and "13812345678" not in portal.content()
    portal.screenshot(path=str(SHOTS / "portal_project_phone.png"), full_page=True)
    portal.screenshot(path=str(SHOTS / "portal_project_phone_screen.png"))
    # The demo enterprise: a green-channel dossier with approvals approved, accepted and one awaiting a supplement.
    demo = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    mine = demo.new_page()
    _login(mine, server, "enterprise", "/app/portal")
    mine.locator(".portal-card", has=mine.locator(".badge.green")).locator("a.button.primary").first.click()
    mine.wait_for_url("**/app/portal/projects/*")
    assert "一次性告知" in mine.inner_text("#miss-h + .card")
    mine.screenshot(path=str(SHOTS / "portal_demo_phone.png"), full_page=True)
    mine.screenshot(path=str(SHOTS / "portal_demo_phone_screen.png"))
    mine.set_viewport_size({"width": 1280, "height": 900})
    mine.screenshot(path=str(SHOTS / "portal_demo.png"), full_page=True)
    for context in (clerk, dept, ent, demo):
        context.close()


def test_project_page_prints_on_one_or_two_a4_pages(server: str, browser: object) -> None:
    """The project summary printed by Chromium: A4 from the stylesheet's @page, navigation and forms hidden."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    _login(page, server, "clerk", "/app")
    page.locator("#projects table a").first.click()
    page.wait_for_selector(".gantt")
    assert page.is_visible("button[data-print]")  # shown by print.js
    pdf = SHOTS / "project_print.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    context.close()
    if not shutil.which("pdfinfo"):
        _missing("pdfinfo (poppler-utils) is not installed")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, size  # A4 portrait in points
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert 1 <= pages <= 2, info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "审批事项" in text and "退出" not in text and "组批报送" not in text and "工作台" not in text
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(SHOTS / "project_print")], check=True)


def test_the_api_reference_renders_from_the_apps_own_files(server: str, browser: object) -> None:
    """On an intranet without internet the reference page still works: Swagger UI and the favicon come from
    the app's static files, the page asks nothing of another host, and it lists the API's operations."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    foreign = foreign_requests(page, server)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/schema")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert "Agency 代办服务 API" in page.inner_text(".info")
    spec = page.request.get(server + "/schema/openapi.json").json()
    operations = {(path, method) for path, item in spec["paths"].items() for method in item}
    # From 150 tags and operations on, Swagger UI renders only what is in view: scroll to the end, and every
    # operation of the API must have been shown on the way.
    shown: set[str] = set()
    for _ in range(2000):
        shown |= set(page.eval_on_selector_all(".opblock", "blocks => blocks.map(b => b.id)"))
        if page.evaluate("window.innerHeight + window.scrollY >= document.body.scrollHeight - 2"):
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(30)
    assert len(operations) > 100
    assert len(shown) == len(operations), (len(shown), len(operations))
    page.evaluate("window.scrollTo(0, 0)")
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon == "/static/favicon.svg"
    page.screenshot(path=str(SHOTS / "api_reference.png"))
    assert not foreign, foreign
    assert not errors, errors


def test_every_page_names_the_favicon(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server + "/login")
    href = page.get_attribute("link[rel=icon]", "href")
    assert href == "/static/favicon.svg"
    response = page.request.get(server + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_the_verification_page_on_a_phone(server: str, browser: object, tmp_path: Path) -> None:
    """A demo paper's code, opened as a QR code opens it: on a phone, no login, nothing from outside."""
    token = str(_api(server, "POST", "/api/auth/login", {"username": "clerk", "password": PASSWORD})["token"])
    projects = _api(server, "GET", "/api/projects", token=token)["items"]
    codes = [doc["verification_code"] for project in projects  # type: ignore[attr-defined]
             for doc in _api(server, "GET", f"/api/projects/{project['id']}/documents", token=token)  # type: ignore[attr-defined]
             if doc.get("verification_code")]
    assert codes, "the demo's papers carry no verification code"
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    page.goto(f"{server}/verify/{codes[0]}")
    assert "该验证码真实有效" in page.inner_text("main") or "已被新版本替代" in page.inner_text("main")
    _no_horizontal_overflow(page)
    page.screenshot(path=str(SHOTS / "verify_phone.png"), full_page=True)
    page.goto(f"{server}/verify/ABCDE-FGHJK-MNPQR-STUVW")
    assert "没有验证码为" in page.inner_text("main")
    assert outside == []
    context.close()

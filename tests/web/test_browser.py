"""Pages in a real browser (Debian's Chromium via Playwright) against a real server process with demo data."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE = os.environ.get("AGENCY_REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("test-artifacts/screenshots")
ROOT = Path(__file__).resolve().parents[2]


def _missing(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"AGENCY_REQUIRE_SERVICES=1 but {what}")
    pytest.skip(f"SKIPPED BROWSER TEST: {what}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path_factory.mktemp("web-demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENCY_")}
    env.update(AGENCY_DATA_DIR=str(data), AGENCY_SCHEDULER="off")
    # cwd is the repository: the data folder holds a "storage" directory that must not shadow the package.
    process = subprocess.Popen([sys.executable, "-m", "agency.cli", "serve", "--demo", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=(data / "log").open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("server did not start: " + (data / "log").read_text(errors="replace")[-2000:])
        yield url
    finally:
        process.terminate()
        process.wait(10)


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


def test_clerk_pages_in_the_browser(server: str, browser: object) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    foreign: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    page.goto(server + "/app")
    assert "/login" in page.url
    page.screenshot(path=str(SHOTS / "login.png"), full_page=True)
    page.fill("#username", "clerk")
    page.fill("#password", "Agency@2026")
    page.click("button.primary")
    page.wait_for_url(server + "/app")
    assert page.is_visible("text=今日待办")
    page.screenshot(path=str(SHOTS / "workbench.png"), full_page=True)
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
    assert not foreign, foreign

"""The county's sites in Chromium, against a real server with the demo data: the center's clerk hands a dossier
of his worklist to the 临溪镇 hall on its page, naming the hall's clerk who takes it; then, on the workbench, he
picks the hall in the worklist's site select and in the project list's: each shows that dossier's rows only, and
the center's pick none of them. Screenshot: workbench_site.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import re

from tests.web.test_browser import SHOTS, _login, demo_office, foreign_requests
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared

server = demo_office("web-sites")
HALL, CENTER = "临溪镇便民服务中心", "示范县政务服务中心"


def _project_ids(page: object, rows: str) -> list[int]:
    """The dossiers the rows link to, in the order shown."""
    links = page.locator(f"{rows} a[href^='/app/projects/']")  # type: ignore[attr-defined]
    return [int(re.sub(r"\D", "", links.nth(i).get_attribute("href"))) for i in range(links.count())]


def test_the_center_clerk_hands_a_dossier_to_a_hall_and_picks_that_site_on_the_workbench(
        server: str, browser: object) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    foreign = foreign_requests(page, server)
    _login(page, server, "clerk", "/app")
    worked = _project_ids(page, "#urgent tr[data-row]")
    assert worked, "the demo's worklist has urgent items"
    dossier = worked[0]

    # The hand-over form: the receiving site and its clerk, by name.
    page.goto(f"{server}/app/projects/{dossier}")
    assert page.locator("#handover-clerk option:checked").inner_text().startswith("不指定")
    page.select_option("#handover-site", label=HALL)
    page.select_option("#handover-clerk", label="赵代办（临溪镇）")
    page.fill("#handover-note", "企业就近在临溪镇办理，移交镇便民服务中心")
    page.click("#site button[type=submit]")
    page.wait_for_selector("p.ok")
    assert f"已移交{HALL}，由赵代办（临溪镇）接办" in page.inner_text("p.ok")
    assert f"现由 {HALL} 办理" in page.inner_text("#site")

    # The worklist of the hall: the dossier's items only; of the center: none of them.
    page.goto(server + "/app")
    page.select_option("#wsite", label=HALL)
    page.click("#worklist-site button")
    page.wait_for_url(re.compile(r".*wsite=linxi.*"))
    assert set(_project_ids(page, "#urgent tr[data-row]")) == {dossier}
    assert page.locator("#wsite option:checked").inner_text() == HALL
    page.screenshot(path=str(SHOTS / "workbench_site.png"), full_page=True)
    page.select_option("#wsite", label=CENTER)
    page.click("#worklist-site button")
    page.wait_for_url(re.compile(r".*wsite=county.*"))
    assert dossier not in _project_ids(page, "#urgent tr[data-row]")

    # The project list of the hall: that dossier alone, counted as one.
    page.select_option("#site", label=HALL)
    page.click("form[role=search] button.primary")
    page.wait_for_url(re.compile(r".*[?&]site=linxi.*"))
    assert _project_ids(page, "#projects tr[data-row]") == [dossier]
    assert "共 1 个项目" in page.inner_text("main")
    assert not foreign, foreign

"""The clerk's full day in Chromium, against a real server with the demo data, with the department officer on the
other side of each bundle:

search by credit code → the enterprise's page → a new project → several pages uploaded to one material, a wrong
file withdrawn → the compose form offers only what is ready (and says why the rest waits) → the department signs
for the bundle, asks for a supplement → the clerk sees it as 待补正 (not 待报送), uploads it and resubmits through
a bundle → the department signs for it, accepts and approves with the decision's scan → the clerk downloads the
decision → the worklist as a spreadsheet, read back with openpyxl.

What test_browser_finding (enterprise contacts, project details, milestones) and test_browser_office (rating,
leader) walk is not walked again. Screenshots of each page go to ``$SHOTS_DIR`` (default
test-artifacts/screenshots/day/).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from agency import timeutil
from tests.agency.files.files_fixtures import png
from tests.web.test_browser import SHOTS, _api, _login, _no_horizontal_overflow, demo_office, foreign_requests
from tests.web.test_browser import browser as browser  # the Chromium fixture, shared
from tests.web.test_browser_office import _token

DAY_SHOTS = Path(os.environ.get("SHOTS_DIR") or SHOTS / "day")


def pdf(text: str, size: int = 300) -> bytes:
    return b"%PDF-1.7\n" + text.encode() * size


server = demo_office("web-clerk-day")


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(DAY_SHOTS / f"{name}.png"), full_page=True)


def _upload(page: Any, material: str, files: list[dict[str, Any]]) -> None:
    """Files chosen in a material's box go up at once (upload.js); the page, reloaded, lists them."""
    form = page.locator(f"#mat-{material} form.upload")
    form.locator("input[type=file]").set_input_files(files=files)
    form.locator(f".uploads[data-complete='{len(files)}']").wait_for()
    assert form.locator(".upload-row[data-error]").count() == 0, form.inner_text()
    page.reload()


def _current_files(page: Any, material: str) -> list[str]:
    """The material's current set, as its list shows it (not its history)."""
    current = page.locator(f"#mat-{material} ul.files[aria-label$='当前文件'] > li > a")
    return [n.strip() for n in current.all_inner_texts()]


def _act(page: Any, action: str) -> None:
    """Opens an action's panel on the approval page (unless it opened by itself) and submits it."""
    if page.locator(f"#act-{action}[open]").count() == 0:
        page.click(f"#act-{action} summary")
    page.click(f"#act-{action} button[type=submit]")
    page.wait_for_selector("p.ok")


def _urgent_links(page: Any) -> set[str]:
    return {str(h) for h in page.locator("#urgent tr[data-row] td:first-child a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")}


def test_the_clerks_full_day_in_the_browser(server: str, browser: Any, tmp_path: Path) -> None:
    DAY_SHOTS.mkdir(parents=True, exist_ok=True)
    clerk_token = _token(server, "clerk")
    enterprise = _api(server, "GET", "/api/enterprises?page_size=1", token=clerk_token)["items"][0]  # type: ignore[index]
    clerk = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = clerk.new_page()
    foreign = foreign_requests(page, server)
    _login(page, server, "clerk", "/app")

    # Search: the credit code finds the enterprise's projects; a project leads to its enterprise.
    page.fill("#q", enterprise["credit_code"])
    page.click("form[role=search] button.primary")
    rows = page.locator("#projects tr[data-row]")
    assert rows.count() >= 1 and all(enterprise["name"] in t for t in rows.all_inner_texts())
    _shot(page, "search")
    rows.first.locator("td a").first.click()
    page.click(f"dl.facts a[href='/app/enterprises/{enterprise['id']}']")
    page.wait_for_selector("#projects-h")
    _shot(page, "enterprise")

    # A new project for the enterprise, from its page.
    page.click("text=为该企业新建项目")
    page.wait_for_selector("#f-name")
    assert page.locator("#f-enterprise_id").input_value() == str(enterprise["id"])
    page.fill("#f-name", "浏览器一日新建厂房项目")
    page.select_option("#f-route_code", "new_industrial")
    page.fill("#f-investment_wan", "3200")
    page.fill("#f-location", "示范县产业园区纬二路")
    _shot(page, "project_new")
    page.click("form.card button.primary")
    page.wait_for_url(re.compile(r"/app/projects/\d+\?created=1"))
    project_id = int(re.search(r"/app/projects/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    _shot(page, "project_created")

    # The first item (备案, no prerequisite): prepared, its materials uploaded, 营业执照 in several pages.
    page.click("#appr-h ~ .table-wrap a:text('企业投资项目备案')")
    page.wait_for_selector("#mat-h")
    approval_id = int(re.search(r"/app/approvals/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    _act(page, "prepare")
    _upload(page, "sqb", [{"name": "备案申请表.pdf", "mimeType": "application/pdf", "buffer": pdf("申请表")}])
    _upload(page, "cns", [{"name": "承诺书.pdf", "mimeType": "application/pdf", "buffer": pdf("承诺书")}])
    pages = ["营业执照正本.png", "营业执照副本.pdf", "错传的身份证.pdf"]
    _upload(page, "yyzz", [{"name": pages[0], "mimeType": "image/png", "buffer": png()},
                           {"name": pages[1], "mimeType": "application/pdf", "buffer": pdf("副本")},
                           {"name": pages[2], "mimeType": "application/pdf", "buffer": pdf("身份证")}])
    assert sorted(_current_files(page, "yyzz")) == sorted(pages)
    _shot(page, "approval_uploaded")
    wrong = page.locator("#mat-yyzz ul.files[aria-label$='当前文件'] > li", has_text=pages[2])
    wrong.locator("details.withdraw summary").click()
    wrong.locator("input[name=reason]").fill("传错文件，不属于营业执照")
    wrong.locator("button[type=submit]").click()
    page.wait_for_selector("p.ok")
    assert "已撤回" in page.inner_text("p.ok")
    assert sorted(_current_files(page, "yyzz")) == sorted(pages[:2])
    page.click("#mat-yyzz details.history summary")
    assert pages[2] in page.inner_text("#mat-yyzz details.history") and "已撤回" in page.inner_text(
        "#mat-yyzz details.history")
    _shot(page, "approval_withdrawn")

    # The compose form: 备案 is offered; 节能审查 (same department, its preparation begun) waits for it, and says so.
    page.goto(f"{server}/app/projects/{project_id}")
    page.click("#appr-h ~ .table-wrap a:text('节能审查')")
    _act(page, "prepare")
    page.goto(f"{server}/app/projects/{project_id}")
    form = page.locator("form.compose[data-department=fgj][data-kind=submission]")
    offered = form.locator("input[name=approval_ids]")
    assert offered.count() == 1 and offered.first.get_attribute("value") == str(approval_id)
    blocked = form.locator("ul.blocked").inner_text()
    assert "节能审查" in blocked and "前置事项未办结：企业投资项目备案" in blocked, blocked
    page.locator("#send-h").scroll_into_view_if_needed()
    _shot(page, "compose")
    form.locator("button.primary").click()
    page.wait_for_selector("p.ok")
    bundle_code = re.search(r"BS-\d{4}-\d+", page.inner_text("p.ok")).group(0)  # type: ignore[union-attr]

    # The department: the bundle names the enterprise, the project and the item; its ZIP carries the current set.
    department = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    officer = department.new_page()
    officer.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    _login(officer, server, "dept-fgj", "/app/inbox")
    row = officer.locator("#bundles tr", has_text=bundle_code)
    assert all(s in row.inner_text() for s in (enterprise["name"], "浏览器一日新建厂房项目", "企业投资项目备案"))
    with officer.expect_download() as download:
        row.locator("a[download]").click()
    names = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).namelist()
    listed = " ".join(names)
    assert all(Path(n).stem in listed for n in pages[:2]) and Path(pages[2]).stem not in listed, names
    _shot(officer, "inbox")
    row.locator("form[action$='/receive'] button").click()
    officer.wait_for_selector("p.ok")
    assert bundle_code in officer.inner_text("p.ok")

    # …and asks for a supplement before accepting: the 承诺书 lacks its seal.
    officer.goto(f"{server}/app/approvals/{approval_id}")
    officer.click("#act-request_supplement summary")
    officer.check("#act-request_supplement input[name=missing_materials][value=cns]")
    officer.fill("#f-request_supplement-reason", "承诺书未加盖企业公章")
    officer.click("#act-request_supplement button[type=submit]")
    officer.wait_for_selector("#notice-preview")
    _shot(officer, "supplement_preview")
    officer.click("#confirm")
    officer.wait_for_selector("p.ok")

    # The clerk: 待补正, not 待报送, on the counters and their lists.
    page.goto(f"{server}/app?work=supplement")
    assert f"/app/approvals/{approval_id}" in _urgent_links(page)
    row_status = page.locator(f"#urgent tr[data-row]:has(a[href='/app/approvals/{approval_id}']) td[data-label=状态]")
    assert row_status.inner_text() == "待补正"
    _shot(page, "workbench_supplement")
    page.goto(f"{server}/app?work=to_send")
    assert f"/app/approvals/{approval_id}" not in _urgent_links(page)
    # The corrected 承诺书 goes up, and back to the department in a resubmission bundle carrying only it.
    page.goto(f"{server}/app/approvals/{approval_id}")
    assert "承诺书未加盖企业公章" in page.inner_text("p.notice")
    _upload(page, "cns", [{"name": "承诺书（已盖章）.pdf", "mimeType": "application/pdf",
                           "buffer": pdf("盖章承诺书")}])
    page.goto(f"{server}/app/projects/{project_id}")
    resubmit = page.locator("form.compose[data-department=fgj][data-kind=resubmission]")
    assert resubmit.locator(f"input[name=approval_ids][value='{approval_id}']").count() == 1
    assert "补正材料报送至" in resubmit.inner_text()
    _shot(page, "compose_resubmission")
    resubmit.locator("button.primary").click()
    page.wait_for_selector("p.ok")
    second_code = re.search(r"BS-\d{4}-\d+", page.inner_text("p.ok")).group(0)  # type: ignore[union-attr]
    assert second_code != bundle_code

    # The department signs for the resubmission (only the corrected file in it), accepts and approves with the scan.
    officer.goto(f"{server}/app/inbox")
    row = officer.locator("#bundles tr", has_text=second_code)
    assert "补正" in row.inner_text()
    with officer.expect_download() as download:
        row.locator("a[download]").click()
    names = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).namelist()
    listed = " ".join(names)
    assert "已盖章" in listed and "营业执照" not in listed and "备案申请表" not in listed, names
    _shot(officer, "inbox_resubmission")
    row.locator("form[action$='/receive'] button").click()
    officer.wait_for_selector("p.ok")
    officer.goto(f"{server}/app/approvals/{approval_id}")
    _act(officer, "accept")
    assert "受理" in officer.inner_text("p.ok")
    officer.click("#act-approve summary")
    officer.set_input_files("#f-approve-decision_file", files=[{
        "name": "备案证明扫描件.pdf", "mimeType": "application/pdf", "buffer": pdf("备案证明")}])
    officer.fill("#f-approve-certificate_no", "发改备〔2026〕101号")
    officer.fill("#f-approve-valid_until", (timeutil.today() + timedelta(days=730)).isoformat())
    officer.click("#act-approve button[type=submit]")
    officer.wait_for_selector("p.ok")
    assert "备案证明扫描件.pdf" in officer.inner_text("#decision-files")
    _shot(officer, "approval_approved")

    # The clerk sees the result and downloads the decision's scan.
    page.goto(f"{server}/app/approvals/{approval_id}")
    assert "发改备〔2026〕101号" in page.inner_text("dl.facts")
    decision = page.request.get(server + str(page.locator("#decision-files a").get_attribute("href")))
    assert decision.status == 200 and decision.body() == pdf("备案证明")
    _shot(page, "approval_result")

    # The worklist as a spreadsheet: every row its counter counts, with the names the list shows.
    page.goto(f"{server}/app?work=warning")
    caption = page.inner_text("#urgent caption")
    total = int(re.search(r"共 (\d+) 项", caption).group(1))  # type: ignore[union-attr]
    shown = [t.strip() for t in page.locator("#urgent tr[data-row] td:first-child").all_inner_texts()]
    counter = int(page.inner_text("a.count[href='/app?work=warning#urgent'] strong"))
    with page.expect_download() as download:
        page.click("#urgent caption >> text=导出 XLSX 表格")
    target = tmp_path / "worklist.xlsx"
    download.value.save_as(target)
    sheet = list(load_workbook(target).active.iter_rows(values_only=True))
    assert sheet[0][0] == "事项" and len(sheet) - 1 == total == counter >= 1
    assert all(name in {r[0] for r in sheet[1:]} for name in shown)
    _shot(page, "worklist")
    page.set_viewport_size({"width": 390, "height": 844})
    _no_horizontal_overflow(page)
    _shot(page, "worklist_phone")
    assert not foreign, foreign

"""网上办事 in a real browser at phone size: the demo enterprise uploads two files for a material it is asked
for, the clerk sends one back with a reason, and the enterprise reads the reason on its phone."""

from __future__ import annotations

from pathlib import Path

from tests.web.test_browser import PDF, SHOTS, _login, browser, server

__all__ = ["browser", "server"]  # the module's fixtures: one demo server and one Chromium


def test_the_enterprise_uploads_on_a_phone_and_reads_why_a_file_came_back(server: str, browser: object,
                                                                         tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    first, second = tmp_path / "补正材料-第1页.pdf", tmp_path / "补正材料-第2页.pdf"
    first.write_bytes(PDF)
    second.write_bytes(PDF + b"%second page\n")
    phone = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    portal = phone.new_page()
    _login(portal, server, "enterprise", "/app/portal")
    portal.locator(".portal-card", has=portal.locator(".badge.green")).locator("a.button.primary").first.click()
    portal.wait_for_url("**/app/portal/projects/*")
    project_url = portal.url
    form = portal.locator("#miss-h ~ .card form.upload").first
    action = str(form.get_attribute("action"))
    form.locator("input[type=file]").set_input_files([str(first), str(second)])
    form.locator("button[type=submit]").click()
    portal.wait_for_selector("p.ok")
    assert "等待代办员审核" in portal.inner_text("p.ok")
    assert portal.locator("text=已上传，待代办员审核").count() >= 2
    portal.screenshot(path=str(SHOTS / "portal_upload_phone.png"), full_page=True)

    desk = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    clerk = desk.new_page()
    _login(clerk, server, "clerk", "/app")
    clerk.goto(server + action.split("/materials/")[0])
    row = clerk.locator(".files.pending li", has_text="补正材料-第2页.pdf")
    row.locator("summary", has_text="退回").click()
    row.locator("input[name=reason]").fill("第2页缺少公章，请盖章后重新上传")
    row.locator("button", has_text="确认退回").click()
    clerk.wait_for_selector("p.ok")
    assert "已退回" in clerk.inner_text("p.ok")

    portal.goto(project_url)
    shown = portal.inner_text("main")
    assert "被退回" in shown and "原因：第2页缺少公章，请盖章后重新上传" in shown, shown
    portal.screenshot(path=str(SHOTS / "portal_returned_phone.png"), full_page=True)
    for context in (phone, desk):
        context.close()

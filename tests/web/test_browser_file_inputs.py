"""Every upload form in Chromium shows Chinese: a 选择文件 button and 未选择文件, not the browser's own "Choose
Files" and "No file chosen" (the words Chromium draws inside <input type="file">, in the browser's language).

The native input stays the control: in the tab order, named by its label, described by the chosen-files text.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.test_browser import PDF, SHOTS, _login, browser, server

__all__ = ["browser", "server"]  # the module's fixtures: one demo server and one Chromium

ENGLISH = re.compile(r"[A-Za-z]{3,}")
ALLOWED = {"PDF", "DOCX", "XLSX", "ZIP", "YAML", "JPEG", "PNG", "TIFF", "OFD", "Agency"}

# Each upload form the user sees, as JavaScript reads it off the page: the native input's size on screen, the
# button and the status beside it, the text of the form, and the input's description.
READ_FORMS = """() => [...document.querySelectorAll('input[type=file]')].map(input => {
    const box = input.getBoundingClientRect();
    const button = input.nextElementSibling, status = button && button.nextElementSibling;
    const described = (input.getAttribute('aria-describedby') || '').split(' ')
        .map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent).join(' ');
    const labels = [...input.labels].map(l => l.textContent).join(' ');
    return {id: input.id, width: box.width, height: box.height, title: input.title,
            button: button && button.classList.contains('file-button') ? button.textContent : null,
            buttonShown: !!(button && button.getClientRects().length),
            status: status && status.classList.contains('file-chosen') ? status.textContent : null,
            form: input.form ? input.form.innerText : '', described, labels};
})"""


def _links(page: object, pattern: str) -> list[str]:
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")  # type: ignore[attr-defined]
    return list(dict.fromkeys(h for h in hrefs if re.fullmatch(pattern, h)))


def _first_with_upload(page: object, server: str, paths: list[str]) -> str:
    for path in paths:
        page.goto(server + path)  # type: ignore[attr-defined]
        if page.locator("input[type=file]").count():  # type: ignore[attr-defined]
            return path
    raise AssertionError(f"no upload form on {paths}")


def _check(page: object, where: str) -> list[dict[str, object]]:
    page.wait_for_selector(".file-button", state="attached")  # type: ignore[attr-defined]
    forms = page.evaluate(READ_FORMS)  # type: ignore[attr-defined]
    assert forms, where
    for f in forms:
        assert f["button"] == "选择文件" and (f["buttonShown"] or not f["form"]), (where, f)  # or in a closed <details>
        assert f["status"] == "未选择文件" and f["title"] == "未选择文件", (where, f)
        assert f["width"] <= 1 and f["height"] <= 1, f"{where}: the native input (English) is on screen: {f}"
        assert f["labels"].strip(), f"{where}: the input lost its label: {f}"
        assert "未选择文件" in f["described"], (where, f)
        english = [w for w in ENGLISH.findall(f["form"]) if w not in ALLOWED]
        assert not english, (where, english, f["form"])
    return forms  # type: ignore[no-any-return]


def test_every_upload_form_reads_chinese_in_chromium(server: str, browser: object, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")  # type: ignore[attr-defined]
    page = context.new_page()
    _login(page, server, "clerk", "/app")
    project = _links(page, r"/app/projects/\d+")[0]
    page.goto(server + project)
    approval = _first_with_upload(page, server, _links(page, r"/app/approvals/\d+")[:12])
    forms = _check(page, f"clerk {approval}")
    upload = page.locator("form.upload").first
    upload.scroll_into_view_if_needed()
    assert upload.locator(".file-button").is_visible() and upload.locator(".file-chosen").is_visible()
    page.screenshot(path=str(SHOTS / "upload_form_chinese.png"), full_page=False)
    # Keyboard: Tab reaches the hidden input itself, and the button beside it shows the focus ring.
    first_id = forms[0]["id"]
    page.focus(f"#{first_id}")
    assert page.evaluate("() => document.activeElement.type") == "file"
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")  # type: ignore[attr-defined]
    page = context.new_page()
    _login(page, server, "admin", "/app")
    for path in ("/app/admin/templates", "/app/admin/catalog/import"):
        page.goto(server + path)
        _check(page, f"admin {path}")
    # A file chosen and not yet sent is named beside the button.
    scan = tmp_path / "批准文件.pdf"
    scan.write_bytes(PDF)
    page.goto(server + "/app/admin/templates")
    page.set_input_files("#f-file", str(scan))
    assert page.inner_text("#f-file ~ .file-chosen") == "已选择：批准文件.pdf"
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")  # type: ignore[attr-defined]
    page = phone.new_page()
    _login(page, server, "enterprise", "/app/portal")
    portal = _first_with_upload(page, server, _links(page, r"/app/portal/projects/\d+"))
    _check(page, f"enterprise {portal}")
    page.locator("form.upload").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "upload_form_chinese_phone.png"), full_page=False)
    phone.close()

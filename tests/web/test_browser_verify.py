"""A sealed PDF checked on the public page in a real browser at phone size: the clerk issues a PDF, a stranger
(no login) uploads it to /verify/{code} and reads that it is the original and that its seal validates."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import documents as paper
from tests.documents.conftest import tool_missing
from tests.web.test_browser import PASSWORD, SHOTS, _api, _no_horizontal_overflow, browser, server

__all__ = ["browser", "server"]  # the module's fixtures: one demo server and one Chromium


def test_a_stranger_checks_a_sealed_pdf_on_a_phone(server: str, browser: object, tmp_path: Path) -> None:
    if not paper.pdf_available():
        tool_missing("LibreOffice (soffice) is not installed (Debian: libreoffice-writer-nogui fonts-noto-cjk)")
    token = str(_api(server, "POST", "/api/auth/login", {"username": "clerk", "password": PASSWORD})["token"])
    project = _api(server, "GET", "/api/projects", token=token)["items"][0]  # type: ignore[index]
    made = _api(server, "POST", f"/api/projects/{project['id']}/documents",  # type: ignore[index]
                {"template": "authorization_letter", "format": "pdf"}, token=token)
    request = urllib.request.Request(f"{server}/api/files/{made['file_id']}",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        sealed = response.read()
    (tmp_path / "委托书.pdf").write_bytes(sealed)
    altered = bytearray(sealed)
    altered[len(sealed) // 3] ^= 0x01
    (tmp_path / "改过的委托书.pdf").write_bytes(bytes(altered))
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{server}/verify/{made['verification_code']}")
    page.set_input_files("#f-file", str(tmp_path / "委托书.pdf"))
    page.click("form button.primary")
    page.wait_for_selector("#verify-check")
    result = page.inner_text("#verify-check")
    assert "完全一致" in result and "电子签章验证通过" in result and "演示用印章，无法律效力" in result
    _no_horizontal_overflow(page)
    page.screenshot(path=str(SHOTS / "verify_sealed_pdf_phone.png"), full_page=True)
    page.set_input_files("#f-file", str(tmp_path / "改过的委托书.pdf"))
    page.click("form button.primary")
    page.wait_for_selector("#verify-check")
    result = page.inner_text("#verify-check")
    assert "不一致" in result and "电子签章验证未通过" in result
    context.close()

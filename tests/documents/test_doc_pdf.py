"""PDF conversion: a clear error without LibreOffice, a hard timeout, Chinese fonts embedded."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from documents import PdfConversionError, PdfUnavailable, builtin_template_bytes, pdf_available, render, to_pdf
from documents.samples import sample_context
from tests.documents.conftest import tool_missing

# Font names a PDF carries when Chinese was set in a real CJK font (LibreOffice embeds subsets).
CJK_FONT = re.compile(r"Noto\w*CJK|SourceHan|WenQuanYi|WQY|wqy|SimSun|SimHei|FangSong|Droid\w*Fallback", re.I)


def _fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_missing_libreoffice_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENCY_SOFFICE", str(tmp_path / "not-installed"))
    assert not pdf_available()
    with pytest.raises(PdfUnavailable, match=r"LibreOffice \(soffice\) is not installed"):
        to_pdf(b"docx")


def test_a_hung_conversion_is_killed_with_its_children(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # Like soffice → soffice.bin: the launcher starts a child that would outlive it.
    monkeypatch.setenv("AGENCY_SOFFICE", str(_fake_soffice(tmp_path, f"sleep 60 & echo $! > {pid_file}; wait")))
    started = time.monotonic()
    with pytest.raises(PdfConversionError, match="within 1 s"):
        to_pdf(b"docx", timeout=1)
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    for _ in range(50):  # the kill is asynchronous; give the kernel a moment to reap it
        if not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"child process {child} still running after the timeout")


def test_a_failed_conversion_reports_libreoffice_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(
        "AGENCY_SOFFICE", str(_fake_soffice(tmp_path, "echo 'source file could not be loaded' >&2; exit 1"))
    )
    with pytest.raises(PdfConversionError, match="could not be loaded"):
        to_pdf(b"docx")


def _require_tools() -> tuple[str, str]:
    if not pdf_available():
        tool_missing("LibreOffice (soffice) is not installed (Debian: libreoffice-writer-nogui fonts-noto-cjk)")
    pdffonts, pdfinfo = shutil.which("pdffonts"), shutil.which("pdfinfo")
    if pdffonts is None or pdfinfo is None:
        tool_missing("pdffonts/pdfinfo are not installed (Debian: poppler-utils)")
    assert pdffonts is not None and pdfinfo is not None
    return pdffonts, pdfinfo


def _fonts(pdffonts: str, pdf: Path) -> list[tuple[str, str]]:
    out = subprocess.run([pdffonts, str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = out.splitlines()[2:]  # two header lines
    # name … emb sub uni object ID: "emb" is the fifth column from the right.
    return [(row.split()[0], row.split()[-5]) for row in rows if row.strip()]


def test_pdf_embeds_a_chinese_font_and_is_a4(tmp_path: Path) -> None:
    pdffonts, pdfinfo = _require_tools()
    codes = ["one_time_notice", "progress_report"]  # a portrait letter and a landscape table
    docs = [render(builtin_template_bytes(code), sample_context(code)) for code in codes]
    # In parallel: each conversion must use its own LibreOffice profile or the second one fails.
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(to_pdf, docs))
    for code, pdf in zip(codes, pdfs, strict=True):
        assert pdf.startswith(b"%PDF-")
        path = tmp_path / f"{code}.pdf"
        path.write_bytes(pdf)
        fonts = _fonts(pdffonts, path)
        # Text extraction would look fine even with boxes printed; the font table does not lie.
        assert any(CJK_FONT.search(name) for name, _ in fonts), f"{code}: no CJK font in {fonts}"
        assert all(embedded == "yes" for _, embedded in fonts), f"{code}: a font is not embedded: {fonts}"
        info = subprocess.run([pdfinfo, str(path)], check=True, capture_output=True, text=True).stdout
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert size is not None
        assert sorted(round(float(x)) for x in size.groups()) == [595, 842], info


def test_conversions_leave_no_temporary_files_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _require_tools()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    to_pdf(render(builtin_template_bytes("refusal_notice"), sample_context("refusal_notice")))
    assert os.listdir(tmp_path) == []

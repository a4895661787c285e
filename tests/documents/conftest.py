"""Helpers for the documents tests: build a tiny .docx, read a rendered one back as text."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from docx import Document
from lxml import etree  # type: ignore[import-untyped]  # no stubs in the venv

REQUIRE_SERVICES = os.environ.get("AGENCY_REQUIRE_SERVICES") == "1"


def tool_missing(message: str) -> None:
    """Skip loudly when a local tool (LibreOffice, pdffonts) is absent; fail in CI."""
    if REQUIRE_SERVICES:
        pytest.fail(f"AGENCY_REQUIRE_SERVICES=1 but {message}")
    pytest.skip(f"SKIPPED: {message}; install it or set AGENCY_REQUIRE_SERVICES=1 to fail")


def _block_text(container: Any) -> Iterator[str]:
    for paragraph in container.paragraphs:
        yield paragraph.text
    for table in container.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from _block_text(cell)


def docx_text(data: bytes) -> str:
    """All text a reader sees: body paragraphs, tables (nested too), headers and footers."""
    document = Document(io.BytesIO(data))
    parts = list(_block_text(document))
    for section in document.sections:
        parts += list(_block_text(section.header)) + list(_block_text(section.footer))
    return "\n".join(parts)


def assert_valid_xml(data: bytes) -> None:
    """Every XML part of the package parses with a strict parser (what Word does)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(package.read(name))  # raises on malformed XML


def make_docx(*paragraphs: str | list[str], footer: str | None = None) -> bytes:
    """A .docx with one paragraph per argument; a list argument is one paragraph of several runs."""
    document = Document()
    for paragraph in paragraphs:
        p = document.add_paragraph()
        for run in [paragraph] if isinstance(paragraph, str) else paragraph:
            p.add_run(run)
    if footer is not None:
        document.sections[0].footer.paragraphs[0].add_run(footer)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def docx() -> Callable[..., bytes]:
    return make_docx

"""Sniffing by content with real minimal files, and the Content-Disposition helper."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from storage import DOCX, JPEG, OFD, PDF, PNG, TIFF, content_disposition, sniff
from storage.sniff import ACCEPTED_TYPES, SNIFF_BYTES, sniff_complete


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pdf", PDF),
        ("jpeg", JPEG),
        ("png", PNG),
        ("tiff_le", TIFF),
        ("tiff_be", TIFF),
        ("ofd", OFD),
        ("docx", DOCX),
    ],
)
def test_real_files_are_recognised(samples: dict[str, bytes], name: str, expected: str) -> None:
    assert sniff(samples[name]) == expected
    assert sniff(samples[name][:SNIFF_BYTES]) == expected
    assert expected in ACCEPTED_TYPES


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"%PD",
        b"%PDF",
        b"\xff\xd8",
        b"\x89PNG\r\n",
        b"II*",
        b"\x7fELF\x02\x01\x01\x00\x00",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
        b"#!/bin/sh\nrm -rf /\n",
        b"<!DOCTYPE html><html></html>",
        b"<html><body>%PDF-1.7</body></html>",
        b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>",
        "营业执照".encode(),
        b"GIF89a\x01\x00\x01\x00",
        b"\x00" * 100,
    ],
)
def test_anything_else_is_none(head: bytes) -> None:
    assert sniff(head) is None


def _zip(entries: list[tuple[str, bytes]], *, streamed: bool = False) -> bytes:
    class Unseekable(io.RawIOBase):
        """Makes zipfile write data descriptors (sizes after the data), as streaming zippers do."""

        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            self.buffer += data
            return len(data)

    target: io.BytesIO | Unseekable = Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return bytes(target.buffer) if isinstance(target, Unseekable) else target.getvalue()


def test_libreoffice_entry_order_is_docx() -> None:
    docx = _zip(
        [
            ("_rels/.rels", b"<Relationships/>"),
            ("docProps/core.xml", b"<cp/>"),
            ("word/document.xml", b"<w:document/>"),
            ("[Content_Types].xml", b"<Types/>"),
        ]
    )
    assert sniff(docx) == DOCX


def test_ofd_written_with_data_descriptors_is_recognised() -> None:
    data = _zip([("OFD.xml", b"<ofd:OFD/>"), ("Doc_0/Document.xml", b"<ofd:Document/>")], streamed=True)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0] == "OFD.xml"
    assert sniff(data) == OFD


@pytest.mark.parametrize(
    "entries",
    [
        [("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")],  # XLSX
        [("[Content_Types].xml", b"<Types/>"), ("ppt/presentation.xml", b"<p/>")],  # PPTX
        [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<c/>")],  # ODT
        [("word/document.xml", b"<w:document/>")],  # a "word/" folder alone is not a package
        [("readme.txt", b"hello"), ("setup.exe", b"MZ")],
    ],
    ids=["xlsx", "pptx", "odt", "bare-word-folder", "plain-zip"],
)
def test_other_zips_are_none(entries: list[tuple[str, bytes]]) -> None:
    assert sniff(_zip(entries)) is None


def test_documented_limit_names_beyond_the_sniffed_head_are_not_seen() -> None:
    noise = random.Random(1).randbytes(SNIFF_BYTES + 1000)  # incompressible
    huge_first = _zip([("[Content_Types].xml", b"<Types/>"), ("media/scan.bin", noise), ("word/document.xml", b"")])
    assert sniff(huge_first) is None


def test_sniff_complete_decides_as_early_as_it_can(samples: dict[str, bytes]) -> None:
    assert not sniff_complete(b"%PDF")
    assert sniff_complete(samples["pdf"][:8])
    assert sniff_complete(b"<html><body>")
    ofd = samples["ofd"]
    assert not sniff_complete(ofd[:20])
    assert sniff_complete(ofd[:200])
    plain_zip = _zip([("a.txt", b"x" * 10)])
    assert not sniff_complete(plain_zip)
    assert sniff_complete(plain_zip + b"\x00" * SNIFF_BYTES)


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        (None, "attachment"),
        ("scan.pdf", "attachment; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf"),
        (
            "营业执照.pdf",
            "attachment; filename=\"____.pdf\"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf",
        ),
        ('a"b;c%.pdf', "attachment; filename=\"a_b_c_.pdf\"; filename*=UTF-8''a%22b%3Bc%25.pdf"),
        ("../../etc/passwd", "attachment; filename=\"....etcpasswd\"; filename*=UTF-8''....etcpasswd"),
        (
            "evil\r\nSet-Cookie: x=1.pdf",
            "attachment; filename=\"evilSet-Cookie: x=1.pdf\"; filename*=UTF-8''evilSet-Cookie%3A%20x%3D1.pdf",
        ),
    ],
)
def test_content_disposition_is_safe_and_rfc5987(filename: str | None, expected: str) -> None:
    assert content_disposition(filename) == expected


def test_inline_disposition() -> None:
    assert content_disposition("a.png", "inline").startswith("inline; filename=")

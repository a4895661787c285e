"""Fixtures for the storage library: both backends, an S3 server (moto) and sample files.

S3 runs against moto's server in a subprocess (not in-process), so a test can kill it and
start it again, and so its memory does not count as ours. If it cannot start, the S3 tests
skip loudly; with AGENCY_REQUIRE_SERVICES=1 they fail instead.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from storage import BlobStore, FilesystemBlobStore
from tests.storage.blob_helpers import MotoServer, s3_store

REQUIRE_SERVICES = os.environ.get("AGENCY_REQUIRE_SERVICES") == "1"


def service_missing(error: BaseException) -> None:
    message = f"the S3 test server (moto_server) could not be started ({error})"
    if REQUIRE_SERVICES:
        pytest.fail(f"AGENCY_REQUIRE_SERVICES=1 but {message}")
    pytest.skip(f"SKIPPED INTEGRATION TEST: {message}; install moto[server] or set AGENCY_REQUIRE_SERVICES=1 to fail")


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer | BaseException]:
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        server.start()
    except Exception as exc:
        yield exc
        return
    yield server
    server.stop()


@pytest.fixture
def running_moto(moto_s3: MotoServer | BaseException) -> MotoServer:
    if isinstance(moto_s3, BaseException):
        service_missing(moto_s3)
    assert isinstance(moto_s3, MotoServer)
    return moto_s3


@pytest.fixture
def private_moto(tmp_path: Path, moto_s3: MotoServer | BaseException) -> Iterator[MotoServer]:
    """A server of the test's own, for tests that stop it."""
    if isinstance(moto_s3, BaseException):
        service_missing(moto_s3)
    server = MotoServer(tmp_path / "moto-private.log")
    try:
        server.start()
    except Exception as exc:
        service_missing(exc)
    yield server
    server.stop()


@pytest.fixture(params=["filesystem", pytest.param("s3", marks=pytest.mark.integration)])
def make_blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], BlobStore]:
    if request.param == "filesystem":
        return lambda: FilesystemBlobStore(tmp_path / "blobs")
    server = request.getfixturevalue("running_moto")
    return lambda: s3_store(server)


@pytest.fixture
async def blob_store(make_blob_store: Callable[[], BlobStore]) -> AsyncIterator[BlobStore]:
    store = make_blob_store()
    yield store
    await store.aclose()


# -- sample files: real, minimal files of every accepted type ------------------------------


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")
    )


def _jpeg() -> bytes:
    """A baseline 1x1 greyscale JPEG: one 8x8 block, DC difference 0, end of block."""

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    one_code = bytes([1] + [0] * 15) + b"\x00"  # a single 1-bit code for symbol 0
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + b"\x01" * 64)
        + segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
        + segment(0xC4, b"\x00" + one_code)
        + segment(0xC4, b"\x10" + one_code)
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"  # bits 0 (DC: category 0) and 0 (AC: EOB), padded with ones
        + b"\xff\xd9"
    )


def _tiff(order: str) -> bytes:
    """A 1x1 8-bit greyscale TIFF in byte order '<' (II) or '>' (MM)."""
    entries = [(256, 3, 1), (257, 3, 1), (258, 3, 8), (259, 3, 1), (262, 3, 1)]
    entries += [(273, 4, 0), (277, 3, 1), (278, 3, 1), (279, 4, 1)]
    ifd_size = 2 + 12 * len(entries) + 4
    data_offset = 8 + ifd_size
    out = (b"II" if order == "<" else b"MM") + struct.pack(order + "HI", 42, 8)
    out += struct.pack(order + "H", len(entries))
    for tag, kind, value in entries:
        value = data_offset if tag == 273 else value
        packed = struct.pack(order + "H", value) + b"\x00\x00" if kind == 3 else struct.pack(order + "I", value)
        out += struct.pack(order + "HHI", tag, kind, 1) + packed
    return out + struct.pack(order + "I", 0) + b"\x80"


def _pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _ofd() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "OFD.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>0</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        archive.writestr(
            "Doc_0/Document.xml",
            '<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData>'
            "<ofd:MaxUnitID>1</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
            '</ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
            "</ofd:Pages></ofd:Document>",
        )
        archive.writestr("Doc_0/Pages/Page_0/Content.xml", '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"/>')
    return buffer.getvalue()


def _docx() -> bytes:
    import docx  # python-docx

    document = docx.Document()
    document.add_paragraph("代办服务委托书")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def samples() -> dict[str, bytes]:
    """Real minimal files by name: pdf, jpeg, png, tiff_le, tiff_be, ofd, docx."""
    return {
        "pdf": _pdf(),
        "jpeg": _jpeg(),
        "png": _png(),
        "tiff_le": _tiff("<"),
        "tiff_be": _tiff(">"),
        "ofd": _ofd(),
        "docx": _docx(),
    }

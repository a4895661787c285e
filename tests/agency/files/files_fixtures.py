"""Helpers for the scan tests: sample files, raw multipart bodies, an app on either storage backend,
and a raw ASGI driver for what an HTTP client library cannot do (hang up mid-upload).

The S3 backend runs against moto's server in a subprocess (tests.storage.blob_helpers.MotoServer),
through the real minio SDK. When moto cannot start, S3 tests skip loudly; with
AGENCY_REQUIRE_SERVICES=1 they fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import struct
import uuid
import zipfile
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

import storage
from agency.app import create_app
from agency.db.engine import create_engine, create_sessionmaker
from agency.files.models import StoredFile
from tests.agency.approvals.flow import Dossier
from tests.conftest import make_settings
from tests.storage.blob_helpers import MotoServer, leftovers
from tests.support import Api

MiB = 1024 * 1024
LIMIT = MiB  # AGENCY_UPLOAD_LIMIT_MB=1: "one byte over" costs one megabyte, not a hundred
S3_ACCESS, S3_SECRET = "files-access", "files-secret"
REQUIRE_SERVICES = os.environ.get("AGENCY_REQUIRE_SERVICES") == "1"
STORAGE_KINDS = ["file", pytest.param("s3", marks=pytest.mark.integration)]


def moto_missing(error: BaseException) -> None:
    message = f"the S3 test server (moto_server) could not be started ({error})"
    if REQUIRE_SERVICES:
        pytest.fail(f"AGENCY_REQUIRE_SERVICES=1 but {message}")
    pytest.skip(f"SKIPPED INTEGRATION TEST: {message}; install moto[server] or set AGENCY_REQUIRE_SERVICES=1 to fail")


def start_moto(log: Path) -> MotoServer | BaseException:
    server = MotoServer(log)
    try:
        server.start()
    except Exception as error:
        return error
    return server


def running_moto(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[MotoServer | BaseException]:
    """Body of a moto fixture: the server (or why it could not start) for the fixture's scope."""
    server = start_moto(tmp_path_factory.mktemp(name) / "moto.log")
    yield server
    if isinstance(server, MotoServer):
        server.stop()


def moto_or_skip(server: MotoServer | BaseException) -> MotoServer:
    if isinstance(server, BaseException):
        moto_missing(server)
    assert isinstance(server, MotoServer)
    return server


def storage_url(kind: str, folder: Path, moto: MotoServer | None) -> str:
    if kind == "file":
        return f"file://{folder / 'storage'}"
    assert moto is not None
    bucket = f"files-{uuid.uuid4().hex[:16]}"
    return f"s3://{S3_ACCESS}:{S3_SECRET}@{moto.endpoint}/{bucket}?secure=false&region=us-east-1"


# -- sample files: real heads of every accepted type, and things that only pretend ---------------


def pdf(size: int | None = None, seed: str = "") -> bytes:
    """A PDF head and trailer; with ``size``, padded to exactly that many bytes (distinct per ``seed``)."""
    head = b"%PDF-1.7\n"
    tail = b"1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + seed.encode() + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    if size is None:
        return head + tail
    block = hashlib.sha256(seed.encode()).digest() * 2048  # 64 KiB
    filler = block * (max(0, size - len(head) - len(tail)) // len(block) + 1)
    return (head + filler[: max(0, size - len(head) - len(tail))] + tail)[:size]


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(
        b"IEND", b"")


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def tiff() -> bytes:
    return b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip({"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>",
                 "word/document.xml": "<w:document>代办服务委托书</w:document>"})


def ofd() -> bytes:
    return _zip({"OFD.xml": '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"/>',
                 "Doc_0/Document.xml": "<ofd:Document/>"})


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + os.urandom(200)


def windows_exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode"


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})


# -- multipart bodies, written by hand so the test controls every byte ---------------------------


def multipart(data: bytes, filename: str | None = "扫描件.pdf", *, field: str = "file",
              part_type: str = "application/pdf", before: dict[str, str] | None = None,
              boundary: str | None = None) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body with one file part (and optional text fields before it)."""
    boundary = boundary or f"----agency{uuid.uuid4().hex}"
    out = bytearray()
    for name, value in (before or {}).items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    disposition = f'form-data; name="{field}"'
    if filename is not None:
        # As browsers do (HTML spec): UTF-8, with quote and line breaks percent-encoded.
        quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        disposition += f'; filename="{quoted}"'
    out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {part_type}\r\n\r\n".encode()
    out += data
    out += f"\r\n--{boundary}--\r\n".encode()
    return bytes(out), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload_path(approval_id: int, material: str) -> str:
    return f"/api/approvals/{approval_id}/materials/{material}/files"


# -- an app on one storage backend --------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    approval_id: int
    rows: list[int]
    keys: set[str]
    everything: set[str]


@dataclass
class FilesApp:
    api: Api
    kind: str
    storage_url: str

    @property
    def client(self) -> AsyncTestClient[Any]:
        return self.api.client

    @property
    def store(self) -> storage.BlobStore:
        store: storage.BlobStore = self.client.app.state.blob_store
        return store

    async def upload(self, headers: dict[str, str], approval_id: int, material: str, data: bytes,
                     filename: str | None = "扫描件.pdf", **options: Any) -> Any:
        body, content_type = multipart(data, filename, **options)
        return await self.client.post(upload_path(approval_id, material), content=body,
                                      headers={**headers, **content_type})

    async def keys(self) -> set[str]:
        return {key async for key in self.store.iter_keys()}

    async def snapshot(self, approval_id: int) -> Snapshot:
        """The approval's rows and everything the backend holds: objects, and what iter_keys hides
        (temporary files and sidecars, S3 object versions and unfinished multipart uploads)."""
        return Snapshot(approval_id, [row.id for row in await self.rows(approval_id)], await self.keys(),
                        set(await leftovers(self.store)))

    async def expect_unchanged(self, before: Snapshot) -> None:
        after = await self.snapshot(before.approval_id)
        assert after.rows == before.rows, "a row was written for a refused upload"
        assert after.keys == before.keys, "an object was left behind"
        assert after.everything == before.everything, "a temporary file, version or unfinished upload was left"

    async def rows(self, approval_id: int) -> list[StoredFile]:
        async with self.api.sessions() as session:
            return list((await session.execute(select(StoredFile).where(
                StoredFile.approval_id == approval_id).order_by(StoredFile.id))).scalars())

    async def row(self, file_id: int) -> StoredFile:
        async with self.api.sessions() as session:
            return (await session.execute(select(StoredFile).where(StoredFile.id == file_id))).scalar_one()


@asynccontextmanager
async def files_app(database_url: str, folder: Path, kind: str, url: str | None = None,
                    moto: MotoServer | None = None, *, admin: bool = True,
                    **overrides: str) -> AsyncIterator[FilesApp]:
    """An app on ``database_url`` storing to ``url`` (or a fresh folder or bucket of ``kind``)."""
    url = url or storage_url(kind, folder, moto)
    settings = make_settings(database_url, folder, AGENCY_STORAGE_URL=url,
                             **{"AGENCY_UPLOAD_LIMIT_MB": "1", **overrides})
    engine = create_engine(database_url, pool_size=2)
    async with AsyncTestClient(app=create_app(settings), raise_server_exceptions=False) as client:
        api = Api(client, create_sessionmaker(engine), settings)
        if admin:
            await api.bootstrap_admin()
        try:
            yield FilesApp(api, kind, url)
        finally:
            await engine.dispose()


@dataclass
class Scene:
    """One app on one storage backend with a dossier, its clerk and the people around it."""

    app: FilesApp
    dossier: Dossier

    @property
    def clerk(self) -> dict[str, str]:
        return self.dossier.clerk


# -- a raw ASGI client: partial bodies, hang-ups, declared lengths -------------------------------


@dataclass
class AsgiResult:
    status: int
    body: bytes
    consumed: int  # body bytes the app pulled from the client before answering

    def json(self) -> Any:
        import json

        return json.loads(self.body)


Message = dict[str, Any] | Callable[[], Awaitable[dict[str, Any]]]


async def asgi_post(client: AsyncTestClient[Any], path: str, headers: dict[str, str],
                    messages: Iterator[Message]) -> AsgiResult:
    """POST through the ASGI interface with the client's side of the conversation scripted.

    A message may be a coroutine function: the client takes its time (awaited in the app's loop).
    When ``messages`` is exhausted the client is gone: every further receive() is a disconnect.
    The app runs where the test client runs it (its portal's event loop, which owns the database
    connections); this coroutine waits in a thread, so several calls can run at once.
    """
    sent: list[dict[str, Any]] = []
    consumed = 0

    async def receive() -> dict[str, Any]:
        nonlocal consumed
        message = next(messages, None)
        if message is None:
            return {"type": "http.disconnect"}
        if callable(message):
            message = await message()
        consumed += len(message.get("body", b""))
        return message

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "client": ("127.0.0.1", 50000), "server": ("testserver.local", 80),
        "headers": [(b"host", b"testserver.local")] + [(k.lower().encode(), v.encode("latin-1"))
                                                       for k, v in headers.items()],
        "extensions": {},
    }
    await asyncio.to_thread(client.blocking_portal.call, client.app, scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return AsgiResult(status, body, consumed)


def body_messages(body: bytes, *, chunk: int = 64 * 1024, stop_after: int | None = None) -> Iterator[dict[str, Any]]:
    """``body`` as http.request messages; with ``stop_after`` the client hangs up after that many bytes."""
    end = len(body) if stop_after is None else stop_after
    for at in range(0, end, chunk):
        piece = body[at: min(at + chunk, end)]
        yield {"type": "http.request", "body": piece, "more_body": stop_after is not None or at + chunk < end}

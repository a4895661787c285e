"""Helpers shared by the storage tests: upload streams, read-back and leftover checks."""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from storage import ACCEPTED_TYPES, BlobStore, FilesystemBlobStore, S3BlobStore

MiB = 1024 * 1024
KEY_FORM = re.compile(r"\d{4}/\d{2}/[0-9a-f]{32}")
accept_scans = ACCEPTED_TYPES.__contains__


class ClientGone(ConnectionResetError):
    """What an upload stream raises when the browser disconnects."""


def pdf(size: int, seed: int = 0) -> bytes:
    """``size`` bytes that sniff as PDF; the body is pseudo-random so parts differ."""
    head = b"%PDF-1.7\n"
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    body = (block * (size // len(block) + 1))[: max(0, size - len(head))]
    return (head + body)[:size]


async def stream(data: bytes, sizes: Iterable[int] = (65536,)) -> AsyncIterator[bytes]:
    """Yield ``data`` in chunks of the given sizes (cycled), like an upload arriving."""
    sizes = list(sizes)
    at = i = 0
    while at < len(data):
        step = sizes[i % len(sizes)]
        yield data[at : at + step]
        at += step
        i += 1
        await asyncio.sleep(0)


async def read_all(store: BlobStore, key: str) -> bytes:
    async with await store.open(key) as reader:
        return b"".join([chunk async for chunk in reader])


async def all_keys(store: BlobStore, prefix: str = "") -> list[str]:
    return [key async for key in store.iter_keys(prefix)]


async def leftovers(store: BlobStore, keep: Iterable[str] = ()) -> list[str]:
    """Everything the backend holds beyond ``keep``: hidden temporary files, sidecars,
    object versions and unfinished multipart uploads included, which iter_keys would hide."""
    kept = set(keep)
    if isinstance(store, FilesystemBlobStore):
        if not store.root.exists():
            return []
        kept |= {f"{k.rpartition('/')[0]}/.{k.rpartition('/')[2]}.meta.json" for k in kept}
        files = (str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
        return sorted(f for f in files if f not in kept)
    assert isinstance(store, S3BlobStore)

    def listing() -> list[str]:
        client = store.client
        if not client.bucket_exists(store.bucket):
            return []
        versions = client.list_objects(store.bucket, include_version=True, recursive=True)
        found = [f"{o.object_name} version {o.version_id}" for o in versions if o.object_name not in kept]
        uploads = client._list_multipart_uploads(store.bucket).uploads
        return found + [f"{u.object_name} unfinished upload" for u in uploads]

    return await asyncio.to_thread(listing)


# -- the S3 test server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """moto's S3 server as a child process on 127.0.0.1; stop() and start() keep the port."""

    def __init__(self, log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        # Werkzeug logs every request: a file, not a pipe nobody drains (that would block it).
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self._process.returncode}: {self._log_tail()}")
            try:
                with urllib.request.urlopen(f"http://{self.endpoint}/", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not answer within {timeout:.0f} s: {self._log_tail()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-800:]
        except OSError:
            return "(no log)"


def s3_store(server: MotoServer, **options: object) -> S3BlobStore:
    return S3BlobStore(
        endpoint=server.endpoint,
        access_key="test-access",
        secret_key="test/secret+key",
        bucket=f"agency-test-{uuid.uuid4().hex[:12]}",
        secure=False,
        **options,  # type: ignore[arg-type]
    )

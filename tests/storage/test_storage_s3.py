"""What only the S3 backend has: versions, presigned URLs, a server that can go away."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import socket
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from minio.error import S3Error

from storage import PDF, S3BlobStore, StorageError, StorageUnavailable
from tests.storage.blob_helpers import MiB, all_keys, leftovers, pdf, read_all, s3_store, stream


@pytest.mark.integration
async def test_s3_multipart_object_has_one_version_with_its_digest(running_moto) -> None:
    store = s3_store(running_moto)
    data = pdf(11 * MiB)
    stored = await store.put(stream(data, [MiB]), max_size=20 * MiB)
    versions = await asyncio.to_thread(
        lambda: list(store.client.list_objects(store.bucket, prefix=stored.key, include_version=True))
    )
    assert len(versions) == 1
    stat = await asyncio.to_thread(store.client.stat_object, store.bucket, stored.key)
    assert stat.metadata is not None
    assert stat.metadata["x-amz-meta-sha256"] == hashlib.sha256(data).hexdigest()
    assert stat.content_type == PDF
    await store.aclose()


@pytest.mark.integration
async def test_s3_presigned_url_downloads_the_bytes_with_a_utf8_file_name(running_moto) -> None:
    store = s3_store(running_moto)
    data = pdf(70_000)
    stored = await store.put(stream(data), max_size=MiB)
    url = await store.presign_get(stored.key, timedelta(minutes=5), "营业执照 (副本).pdf", PDF)
    assert url is not None
    assert url.startswith(f"http://{running_moto.endpoint}/{store.bucket}/{stored.key}?")

    def download() -> tuple[bytes, str, str]:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read(), response.headers["Content-Disposition"], response.headers["Content-Type"]

    body, disposition, content_type = await asyncio.to_thread(download)
    assert body == data
    assert content_type == PDF
    assert "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20%28%E5%89%AF%E6%9C%AC%29.pdf" in disposition
    assert disposition.startswith("attachment;")
    await store.aclose()


@pytest.mark.integration
async def test_s3_down_is_unavailable_within_seconds_and_recovers(private_moto) -> None:
    store = s3_store(private_moto)
    await store.check()
    before = await store.put(stream(pdf(1000)), max_size=MiB)

    private_moto.stop()
    loop = asyncio.get_running_loop()
    for attempt in (
        lambda: store.put(stream(pdf(1000)), max_size=MiB),
        lambda: store.put(stream(pdf(7 * MiB)), max_size=10 * MiB),
        lambda: store.stat(before.key),
        lambda: store.open(before.key),
        lambda: all_keys(store),
        store.check,
    ):
        started = loop.time()
        with pytest.raises(StorageUnavailable) as down:
            await attempt()
        assert loop.time() - started < 10
        assert private_moto.endpoint in str(down.value)

    private_moto.start()
    await store.check()
    after = await store.put(stream(pdf(2000)), max_size=MiB)
    assert await read_all(store, after.key) == pdf(2000)
    await store.aclose()


@pytest.mark.integration
@pytest.mark.parametrize("size", [1000, 7 * MiB], ids=["single-put", "multipart"])
async def test_s3_failure_after_the_server_stored_the_object_removes_it(running_moto, size: int) -> None:
    store = s3_store(running_moto)
    client = store.client
    real_put, real_copy = client.put_object, client.copy_object

    def put_then_lose_the_answer(*args, **kwargs):
        real_put(*args, **kwargs)
        raise ConnectionResetError("answer lost")

    def copy_fails(*args, **kwargs):
        raise ConnectionResetError("copy failed")

    if size < store.part_size:
        client.put_object = put_then_lose_the_answer  # type: ignore[method-assign]
    else:
        client.copy_object = copy_fails  # type: ignore[method-assign]
    with pytest.raises(StorageError):
        await store.put(stream(pdf(size), [MiB]), max_size=10 * MiB)
    client.put_object, client.copy_object = real_put, real_copy  # type: ignore[method-assign]
    assert await leftovers(store) == []
    await store.aclose()


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_s3_upload_of_100_mb_adds_less_than_32_mb_of_memory(running_moto, tmp_path) -> None:
    """The benchmark's measuring child, in a process of its own so the peak RSS is ours alone."""
    scan = tmp_path / "scan.pdf"
    block = random.Random(5).randbytes(MiB)
    with scan.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for _ in range(100):
            out.write(block)
    bench = ROOT / "tests" / "benchmarks" / "bench_storage.py"
    args = ["--child", "store", running_moto.endpoint, "agency-memory-check", str(scan), "1"]
    done = subprocess.run(
        [sys.executable, str(bench), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["rss_growth"] < 32 * MiB, f"{figures['rss_growth'] / MiB:.1f} MiB"


async def test_check_gives_up_quickly_on_a_server_that_accepts_and_hangs() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # connections complete in the backlog; nobody ever answers
        port = listener.getsockname()[1]
        store = S3BlobStore(
            endpoint=f"127.0.0.1:{port}",
            access_key="a",
            secret_key="b",
            bucket="hung-server",
            secure=False,
            connect_timeout=1.0,
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StorageUnavailable, match="no answer in time"):
            await store.check()
        assert loop.time() - started < 3
        await store.aclose()


async def test_nothing_listening_is_unavailable_at_once() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: connections are refused
    store = S3BlobStore(endpoint=f"127.0.0.1:{port}", access_key="a", secret_key="b", bucket="no-server", secure=False)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(StorageUnavailable, match="cannot connect") as down:
        await store.stat("2026/01/" + "0" * 32)
    assert loop.time() - started < 3
    assert str(down.value).startswith(f"object storage 127.0.0.1:{port} is unreachable")
    await store.aclose()


@pytest.mark.integration
async def test_a_bucket_created_on_first_use_gets_versioning(running_moto) -> None:
    store = s3_store(running_moto)
    await store.put(stream(pdf(100)), max_size=MiB)
    config = await asyncio.to_thread(store.client.get_bucket_versioning, store.bucket)
    assert config.status == "Enabled"
    await store.aclose()


@pytest.mark.integration
async def test_a_server_without_versioning_still_works(running_moto) -> None:
    store = s3_store(running_moto)

    def not_implemented(*args, **kwargs):
        raise S3Error(None, "NotImplemented", "versioning is not supported", None, None, None)  # type: ignore[arg-type]

    def copy_fails(*args, **kwargs):
        raise ConnectionResetError("copy failed")

    store.client.set_bucket_versioning = not_implemented  # type: ignore[method-assign]
    stored = await store.put(stream(pdf(6 * MiB)), max_size=10 * MiB)
    assert (await store.stat(stored.key)).sha256 == stored.sha256
    store.client.copy_object = copy_fails  # type: ignore[method-assign]
    with pytest.raises(StorageUnavailable):
        await store.put(stream(pdf(6 * MiB, seed=1)), max_size=10 * MiB)
    assert await leftovers(store, keep=[stored.key]) == []
    await store.aclose()

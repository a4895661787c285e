"""One behaviour suite, run against the filesystem backend and S3 (moto) alike."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from storage import (
    JPEG,
    PDF,
    PNG,
    BlobStore,
    EmptyBlob,
    FilesystemBlobStore,
    InvalidKey,
    ObjectNotFound,
    TooLarge,
    UnsupportedType,
    sha256_async,
)
from tests.storage.blob_helpers import (
    KEY_FORM,
    ClientGone,
    MiB,
    accept_scans,
    all_keys,
    leftovers,
    pdf,
    read_all,
    stream,
)


async def test_put_streams_and_reads_back_with_digest(blob_store: BlobStore) -> None:
    data = pdf(300_000)
    stored = await blob_store.put(stream(data, [1, 7, 4096, 100_000]), max_size=10 * MiB)

    assert KEY_FORM.fullmatch(stored.key)
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.content_type == PDF
    assert await read_all(blob_store, stored.key) == data
    info = await blob_store.stat(stored.key)
    assert (info.key, info.size, info.sha256, info.content_type) == (
        stored.key,
        len(data),
        stored.sha256,
        PDF,
    )
    reader = await blob_store.open(stored.key)
    assert reader.info.size == len(data)
    assert reader.info.sha256 == stored.sha256
    await reader.aclose()


@pytest.mark.parametrize("sizes", [[8 * MiB], [256 * 1024], [256 * 1024 + 1, 3]], ids=["8MiB", "piece", "odd"])
async def test_chunk_sizes_do_not_matter(blob_store: BlobStore, sizes: list[int]) -> None:
    data = pdf(13 * MiB + 5, seed=3)
    stored = await blob_store.put(stream(data, sizes), max_size=20 * MiB)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert await read_all(blob_store, stored.key) == data


async def test_bytearray_and_memoryview_chunks_are_copied_when_taken(blob_store: BlobStore) -> None:
    buffer = bytearray(b"%PDF-1.7\n" + b"a" * 100)

    async def reused_buffer() -> AsyncIterator[bytes]:
        yield buffer  # type: ignore[misc]
        buffer[:] = b"b" * len(buffer)  # the caller reuses its buffer for the next read
        yield memoryview(buffer)  # type: ignore[misc]

    stored = await blob_store.put(reused_buffer(), max_size=MiB)
    assert await read_all(blob_store, stored.key) == b"%PDF-1.7\n" + b"a" * 100 + b"b" * 109


async def test_a_20_mb_upload_goes_in_parts_and_keeps_its_digest(blob_store: BlobStore) -> None:
    data = pdf(20 * MiB + 12345, seed=2)
    stored = await blob_store.put(stream(data, [MiB // 3]), max_size=100 * MiB)

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    info = await blob_store.stat(stored.key)
    assert info.size == len(data)
    assert info.sha256 == stored.sha256
    assert await sha256_async(await blob_store.open(stored.key)) == (stored.sha256, len(data))
    assert await all_keys(blob_store) == [stored.key]


async def test_metadata_round_trips_including_chinese_text(blob_store: BlobStore, samples: dict[str, bytes]) -> None:
    stored = await blob_store.put(
        stream(samples["png"]),
        max_size=MiB,
        metadata={"original-name": "营业执照 副本%20.png", "uploaded-by": "clerk-7"},
    )
    info = await blob_store.stat(stored.key)
    assert info.content_type == PNG
    assert dict(info.metadata) == {"original-name": "营业执照 副本%20.png", "uploaded-by": "clerk-7"}


async def test_concurrent_uploads_get_distinct_keys(blob_store: BlobStore) -> None:
    payloads = [pdf(50_000 + n, seed=n) for n in range(6)]
    stored = await asyncio.gather(*(blob_store.put(stream(p), max_size=MiB) for p in payloads))

    assert len({s.key for s in stored}) == 6
    for blob, payload in zip(stored, payloads, strict=True):
        assert await read_all(blob_store, blob.key) == payload


async def test_reader_can_stop_early(blob_store: BlobStore) -> None:
    stored = await blob_store.put(stream(pdf(3 * MiB)), max_size=10 * MiB)
    reader = await blob_store.open(stored.key)
    first = await reader.__anext__()
    assert first.startswith(b"%PDF-")
    await reader.aclose()
    assert await blob_store.stat(stored.key)


@pytest.mark.parametrize("limit", [1000, 6 * MiB], ids=["small", "beyond-one-part"])
async def test_size_limit_is_inclusive_and_one_byte_more_is_refused(blob_store: BlobStore, limit: int) -> None:
    exact = await blob_store.put(stream(pdf(limit), [MiB]), max_size=limit)
    assert exact.size == limit

    with pytest.raises(TooLarge) as refused:
        await blob_store.put(stream(pdf(limit + 1, seed=1), [MiB]), max_size=limit)
    assert refused.value.limit == limit
    assert await all_keys(blob_store) == [exact.key]
    assert await leftovers(blob_store, keep=[exact.key]) == []


async def test_too_large_is_raised_before_the_rest_is_read(blob_store: BlobStore) -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b"%PDF-1.7\n"
        while True:
            pulled += 1
            yield b"x" * 1000

    with pytest.raises(TooLarge):
        await blob_store.put(endless(), max_size=10_000)
    assert pulled == 10
    assert await leftovers(blob_store) == []


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200, "ELF executable"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "Windows executable"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
        (b"%PD", "truncated PDF"),
        ("申请书\n".encode() * 50, "plain text"),
    ],
)
async def test_unaccepted_content_is_refused_by_content(blob_store: BlobStore, head: bytes, name: str) -> None:
    pulled = 0

    async def upload() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield head
        for _ in range(1000):
            pulled += 1
            yield b"\x00" * 65536

    with pytest.raises(UnsupportedType) as refused:
        await blob_store.put(upload(), max_size=100 * MiB, accept=accept_scans)
    assert refused.value.content_type is None
    # Refused on the head: the rest of the upload was never pulled, let alone stored.
    assert pulled <= 1, name
    assert await leftovers(blob_store) == []


async def test_accept_sees_the_sniffed_type_once(blob_store: BlobStore, samples: dict[str, bytes]) -> None:
    seen: list[str | None] = []

    def only_pdf(content_type: str | None) -> bool:
        seen.append(content_type)
        return content_type == PDF

    with pytest.raises(UnsupportedType) as refused:
        await blob_store.put(stream(samples["jpeg"], [3]), max_size=MiB, accept=only_pdf)
    assert refused.value.content_type == JPEG
    assert seen == [JPEG]
    stored = await blob_store.put(stream(samples["pdf"], [2]), max_size=MiB, accept=only_pdf)
    assert seen == [JPEG, PDF]
    assert await leftovers(blob_store, keep=[stored.key]) == []


async def test_no_accept_stores_anything_with_unknown_type(blob_store: BlobStore) -> None:
    stored = await blob_store.put(stream(b"plain text"), max_size=100)
    assert stored.content_type is None
    assert (await blob_store.stat(stored.key)).content_type is None


@pytest.mark.parametrize("chunks", [[], [b"", b""]], ids=["no-chunks", "empty-chunks"])
async def test_empty_upload_is_refused(blob_store: BlobStore, chunks: list[bytes]) -> None:
    async def upload() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    with pytest.raises(EmptyBlob):
        await blob_store.put(upload(), max_size=100)
    assert await leftovers(blob_store) == []


@pytest.mark.parametrize("sent", [100_000, 12 * MiB], ids=["within-a-part", "mid-multipart"])
async def test_client_disconnect_midway_leaves_nothing(blob_store: BlobStore, sent: int) -> None:
    async def upload() -> AsyncIterator[bytes]:
        async for chunk in stream(pdf(sent), [MiB // 2]):
            yield chunk
        raise ClientGone("browser went away")

    with pytest.raises(ClientGone):
        await blob_store.put(upload(), max_size=100 * MiB)
    assert await leftovers(blob_store) == []


@pytest.mark.parametrize("sent", [100_000, 7 * MiB], ids=["within-a-part", "mid-multipart"])
async def test_cancelled_upload_leaves_nothing(blob_store: BlobStore, sent: int) -> None:
    reached = asyncio.Event()

    async def upload() -> AsyncIterator[bytes]:
        async for chunk in stream(pdf(sent), [MiB // 2]):
            yield chunk
        reached.set()
        await asyncio.Event().wait()  # the client stalls: the request gets cancelled
        yield b"never"

    task = asyncio.create_task(blob_store.put(upload(), max_size=100 * MiB))
    await asyncio.wait_for(reached.wait(), 30)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await leftovers(blob_store) == []


@pytest.mark.parametrize(
    "key",
    ["../outside", "/etc/passwd", "2024/01/../../../outside", "a\\..\\b", "a\x00b", "", "./a", ".hidden", "a//b", "a/"],
)
async def test_keys_that_could_escape_are_rejected(blob_store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        await blob_store.open(key)
    with pytest.raises(InvalidKey):
        await blob_store.stat(key)
    with pytest.raises(InvalidKey):
        await blob_store.delete(key)


async def test_missing_objects_are_not_found_before_any_byte(blob_store: BlobStore) -> None:
    await blob_store.check()
    with pytest.raises(ObjectNotFound):
        await blob_store.open("2024/01/" + "0" * 32)
    with pytest.raises(ObjectNotFound):
        await blob_store.stat("2024/01/" + "0" * 32)


async def test_delete_is_idempotent(blob_store: BlobStore) -> None:
    stored = await blob_store.put(stream(pdf(1000)), max_size=MiB)
    await blob_store.delete(stored.key)
    await blob_store.delete(stored.key)
    await blob_store.delete("2020/01/" + "f" * 32)
    with pytest.raises(ObjectNotFound):
        await blob_store.stat(stored.key)
    # On a versioned bucket the bytes stay as a non-current version (see storage.s3): not a key.
    assert await all_keys(blob_store) == []


async def test_iter_keys_lists_by_string_prefix(blob_store: BlobStore) -> None:
    stored = [await blob_store.put(stream(pdf(100, seed=n)), max_size=MiB) for n in range(3)]
    keys = sorted(s.key for s in stored)

    assert sorted(await all_keys(blob_store)) == keys
    month = keys[0][:8]
    assert sorted(await all_keys(blob_store, month)) == keys
    assert sorted(await all_keys(blob_store, month[:6])) == keys
    assert await all_keys(blob_store, keys[1]) == [keys[1]]
    assert await all_keys(blob_store, "1999/") == []
    with pytest.raises(InvalidKey):
        await all_keys(blob_store, "../")


async def test_check_passes_on_a_working_store(blob_store: BlobStore) -> None:
    await blob_store.check()


async def test_presign_is_capped_and_only_on_s3(blob_store: BlobStore) -> None:
    url = await blob_store.presign_get("2024/01/" + "a" * 32, timedelta(hours=2), "x.pdf", PDF)
    if isinstance(blob_store, FilesystemBlobStore):
        assert url is None
    else:
        assert url is not None
        assert "X-Amz-Expires=600" in url
    with pytest.raises(ValueError):
        await blob_store.presign_get("2024/01/" + "a" * 32, timedelta(0))


async def test_storage_does_not_import_the_service() -> None:
    code = (
        "import sys, storage, storage.url, storage.s3, storage.filesystem;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'agency', 'litestar', 'sqlalchemy'});"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()

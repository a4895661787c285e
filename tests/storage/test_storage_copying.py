"""put_at, for restoring a backup: an object under the caller's key, its bytes proven by their sha256.

Run against the filesystem backend and S3 (moto) alike, including an object larger than one S3 part.
"""

from __future__ import annotations

import hashlib

import pytest

from storage import PDF, BlobStore, DigestMismatch, InvalidKey, ObjectExists, put_at
from tests.storage.blob_helpers import MiB, leftovers, pdf, read_all, stream


@pytest.mark.parametrize("size", [70_000, 6 * MiB], ids=["one-put", "multipart"])
async def test_put_at_keeps_key_type_metadata_and_digest(blob_store: BlobStore, size: int) -> None:
    data = pdf(size)
    sha256 = hashlib.sha256(data).hexdigest()
    stored = await put_at(blob_store, "2025/03/0123456789abcdef0123456789abcdef", stream(data, [1, 4096, 1 * MiB]),
                          sha256=sha256, content_type=PDF, metadata={"uploaded-at": "2025-03-01T08:00:00+00:00"})

    assert (stored.key, stored.size, stored.sha256, stored.content_type) == (
        "2025/03/0123456789abcdef0123456789abcdef", size, sha256, PDF)
    assert await read_all(blob_store, stored.key) == data
    info = await blob_store.stat(stored.key)
    assert (info.size, info.sha256, info.content_type) == (size, sha256, PDF)
    assert dict(info.metadata) == {"uploaded-at": "2025-03-01T08:00:00+00:00"}
    assert await leftovers(blob_store, [stored.key]) == []


async def test_put_at_never_replaces_an_object(blob_store: BlobStore) -> None:
    first = await blob_store.put(stream(pdf(5_000, seed=1)), max_size=MiB)
    other = pdf(5_000, seed=2)
    with pytest.raises(ObjectExists):
        await put_at(blob_store, first.key, stream(other), sha256=hashlib.sha256(other).hexdigest())
    assert await read_all(blob_store, first.key) == pdf(5_000, seed=1)


@pytest.mark.parametrize("size", [70_000, 6 * MiB], ids=["one-put", "multipart"])
async def test_bytes_that_do_not_match_the_digest_leave_nothing(blob_store: BlobStore, size: int) -> None:
    data = pdf(size)
    expected = hashlib.sha256(data[:-1] + b"X").hexdigest()
    with pytest.raises(DigestMismatch) as caught:
        await put_at(blob_store, "2025/03/fedcba9876543210fedcba9876543210", stream(data), sha256=expected)
    assert caught.value.actual == hashlib.sha256(data).hexdigest()
    assert await leftovers(blob_store) == []


async def test_put_at_refuses_a_key_the_library_would_not_make(blob_store: BlobStore) -> None:
    with pytest.raises(InvalidKey):
        await put_at(blob_store, "../outside", stream(b"%PDF-1.7\n"), sha256="0" * 64)

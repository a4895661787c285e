"""What only the filesystem backend has: a root to stay inside, temporary files, a disk."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator

import pytest

import storage.filesystem
from storage import FilesystemBlobStore, InvalidKey, StorageUnavailable
from tests.storage.blob_helpers import ClientGone, MiB, leftovers, pdf, stream


async def test_filesystem_traversal_cannot_touch_files_outside_the_root(tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.write_bytes(b"secret")
    store = FilesystemBlobStore(tmp_path / "blobs")
    for key in ("../outside", "x/../../outside", str(outside)):
        with pytest.raises(InvalidKey):
            await store.delete(key)
        with pytest.raises(InvalidKey):
            await store.open(key)
    assert outside.read_bytes() == b"secret"
    await store.aclose()


async def test_filesystem_check_fails_when_the_folder_is_unusable(tmp_path) -> None:
    (tmp_path / "file").write_bytes(b"")
    store = FilesystemBlobStore(tmp_path / "file" / "blobs")
    with pytest.raises(StorageUnavailable):
        await store.check()
    await store.aclose()


async def test_filesystem_keeps_no_temporary_files(tmp_path) -> None:
    store = FilesystemBlobStore(tmp_path)
    stored = await store.put(stream(pdf(5000)), max_size=MiB)
    with pytest.raises(ClientGone):

        async def broken() -> AsyncIterator[bytes]:
            yield pdf(400_000)
            raise ClientGone

        await store.put(broken(), max_size=MiB)
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    name = stored.key.rsplit("/", 1)[1]
    assert files == sorted([stored.key, f"{stored.key[:8]}.{name}.meta.json"])
    await store.aclose()


async def test_filesystem_failure_after_the_rename_removes_the_object(tmp_path, monkeypatch) -> None:
    def broken_disk(path) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(storage.filesystem, "_fsync_dir", broken_disk)
    store = FilesystemBlobStore(tmp_path / "blobs")
    with pytest.raises(StorageUnavailable):
        await store.put(stream(pdf(5000)), max_size=MiB)
    assert await leftovers(store) == []
    await store.aclose()


async def test_files_copied_in_by_hand_are_not_listed_as_keys(tmp_path) -> None:
    store = FilesystemBlobStore(tmp_path)
    stored = await store.put(stream(pdf(100)), max_size=MiB)
    (tmp_path / "2020").mkdir()
    (tmp_path / "2020" / "notes from the clerk.txt").write_text("hi")
    (tmp_path / ".trash").mkdir()
    (tmp_path / ".trash" / "old").write_text("x")
    assert [key async for key in store.iter_keys()] == [stored.key]
    await store.aclose()

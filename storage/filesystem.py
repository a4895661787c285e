"""A blob store in a local directory: the embedded default, and the tests' reference backend.

Layout: ``<root>/<key>`` holds the bytes, ``<dir>/.<name>.meta.json`` beside it holds the
sha256, type and metadata. An object is written to a hidden temporary file in its final
folder, fsynced, and renamed into place, so a reader or a crash never sees half a file.
Hidden names (leading ``.``) are never valid keys, so temporary files and sidecars can
never be addressed or listed as objects.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import Future
from itertools import islice
from pathlib import Path
from typing import BinaryIO, ParamSpec, TypeVar

from storage._threads import ThreadRunner, wait_thread
from storage.base import (
    BlobInfo,
    BlobReader,
    BlobStore,
    Sink,
    validate_key,
    validate_prefix,
)
from storage.errors import (
    InvalidKey,
    ObjectNotFound,
    StorageConfigError,
    StorageError,
    StorageUnavailable,
)

__all__ = ["FilesystemBlobStore"]

P = ParamSpec("P")
T = TypeVar("T")

READ_CHUNK = 256 * 1024
_LIST_BATCH = 500
# Errors that say the disk or mount is unusable, not that this one object is wrong.
_UNAVAILABLE_ERRNOS = frozenset(
    {
        errno.EIO,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EROFS,
        errno.ENODEV,
        errno.ENXIO,
        errno.ESTALE,
        errno.ENOTCONN,
        errno.EACCES,
        errno.EPERM,
    }
)


def _translate(exc: OSError, doing: str) -> StorageError:
    message = f"filesystem storage: {doing}: {exc.strerror or exc}"
    if exc.errno in _UNAVAILABLE_ERRNOS:
        return StorageUnavailable(message)
    return StorageError(message)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_key(key: str) -> bool:
    # Files someone copied in by hand may have names no key can have: they are not objects.
    try:
        validate_key(key)
    except InvalidKey:
        return False
    return True


def _sidecar(path: Path) -> Path:
    return path.with_name(f".{path.name}.meta.json")


class FilesystemBlobStore(BlobStore):
    def __init__(self, root: Path | str, *, max_threads: int = 8) -> None:
        super().__init__()
        root = Path(root)
        if not root.is_absolute():
            raise StorageConfigError(f"filesystem storage root must be an absolute path, got {str(root)!r}")
        self.root = Path(os.path.normpath(root))
        self._threads = ThreadRunner(max_threads, "storage-fs")

    def __repr__(self) -> str:
        return f"FilesystemBlobStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        validate_key(key)
        path = self.root.joinpath(*key.split("/"))
        # Belt and braces: validate_key already rules out every way out of the root.
        if os.path.commonpath([self.root, os.path.normpath(path)]) != str(self.root):
            raise InvalidKey(key, "escapes the storage root")
        return path

    async def _run(self, doing: str, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await self._threads.run(fn, *args, **kwargs)
        except OSError as exc:
            raise _translate(exc, doing) from exc

    # -- writing ------------------------------------------------------------------------

    async def _open_sink(self, key: str, content_type: str | None, metadata: Mapping[str, str]) -> Sink:
        sink = _FileSink(self._threads, self._path(key), content_type, metadata)
        await self._run("creating a file", sink.open_sync)
        return sink

    # -- reading ------------------------------------------------------------------------

    def _stat_sync(self, key: str, path: Path) -> BlobInfo:
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not path.is_file():
            raise ObjectNotFound(key)
        sha256: str | None = None
        content_type: str | None = None
        metadata: dict[str, str] = {}
        try:
            side = json.loads(_sidecar(path).read_text("utf-8"))
        except (OSError, ValueError):
            side = {}
        if isinstance(side, dict):
            sha256 = side.get("sha256") if isinstance(side.get("sha256"), str) else None
            content_type = side.get("content_type") if isinstance(side.get("content_type"), str) else None
            if isinstance(side.get("metadata"), dict):
                metadata = {str(k): str(v) for k, v in side["metadata"].items()}
        return BlobInfo(key, st.st_size, sha256, content_type, metadata)

    async def stat(self, key: str) -> BlobInfo:
        path = self._path(key)
        return await self._run("reading metadata", self._stat_sync, key, path)

    def _open_sync(self, key: str, path: Path) -> tuple[BlobInfo, BinaryIO]:
        try:
            file = path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        try:
            return self._stat_sync(key, path), file
        except BaseException:
            file.close()
            raise

    async def open(self, key: str) -> BlobReader:
        path = self._path(key)
        info, file = await self._run("opening a file", self._open_sync, key, path)

        async def chunks() -> AsyncGenerator[bytes, None]:
            try:
                while data := await self._run("reading a file", file.read, READ_CHUNK):
                    yield data
            finally:
                # Closing a regular file does not block; this also runs at garbage collection.
                file.close()

        return BlobReader(info, chunks())

    # -- the rest -----------------------------------------------------------------------

    @staticmethod
    def _delete_sync(path: Path) -> None:
        path.unlink(missing_ok=True)
        _sidecar(path).unlink(missing_ok=True)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await self._run("deleting a file", self._delete_sync, path)

    def _walk(self, prefix: str) -> Iterator[str]:
        folder, _, _ = prefix.rpartition("/")
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = os.path.relpath(dirpath, self.root)
            base = "" if rel == "." else rel.replace(os.sep, "/") + "/"
            for name in sorted(filenames):
                key = base + name
                if key.startswith(prefix) and _is_key(key):
                    yield key

    async def iter_keys(self, prefix: str = "") -> AsyncIterator[str]:
        walker = self._walk(validate_prefix(prefix))
        while batch := await self._run("listing files", lambda: list(islice(walker, _LIST_BATCH))):
            for key in batch:
                yield key

    def _check_sync(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / f".probe-{uuid.uuid4().hex}"
        try:
            with probe.open("xb") as file:
                file.write(b"ok")
                os.fsync(file.fileno())
        finally:
            probe.unlink(missing_ok=True)

    async def check(self) -> None:
        try:
            await self._threads.run(self._check_sync)
        except OSError as exc:
            raise StorageUnavailable(f"filesystem storage {self.root} is not writable: {exc.strerror or exc}") from exc

    async def aclose(self) -> None:
        await super().aclose()
        await self._threads.shutdown()


class _FileSink(Sink):
    def __init__(
        self, threads: ThreadRunner, path: Path, content_type: str | None, metadata: Mapping[str, str]
    ) -> None:
        self._threads = threads
        self._path = path
        self._content_type = content_type
        self._metadata = dict(metadata)
        tag = uuid.uuid4().hex[:12]
        self._tmp = path.with_name(f".{path.name}.{tag}.part")
        self._tmp_sidecar = path.with_name(f".{path.name}.{tag}.meta.part")
        self._file: BinaryIO | None = None
        self._published = False
        self._last: Future[object] | None = None

    def open_sync(self) -> None:
        folder = self._path.parent
        missing = [d for d in (folder, *folder.parents) if not d.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        # A new folder is durable only once the folder holding it is synced too.
        for created in reversed(missing):
            _fsync_dir(created.parent)
        self._file = self._tmp.open("xb")

    async def _step(self, doing: str, fn: Callable[[], object]) -> None:
        # Remember the thread: abort must wait for it before deleting what it writes.
        self._last = self._threads.submit(fn)
        try:
            await asyncio.wrap_future(self._last)
        except OSError as exc:
            raise _translate(exc, doing) from exc

    async def write(self, data: bytes) -> None:
        file = self._file
        assert file is not None
        await self._step("writing a file", lambda: file.write(data))

    def _commit_sync(self, sha256: str, size: int) -> None:
        file = self._file
        assert file is not None
        file.flush()
        os.fsync(file.fileno())
        file.close()
        side = {
            "sha256": sha256,
            "size": size,
            "content_type": self._content_type,
            "metadata": self._metadata,
        }
        with self._tmp_sidecar.open("x", encoding="utf-8") as out:
            json.dump(side, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        # Sidecar first: a visible object always has its digest beside it.
        os.replace(self._tmp_sidecar, _sidecar(self._path))
        self._published = True
        os.replace(self._tmp, self._path)
        _fsync_dir(self._path.parent)

    async def commit(self, sha256: str, size: int) -> None:
        await self._step("saving a file", lambda: self._commit_sync(sha256, size))

    def _abort_sync(self) -> None:
        if self._file is not None:
            self._file.close()
        self._tmp.unlink(missing_ok=True)
        self._tmp_sidecar.unlink(missing_ok=True)
        if self._published:
            self._path.unlink(missing_ok=True)
            _sidecar(self._path).unlink(missing_ok=True)

    async def abort(self) -> None:
        await wait_thread(self._last)
        await self._threads.run(self._abort_sync)

"""Writing one object to S3: a single PUT up to one part, a streamed multipart upload beyond.

Kept apart from :mod:`storage.s3` only for size; it is that module's friend and uses the
store's pools and error translation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING
from urllib.parse import quote

from minio.commonconfig import REPLACE, CopySource
from minio.helpers import DictType, ObjectWriteResult

from storage._pipe import BytePipe, PipeReaderGone
from storage._threads import wait_thread
from storage.base import Sink
from storage.errors import StorageError

if TYPE_CHECKING:
    from storage.s3 import S3BlobStore

log = logging.getLogger(__name__)

OCTET = "application/octet-stream"
#: Bytes in transit between the event loop and the uploading thread.
PIPE_CAPACITY = 1024 * 1024


class S3Sink(Sink):
    def __init__(self, store: S3BlobStore, key: str, content_type: str | None, metadata: Mapping[str, str]) -> None:
        self._store = store
        self._key = key
        self._content_type = content_type or OCTET
        # Header values must be ASCII; percent-encoding keeps any text round-tripping.
        self._metadata: DictType = {name: quote(value, safe="") for name, value in metadata.items()}
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._pipe: BytePipe | None = None
        self._upload: Future[ObjectWriteResult] | None = None
        self._last: Future[object] | None = None
        self._may_exist = False

    async def write(self, data: bytes) -> None:
        if self._pipe is not None:
            await self._feed(data)
            return
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered > self._store.part_size:
            await self._start_stream()

    async def _start_stream(self) -> None:
        store = self._store
        pipe = self._pipe = BytePipe(capacity=PIPE_CAPACITY)
        self._upload = store._upload_threads.submit(
            store.client.put_object,
            store.bucket,
            self._key,
            pipe,  # type: ignore[arg-type]  # only read() is used
            length=-1,
            part_size=store.part_size,
            content_type=self._content_type,
            metadata=dict(self._metadata),
            num_parallel_uploads=store.parallel_parts,
        )
        self._upload.add_done_callback(lambda _: pipe.reader_gone())
        while self._buffer:
            piece = self._buffer.pop(0)
            self._buffered -= len(piece)
            await self._feed(piece)

    async def _feed(self, data: bytes) -> None:
        assert self._pipe is not None
        try:
            await self._pipe.write(data)
        except PipeReaderGone:
            await self._result()
            raise StorageError("the upload stopped before all data was sent") from None

    async def _result(self) -> ObjectWriteResult:
        assert self._upload is not None
        try:
            return await asyncio.wrap_future(self._upload)
        except Exception as exc:
            raise self._store.translate(exc, "uploading", self._key) from exc

    async def commit(self, sha256: str, size: int) -> None:
        store = self._store
        headers: DictType = {**self._metadata, "sha256": sha256, "Content-Type": self._content_type}
        self._may_exist = True
        if self._pipe is None:
            data = b"".join(self._buffer)
            self._buffer.clear()
            self._last = store._threads.submit(
                store.client.put_object,
                store.bucket,
                self._key,
                OneShot(data),  # type: ignore[arg-type]  # only read() is used
                len(data),
                content_type=self._content_type,
                metadata={name: value for name, value in headers.items() if name != "Content-Type"},
            )
            del data
            try:
                await asyncio.wrap_future(self._last)
            except Exception as exc:
                raise store.translate(exc, "uploading", self._key) from exc
            return
        self._pipe.close()
        first = await self._result()
        copy = await store._call(
            "recording the digest",
            self._key,
            store.client.copy_object,
            store.bucket,
            self._key,
            CopySource(store.bucket, self._key),
            metadata=headers,
            metadata_directive=REPLACE,
        )
        if first.version_id and copy.version_id and first.version_id != copy.version_id:
            await store._call(
                "removing the version without digest",
                self._key,
                store.client.remove_object,
                store.bucket,
                self._key,
                version_id=first.version_id,
            )

    async def abort(self) -> None:
        if self._pipe is not None:
            self._pipe.abort("upload abandoned")
        await wait_thread(self._upload)
        await wait_thread(self._last)
        if not self._may_exist:
            return
        try:
            await self._store._call("removing a failed upload", self._key, self._store.purge_sync, self._key)
        except StorageError as exc:
            log.warning("could not remove failed upload %s: %s", self._key, exc)


class OneShot:
    """A read()-able view of bytes that hands them over without the copy BytesIO makes."""

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data

    def read(self, size: int = -1) -> bytes:
        data, self._data = self._data or b"", None
        if 0 <= size < len(data):
            self._data = data[size:]
            return data[:size]
        return data

"""The ``BlobStore`` interface and the upload pipeline both backends share."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import unicodedata
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType, TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

from storage.errors import EmptyBlob, InvalidKey, TooLarge, UnsupportedType
from storage.sniff import SNIFF_BYTES, sniff, sniff_complete

__all__ = [
    "MAX_PRESIGN_EXPIRY",
    "BlobInfo",
    "BlobReader",
    "BlobStore",
    "StoredBlob",
    "content_disposition",
    "new_key",
    "validate_key",
]

log = logging.getLogger(__name__)

#: A presigned URL is a bearer token for a scan: it must not outlive a page view by much.
MAX_PRESIGN_EXPIRY = timedelta(minutes=10)

#: Size of the pieces handed to the backend, whatever sizes the caller's chunks have: big
#: enough that a thread hop per piece costs nothing, small enough to keep memory flat.
WRITE_CHUNK = 256 * 1024

_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
_PREFIX = re.compile(r"[A-Za-z0-9._/-]*")
_META_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_MAX_KEY = 512
EMPTY_METADATA: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """What :meth:`BlobStore.put` stored: the caller writes these into its database row."""

    key: str
    size: int
    sha256: str
    content_type: str | None


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    size: int
    #: ``None`` when the object was not written by this library (no recorded digest).
    sha256: str | None
    content_type: str | None
    metadata: Mapping[str, str] = field(default_factory=lambda: EMPTY_METADATA)


def new_key(now: datetime | None = None) -> str:
    """A fresh key, ``yyyy/mm/<uuid4 hex>``: never derived from anything a user sent."""
    now = now or datetime.now(UTC)
    return f"{now:%Y/%m}/{uuid.uuid4().hex}"


def validate_key(key: str) -> str:
    """Refuse any key this library would not generate, before it reaches a path or URL.

    Every segment starts with a letter, digit, ``_`` or ``-``: that excludes ``.``, ``..`` and
    hidden names (which the filesystem backend uses for its temporary and sidecar files).
    """
    if not isinstance(key, str) or not key:
        raise InvalidKey(str(key), "empty")
    if len(key) > _MAX_KEY:
        raise InvalidKey(key[:40] + "...", f"longer than {_MAX_KEY} characters")
    if "\x00" in key or "\\" in key:
        raise InvalidKey(key, "contains NUL or a backslash")
    if key.startswith("/"):
        raise InvalidKey(key, "absolute")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKey(key, "empty, '.' or '..' path segment")
        if not _SEGMENT.fullmatch(segment):
            raise InvalidKey(key, f"segment {segment!r} has characters outside [A-Za-z0-9._-]")
    return key


def validate_prefix(prefix: str) -> str:
    if not _PREFIX.fullmatch(prefix) or prefix.startswith("/") or ".." in prefix.split("/"):
        raise InvalidKey(prefix, "not a valid key prefix")
    return prefix


def validate_metadata(metadata: Mapping[str, str] | None) -> Mapping[str, str]:
    """User metadata: lower-case token keys (HTTP header names on S3), any string values."""
    if not metadata:
        return EMPTY_METADATA
    for name, value in metadata.items():
        if not _META_KEY.fullmatch(name) or name == "sha256":
            raise ValueError(f"metadata key {name!r} must match [a-z0-9-]+ and not be 'sha256'")
        if not isinstance(value, str):
            raise TypeError(f"metadata value of {name!r} must be str")
    return MappingProxyType(dict(metadata))


def content_disposition(filename: str | None, disposition: Literal["attachment", "inline"] = "attachment") -> str:
    """A Content-Disposition value with an ASCII fallback and an RFC 5987 UTF-8 ``filename*``.

    Path separators and control characters are dropped so a stored user file name can never
    inject a header or a directory into the browser's save dialog.
    """
    if not filename:
        return disposition
    # Spaces other than U+0020 (U+3000, the ideographic space of Chinese names) are not "printable"
    # to Python, but they are part of the name.
    clean = "".join(
        ch for ch in filename if (ch.isprintable() or unicodedata.category(ch) == "Zs") and ch not in "/\\"
    )
    clean = clean.strip() or "download"
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"%;' else "_" for ch in clean)
    encoded = quote(clean, safe="!#$&+-.^_`|~")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def cap_expiry(expires: timedelta) -> timedelta:
    if expires <= timedelta(0):
        raise ValueError("expires must be positive")
    return min(expires, MAX_PRESIGN_EXPIRY)


class BlobReader(AsyncIterator[bytes]):
    """The chunks of one stored object, with its :class:`BlobInfo`.

    Opening already reached the backend, so a missing object raised before any byte was
    sent. Close it (``aclose`` or ``async with``) when not reading to the end, to release the
    connection or file at once rather than at garbage collection.
    """

    def __init__(self, info: BlobInfo, chunks: AsyncGenerator[bytes, None]) -> None:
        self.info = info
        self._chunks = chunks

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        return await self._chunks.__anext__()

    async def aclose(self) -> None:
        await self._chunks.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class _Pieces:
    """Cuts chunks of any size into ``WRITE_CHUNK`` pieces, copying at most one piece.

    A caller may hand over its upload in 8 MiB chunks; appending those to a buffer would
    hold a second copy of each, so pieces are sliced straight out of the chunk.
    """

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        at = 0
        if self._pending:
            at = WRITE_CHUNK - len(self._pending)
            self._pending += chunk[:at]
            if len(self._pending) < WRITE_CHUNK:
                return
            yield bytes(self._pending)
            self._pending.clear()
        while len(chunk) - at >= WRITE_CHUNK:
            yield chunk[at : at + WRITE_CHUNK]
            at += WRITE_CHUNK
        self._pending += chunk[at:]

    def flush(self) -> bytes:
        last = bytes(self._pending)
        self._pending.clear()
        return last


class Sink(ABC):
    """One object being written: backends implement it, :meth:`BlobStore.put` drives it."""

    @abstractmethod
    async def write(self, data: bytes) -> None: ...

    @abstractmethod
    async def commit(self, sha256: str, size: int) -> None:
        """Make the object visible under its key, with its digest recorded."""

    @abstractmethod
    async def abort(self) -> None:
        """Remove everything written so far. Must not raise; runs even after cancellation."""


class BlobStore(ABC):
    """Immutable blobs under generated keys. All methods are safe to call from one event loop.

    Errors: :class:`~storage.errors.StorageUnavailable` when the backend is down,
    :class:`~storage.errors.ObjectNotFound`, :class:`~storage.errors.InvalidKey`, and
    :class:`~storage.errors.StorageError` for the rest.
    """

    def __init__(self) -> None:
        # Cleanups that must finish even when the put that started them was cancelled.
        self._cleanups: set[asyncio.Task[None]] = set()

    async def put(
        self,
        chunks: AsyncIterable[bytes],
        *,
        max_size: int,
        accept: Callable[[str | None], bool] | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> StoredBlob:
        """Stream ``chunks`` into a new object and return its key, size, sha256 and type.

        The type is sniffed from the content; ``accept(type)`` is asked as soon as the head
        is known and nothing is stored before it says yes (``None`` accepts anything).
        Raises :class:`TooLarge` as soon as more than ``max_size`` bytes arrived,
        :class:`UnsupportedType`, :class:`EmptyBlob`. On any failure, including an exception
        from ``chunks`` (client gone) and cancellation, nothing is left in the store.
        """
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        meta = validate_metadata(metadata)
        key = new_key()
        digest = hashlib.sha256()
        pieces = _Pieces()
        size = 0
        head = bytearray()
        held: list[bytes] = []
        content_type: str | None = None
        sink: Sink | None = None

        async def write(chunk: bytes) -> None:
            assert sink is not None
            for piece in pieces.feed(chunk):
                digest.update(piece)
                await sink.write(piece)

        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                if not isinstance(chunk, bytes):
                    chunk = bytes(chunk)  # a bytearray or memoryview the caller may reuse
                size += len(chunk)
                if size > max_size:
                    raise TooLarge(max_size)
                if sink is not None:
                    await write(chunk)
                    continue
                # Hold the chunks themselves, not a copy, until the type is known.
                held.append(chunk)
                head += chunk[: SNIFF_BYTES - len(head)]
                if sniff_complete(head):
                    content_type = self._admit(head, accept)
                    sink = await self._open_sink(key, content_type, meta)
                    while held:
                        await write(held.pop(0))
            if size == 0:
                raise EmptyBlob
            if sink is None:
                content_type = self._admit(head, accept)
                sink = await self._open_sink(key, content_type, meta)
                while held:
                    await write(held.pop(0))
            if last := pieces.flush():
                digest.update(last)
                await sink.write(last)
            sha256 = digest.hexdigest()
            await sink.commit(sha256, size)
        except BaseException:
            if sink is not None:
                await self._cleanup(sink.abort())
            raise
        return StoredBlob(key=key, size=size, sha256=sha256, content_type=content_type)

    @staticmethod
    def _admit(head: bytes | bytearray, accept: Callable[[str | None], bool] | None) -> str | None:
        content_type = sniff(bytes(head))
        if accept is not None and not accept(content_type):
            raise UnsupportedType(content_type)
        return content_type

    async def _cleanup(self, work: Coroutine[Any, Any, None]) -> None:
        """Run an abort in its own task so a second cancellation cannot cut it short."""
        task = asyncio.ensure_future(work)
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("storage cleanup failed")

    async def _drain_cleanups(self) -> None:
        if self._cleanups:
            await asyncio.wait(set(self._cleanups))

    @abstractmethod
    async def _open_sink(self, key: str, content_type: str | None, metadata: Mapping[str, str]) -> Sink:
        """Start writing ``key``; called only once the content was accepted."""

    @abstractmethod
    async def open(self, key: str) -> BlobReader:
        """Start reading ``key``; :class:`ObjectNotFound` is raised here, before any byte."""

    @abstractmethod
    async def stat(self, key: str) -> BlobInfo: ...

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""

    async def discard(self, key: str) -> None:
        """Remove an object that no caller ever referred to (say, its database row could not be
        written), leaving nothing behind: unlike :meth:`delete`, not even a version an operator
        could restore. Removing a missing key is not an error."""
        await self.delete(key)

    @abstractmethod
    def iter_keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every key starting with ``prefix`` (a string prefix, not a folder)."""

    async def presign_get(
        self,
        key: str,
        expires: timedelta,
        filename: str | None = None,
        content_type: str | None = None,
        *,
        disposition: Literal["attachment", "inline"] = "attachment",
    ) -> str | None:
        """A URL that downloads ``key`` without us, valid at most 10 minutes; ``None`` if the
        backend cannot make one (then stream with :meth:`open`). Existence is not checked."""
        validate_key(key)
        cap_expiry(expires)
        return None

    @abstractmethod
    async def check(self) -> None:
        """Raise :class:`StorageUnavailable` unless the store can be used right now."""

    async def aclose(self) -> None:
        await self._drain_cleanups()

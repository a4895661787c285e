"""Streamed ZIP archives (a bundle, or a whole dossier): memory stays bounded whatever the total size.

Each stored file is hashed while it streams out of storage; a file whose bytes no longer match its
recorded sha256 is reported through ``on_mismatch`` (the bundle gets flagged) and logged — never
passed on silently. Names are UTF-8 (the ZIP's language-encoding flag), so Chinese folder and file
names open correctly in Windows Explorer and on other systems.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stream_zip import ZIP_64, async_stream_zip

import storage
from agency import timeutil

log = logging.getLogger("agency.archive")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
FILE_MODE = 0o100644


def safe_part(name: str, limit: int = 80) -> str:
    """One path segment: no separators or characters Windows refuses, not too long."""
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "_"
    return cleaned[:limit]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    path: str
    storage_key: str
    sha256: str
    file_id: int


@dataclass(frozen=True, slots=True)
class BytesEntry:
    path: str
    data: bytes


Entry = StoredEntry | BytesEntry
MismatchHandler = Callable[[StoredEntry, str], Awaitable[None]]


async def _verified(store: storage.BlobStore, entry: StoredEntry, on_mismatch: MismatchHandler
                    ) -> AsyncIterator[bytes]:
    digest = hashlib.sha256()
    reader = await store.open(entry.storage_key)
    async with reader:
        async for chunk in reader:
            digest.update(chunk)
            yield chunk
    if digest.hexdigest() != entry.sha256:
        log.error("integrity: file #%s (%s) hashes to %s, recorded %s", entry.file_id, entry.storage_key,
                  digest.hexdigest(), entry.sha256)
        await on_mismatch(entry, digest.hexdigest())


async def _bytes(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def zip_stream(store: storage.BlobStore, entries: Sequence[Entry], on_mismatch: MismatchHandler
                     ) -> AsyncIterator[bytes]:
    now = timeutil.now().replace(tzinfo=None)

    async def members() -> AsyncIterator[tuple[str, datetime, int, Any, AsyncIterator[bytes]]]:
        for entry in entries:
            if isinstance(entry, BytesEntry):
                yield entry.path, now, FILE_MODE, ZIP_64, _bytes(entry.data)
            else:
                yield entry.path, now, FILE_MODE, ZIP_64, _verified(store, entry, on_mismatch)

    async for chunk in async_stream_zip(members(), get_compressobj=_store_only):
        yield chunk


def _store_only() -> Any:
    # Scans and papers (PDF, JPEG, OFD, DOCX…) are compressed already: deflate level 0 only frames them,
    # at copying speed, instead of burning a core to gain nothing.
    return zlib.compressobj(0, zlib.DEFLATED, -zlib.MAX_WBITS)

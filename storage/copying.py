"""Writing an object under a key chosen by the caller: for restoring a backup, never for uploads.

:meth:`BlobStore.put` always generates a fresh key. A restore must put every object back under
the key its database row names, with its type and metadata, and must prove the bytes are the
ones the backup recorded: :func:`put_at` streams them through the backend's usual atomic
write, checks the sha256 before the object becomes visible, and refuses to replace an object.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, Mapping

from storage.base import BlobStore, StoredBlob, validate_key, validate_metadata
from storage.errors import DigestMismatch, ObjectExists, ObjectNotFound

__all__ = ["put_at"]


async def put_at(
    store: BlobStore,
    key: str,
    chunks: AsyncIterable[bytes],
    *,
    sha256: str,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> StoredBlob:
    """Store ``chunks`` as ``key``; the object appears only if its bytes hash to ``sha256``.

    Raises :class:`ObjectExists` when ``key`` is already taken (nothing is overwritten) and
    :class:`DigestMismatch` when the bytes differ from ``sha256`` (nothing is left behind).
    Empty objects are allowed: a restore copies what there was.
    """
    validate_key(key)
    meta = validate_metadata(metadata)
    try:
        await store.stat(key)
    except ObjectNotFound:
        pass
    else:
        raise ObjectExists(key)
    digest = hashlib.sha256()
    size = 0
    sink = await store._open_sink(key, content_type, meta)
    try:
        async for chunk in chunks:
            if not chunk:
                continue
            chunk = bytes(chunk)
            digest.update(chunk)
            size += len(chunk)
            await sink.write(chunk)
        actual = digest.hexdigest()
        if actual != sha256.lower():
            raise DigestMismatch(key, sha256, actual)
        await sink.commit(actual, size)
    except BaseException:
        await store._cleanup(sink.abort())
        raise
    return StoredBlob(key=key, size=size, sha256=actual, content_type=content_type)

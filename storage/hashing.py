"""Streaming sha256: checking stored objects without holding them in memory."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, Iterable

__all__ = ["sha256_async", "sha256_iter"]


def sha256_iter(chunks: Iterable[bytes]) -> tuple[str, int]:
    """(hex digest, size) of the concatenated chunks."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


async def sha256_async(chunks: AsyncIterable[bytes]) -> tuple[str, int]:
    """(hex digest, size) of a stream, e.g. ``await sha256_async(await store.open(key))``.

    The storage check uses it to compare an object with the digest recorded for it.
    """
    digest = hashlib.sha256()
    size = 0
    async for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size

"""Errors of the storage library.

Callers map them to HTTP without knowing the backend: ``TooLarge`` → 413,
``UnsupportedType`` → 415, ``EmptyBlob`` → 422, ``ObjectNotFound`` → 404,
``StorageUnavailable`` → 503 / health "degraded", anything else → 500.
"""

from __future__ import annotations

__all__ = [
    "DigestMismatch",
    "EmptyBlob",
    "InvalidKey",
    "ObjectExists",
    "ObjectNotFound",
    "StorageConfigError",
    "StorageError",
    "StorageUnavailable",
    "TooLarge",
    "UnsupportedType",
]


class StorageError(Exception):
    """Any failure of the store that is not one of the more specific errors below."""


class StorageUnavailable(StorageError):
    """The backend cannot be reached or is failing (refused, timed out, 5xx, disk gone)."""


class StorageConfigError(StorageError, ValueError):
    """The storage URL or settings are wrong; the message names what is wrong."""


class InvalidKey(StorageError, ValueError):
    """A key that the library would never generate (traversal, absolute, odd characters)."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"invalid object key {key!r}: {reason}")


class ObjectNotFound(StorageError, LookupError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"object {key!r} not found")


class TooLarge(StorageError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the file is larger than the limit of {limit} bytes")


class UnsupportedType(StorageError):
    def __init__(self, content_type: str | None) -> None:
        self.content_type = content_type
        what = content_type or "unrecognised content"
        super().__init__(f"file type not accepted: {what}")


class EmptyBlob(StorageError):
    def __init__(self) -> None:
        super().__init__("the file is empty")


class ObjectExists(StorageError):
    """A write under a caller-chosen key found the key taken (see :func:`storage.copying.put_at`)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"object {key!r} already exists")


class DigestMismatch(StorageError):
    """The bytes written do not hash to the sha256 the caller expected; nothing was stored."""

    def __init__(self, key: str, expected: str, actual: str) -> None:
        self.key = key
        self.expected = expected
        self.actual = actual
        super().__init__(f"object {key!r}: the bytes hash to {actual}, expected {expected}")

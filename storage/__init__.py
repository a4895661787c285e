"""Blob storage for scans: one interface, a local-directory and an S3/MinIO backend.

A pure library: it never imports the service (agency), Litestar or SQLAlchemy.
"""

from storage.base import (
    MAX_PRESIGN_EXPIRY,
    BlobInfo,
    BlobReader,
    BlobStore,
    StoredBlob,
    content_disposition,
    validate_key,
)
from storage.copying import put_at
from storage.errors import (
    DigestMismatch,
    EmptyBlob,
    InvalidKey,
    ObjectExists,
    ObjectNotFound,
    StorageConfigError,
    StorageError,
    StorageUnavailable,
    TooLarge,
    UnsupportedType,
)
from storage.filesystem import FilesystemBlobStore
from storage.hashing import sha256_async, sha256_iter
from storage.s3 import S3BlobStore
from storage.sniff import ACCEPTED_TYPES, DOCX, JPEG, OFD, PDF, PNG, TIFF, sniff
from storage.url import open_store

__all__ = [
    "ACCEPTED_TYPES",
    "DOCX",
    "JPEG",
    "MAX_PRESIGN_EXPIRY",
    "OFD",
    "PDF",
    "PNG",
    "TIFF",
    "BlobInfo",
    "BlobReader",
    "BlobStore",
    "DigestMismatch",
    "EmptyBlob",
    "FilesystemBlobStore",
    "InvalidKey",
    "ObjectExists",
    "ObjectNotFound",
    "S3BlobStore",
    "StorageConfigError",
    "StorageError",
    "StorageUnavailable",
    "StoredBlob",
    "TooLarge",
    "UnsupportedType",
    "content_disposition",
    "open_store",
    "put_at",
    "sha256_async",
    "sha256_iter",
    "sniff",
    "validate_key",
]

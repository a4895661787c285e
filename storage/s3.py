"""A blob store on S3 / MinIO through the synchronous ``minio`` SDK, run in worker threads.

Uploads stream: up to one part (``part_size``) is buffered; a larger upload becomes a
multipart upload fed through a bounded pipe, so memory stays at a few parts whatever the
file size. S3 cannot add metadata when a multipart upload completes, and minio has no
checksum argument, so a multipart object is copied onto itself (server side) with
``x-amz-meta-sha256`` once the digest is known, and the first, digest-less version is
removed (MinIO does such a self-copy as a metadata-only update; AWS and moto copy the bytes
inside the server). Small uploads are one PUT that carries the digest from the start.

On a versioned bucket :meth:`S3BlobStore.delete` leaves a delete marker: the bytes stay as
a non-current version an operator can restore. Let a bucket lifecycle rule expire
non-current versions and abort incomplete multipart uploads after a day or two.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import Literal, ParamSpec, TypeVar
from urllib.parse import unquote

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.helpers import DictType
from minio.versioningconfig import VersioningConfig
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)

from storage._s3_upload import OCTET, S3Sink
from storage._threads import ThreadRunner
from storage.base import (
    BlobInfo,
    BlobReader,
    BlobStore,
    Sink,
    cap_expiry,
    content_disposition,
    validate_key,
    validate_prefix,
)
from storage.errors import ObjectNotFound, StorageError, StorageUnavailable

__all__ = ["S3BlobStore"]

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

MIN_PART_SIZE = 5 * 1024 * 1024  # the S3 minimum for every part but the last
READ_CHUNK = 256 * 1024
_LIST_BATCH = 1000
_SHA_HEADER = "x-amz-meta-sha256"
_META_PREFIX = "x-amz-meta-"
_UNAVAILABLE_CODES = frozenset({"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout"})
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchObject"})


def _reason(exc: BaseException) -> str:
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, NewConnectionError):
        return "cannot connect: " + str(exc).rsplit(": ", 1)[-1]
    if isinstance(exc, ConnectTimeoutError):
        return "connection timed out"
    if isinstance(exc, ReadTimeoutError):
        return "no answer in time"
    if isinstance(exc, ProtocolError):
        return "connection broken"
    if isinstance(exc, ResponseError):
        return "kept answering with server errors"
    return f"{type(exc).__name__}: {exc}"


def _user_metadata(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name.lower()[len(_META_PREFIX) :]: unquote(value)
        for name, value in headers.items()
        if name.lower().startswith(_META_PREFIX) and name.lower() != _SHA_HEADER
    }


def _content_type(value: str | None) -> str | None:
    return None if not value or value == OCTET else value


@dataclass(frozen=True)
class _Clients:
    pid: int
    internal: Minio
    #: For check(): no retries and a short read timeout.
    probe: Minio
    #: Signs URLs for the address browsers use; never sends a request.
    public: Minio


class S3BlobStore(BlobStore):
    """Objects in one bucket of an S3-compatible server.

    ``endpoint`` is ``host:port``. ``public_endpoint`` (``https://files.example.org``) is the
    address browsers use; presigned URLs are signed for that host, since the signature
    covers it. Nothing touches the network, and no client exists, before first use.

    ``max_concurrency`` bounds the SDK calls in flight and, separately, the streaming
    uploads; each streaming upload holds about three parts (~15-25 MiB with the default
    5 MiB parts, one part in flight). ``parallel_parts`` > 1 sends parts concurrently:
    faster on a distant server, one more part of memory each.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = True,
        region: str = "us-east-1",
        public_endpoint: str | None = None,
        public_secure: bool | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 15.0,
        max_concurrency: int = 8,
        part_size: int = MIN_PART_SIZE,
        parallel_parts: int = 1,
    ) -> None:
        super().__init__()
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE}")
        if parallel_parts < 1:
            raise ValueError("parallel_parts must be at least 1")
        self.endpoint = endpoint
        self.bucket = bucket
        self.secure = secure
        self.region = region
        self.public_endpoint = public_endpoint or endpoint
        self.public_secure = secure if public_secure is None else public_secure
        self.part_size = part_size
        self.parallel_parts = parallel_parts
        self._access_key = access_key
        self._secret_key = secret_key
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._max_concurrency = max_concurrency
        self._threads = ThreadRunner(max_concurrency, "storage-s3")
        # A streaming upload holds its thread for as long as the client takes to send the
        # file; a pool of their own keeps them from starving stat, open and the health check.
        self._upload_threads = ThreadRunner(max_concurrency, "storage-s3-upload")
        self._clients: _Clients | None = None
        self._bucket_ready = False

    def __repr__(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"S3BlobStore({scheme}://{self.endpoint}/{self.bucket})"

    # -- plumbing -----------------------------------------------------------------------

    def _make_client(self, endpoint: str, secure: bool, http: urllib3.PoolManager | None) -> Minio:
        return Minio(
            endpoint,
            access_key=self._access_key,
            secret_key=self._secret_key,
            secure=secure,
            # An explicit region spares a location lookup and lets presigning stay offline.
            region=self.region,
            http_client=http,
        )

    def _pool(self, timeout: urllib3.Timeout, retries: urllib3.Retry, maxsize: int) -> urllib3.PoolManager:
        return urllib3.PoolManager(timeout=timeout, retries=retries, maxsize=maxsize, cert_reqs="CERT_REQUIRED")

    def _client_set(self) -> _Clients:
        if self._clients is None or self._clients.pid != os.getpid():
            # Short timeouts and few retries: a dead server must surface in seconds, not minutes
            # (the SDK's own default is five minutes and five retries).
            retries = urllib3.Retry(
                total=2,
                connect=1,
                read=1,
                status=2,
                backoff_factor=0.2,
                status_forcelist=(500, 502, 503, 504),
                raise_on_status=False,
            )
            maxsize = max(10, self._max_concurrency * (1 + self.parallel_parts))
            # The health check must answer fast even when the server accepts and then hangs.
            quick = urllib3.Timeout(connect=self._timeout.connect_timeout, read=self._timeout.connect_timeout)
            self._clients = _Clients(
                pid=os.getpid(),
                internal=self._make_client(self.endpoint, self.secure, self._pool(self._timeout, retries, maxsize)),
                probe=self._make_client(self.endpoint, self.secure, self._pool(quick, urllib3.Retry(0), 2)),
                public=self._make_client(self.public_endpoint, self.public_secure, None),
            )
        return self._clients

    @property
    def client(self) -> Minio:
        """The SDK client for this process, created on first use (and again after a fork)."""
        return self._client_set().internal

    def translate(self, exc: BaseException, doing: str, key: str | None = None) -> BaseException:
        """Turn an SDK or transport error into the library's errors."""
        if isinstance(exc, StorageError):
            return exc
        where = f"object storage {self.endpoint}"
        if isinstance(exc, S3Error):
            if exc.code in _NOT_FOUND_CODES and key is not None:
                return ObjectNotFound(key)
            if exc.code == "NoSuchBucket":
                self._bucket_ready = False
                return StorageError(f"{where}: bucket {self.bucket!r} does not exist ({doing})")
            status = getattr(exc.response, "status", 0) or 0
            text = f"{where} failed {doing}: {exc.code}: {exc.message}"
            return StorageUnavailable(text) if status >= 500 or exc.code in _UNAVAILABLE_CODES else StorageError(text)
        if isinstance(exc, ServerError | InvalidResponseError):
            status = exc.status_code if isinstance(exc, ServerError) else getattr(exc, "_code", 0)
            text = f"{where} failed {doing}: HTTP {status}"
            return StorageUnavailable(text) if (status or 0) >= 500 else StorageError(text)
        if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
            return StorageUnavailable(f"{where} is unreachable ({doing}): {_reason(exc)}")
        return exc

    async def _call(self, doing: str, key: str | None, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await self._threads.run(fn, *args, **kwargs)
        except Exception as exc:
            raise self.translate(exc, doing, key) from exc

    def _ensure_bucket_sync(self, client: Minio | None = None) -> None:
        client = client or self.client
        if client.bucket_exists(self.bucket):
            return
        try:
            client.make_bucket(self.bucket)
        except S3Error as exc:
            if exc.code != "BucketAlreadyOwnedByYou":
                raise
            return
        # Only a bucket we created gets versioning: an operator's settings are theirs.
        try:
            client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
        except S3Error as exc:
            log.warning("bucket %s: versioning not enabled (%s)", self.bucket, exc.code)

    async def _ready(self) -> None:
        if not self._bucket_ready:
            await self._call("preparing the bucket", None, self._ensure_bucket_sync)
            self._bucket_ready = True

    # -- the interface ------------------------------------------------------------------

    async def _open_sink(self, key: str, content_type: str | None, metadata: Mapping[str, str]) -> Sink:
        await self._ready()
        return S3Sink(self, key, content_type, metadata)

    def _info(self, key: str, size: int, headers: Mapping[str, str], content_type: str | None) -> BlobInfo:
        lowered = {name.lower(): value for name, value in headers.items()}
        return BlobInfo(
            key=key,
            size=size,
            sha256=lowered.get(_SHA_HEADER),
            content_type=_content_type(content_type),
            metadata=_user_metadata(headers),
        )

    async def stat(self, key: str) -> BlobInfo:
        validate_key(key)
        await self._ready()
        obj = await self._call("reading metadata", key, self.client.stat_object, self.bucket, key)
        headers = dict(obj.metadata.items()) if obj.metadata is not None else {}
        return self._info(key, obj.size or 0, headers, obj.content_type)

    async def open(self, key: str) -> BlobReader:
        validate_key(key)
        await self._ready()
        response = await self._call("opening", key, self.client.get_object, self.bucket, key)
        headers = dict(response.headers.items())
        info = self._info(key, int(headers.get("Content-Length", 0)), headers, response.headers.get("Content-Type"))

        async def chunks() -> AsyncGenerator[bytes, None]:
            try:
                while data := await self._call("reading", key, response.read, READ_CHUNK):
                    yield data
            finally:
                response.close()
                response.release_conn()

        return BlobReader(info, chunks())

    async def delete(self, key: str) -> None:
        validate_key(key)
        await self._ready()
        await self._call("deleting", key, self.client.remove_object, self.bucket, key)

    async def discard(self, key: str) -> None:
        # On a versioned bucket a plain delete only hides the bytes behind a delete marker.
        validate_key(key)
        await self._ready()
        await self._call("removing an unsaved upload", key, self.purge_sync, key)

    async def iter_keys(self, prefix: str = "") -> AsyncIterator[str]:
        validate_prefix(prefix)
        await self._ready()
        listing = self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True)
        while batch := await self._call("listing", None, lambda: list(islice(listing, _LIST_BATCH))):
            for obj in batch:
                if not obj.is_dir and obj.object_name is not None:
                    yield obj.object_name

    async def presign_get(
        self,
        key: str,
        expires: timedelta,
        filename: str | None = None,
        content_type: str | None = None,
        *,
        disposition: Literal["attachment", "inline"] = "attachment",
    ) -> str | None:
        validate_key(key)
        headers: DictType = {"response-content-disposition": content_disposition(filename, disposition)}
        if content_type:
            headers["response-content-type"] = content_type
        # Signing is local (explicit region, static keys): no thread needed.
        url: str = self._client_set().public.presigned_get_object(
            self.bucket, key, expires=cap_expiry(expires), response_headers=headers
        )
        return url

    async def check(self) -> None:
        try:
            await self._call("checking the bucket", None, self._ensure_bucket_sync, self._client_set().probe)
        except StorageError as exc:
            raise (exc if isinstance(exc, StorageUnavailable) else StorageUnavailable(str(exc))) from exc
        self._bucket_ready = True

    async def aclose(self) -> None:
        await super().aclose()
        await self._threads.shutdown()
        await self._upload_threads.shutdown()
        if self._clients is not None and self._clients.pid == os.getpid():
            self._clients.internal._http.clear()
            self._clients.probe._http.clear()
        self._clients = None

    # -- used by the sink ---------------------------------------------------------------

    def purge_sync(self, key: str) -> None:
        """Remove every version of ``key``: only for objects no caller ever saw."""
        client = self.client
        versions = [
            obj.version_id
            for obj in client.list_objects(self.bucket, prefix=key, include_version=True)
            if obj.object_name == key
        ]
        for version_id in versions:
            client.remove_object(self.bucket, key, version_id=version_id)

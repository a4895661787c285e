"""Building a store from one URL setting.

``file:///abs/path`` or ``s3://ACCESS:SECRET@host:port/bucket?secure=false&region=us-east-1``.
Error messages name the part that is wrong and never repeat the URL, which holds a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from storage.base import BlobStore
from storage.errors import StorageConfigError
from storage.filesystem import FilesystemBlobStore
from storage.s3 import S3BlobStore

__all__ = ["S3Config", "open_store", "parse_public_endpoint", "parse_s3_url"]

_S3_FORM = "s3://ACCESS:SECRET@host:port/bucket?secure=false&region=us-east-1"
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IPV4 = re.compile(r"\d+\.\d+\.\d+\.\d+")
_REGION = re.compile(r"[a-z0-9][a-z0-9-]*")
_BOOL = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


@dataclass(frozen=True)
class S3Config:
    endpoint: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    bucket: str
    secure: bool = True
    region: str = "us-east-1"


def _fail(problem: str) -> StorageConfigError:
    return StorageConfigError(f"storage URL: {problem}")


def _host_port(parts: SplitResult, what: str) -> str:
    try:
        port = parts.port
    except ValueError:
        raise StorageConfigError(f"{what}: the port is not a number from 1 to 65535") from None
    host = parts.hostname
    if not host:
        raise StorageConfigError(f"{what}: the host is missing")
    if ":" in host:
        host = f"[{host}]"
    return host if port is None else f"{host}:{port}"


def parse_s3_url(url: str) -> S3Config:
    parts = urlsplit(url)
    if parts.fragment:
        raise _fail("a '#fragment' is not allowed (percent-encode '#' in the secret as %23)")
    if "@" in parts.path or "@" in parts.query:
        raise _fail("a '/', '?' or '#' in the access key or secret must be percent-encoded (%2F, %3F, %23)")
    if parts.username is None or parts.password is None or not parts.username or not parts.password:
        raise _fail(f"access key and secret are missing; expected {_S3_FORM}")
    access_key, secret_key = unquote(parts.username), unquote(parts.password)
    endpoint = _host_port(parts, "storage URL")
    bucket = parts.path.strip("/")
    if not bucket:
        raise _fail(f"the bucket name is missing; expected {_S3_FORM}")
    if "/" in bucket:
        raise _fail("the path must be just the bucket name, one segment")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket or _IPV4.fullmatch(bucket):
        raise _fail(f"{bucket!r} is not a valid bucket name (3-63 of a-z, 0-9, '.', '-')")
    options: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name not in ("secure", "region"):
            raise _fail(f"unknown option {name!r} (known: secure, region)")
        if name in options:
            raise _fail(f"option {name!r} given twice")
        options[name] = value
    secure = True
    if "secure" in options:
        if options["secure"].lower() not in _BOOL:
            raise _fail(f"secure must be true or false, not {options['secure']!r}")
        secure = _BOOL[options["secure"].lower()]
    region = options.get("region", "us-east-1")
    if not _REGION.fullmatch(region):
        raise _fail(f"region {region!r} is not valid")
    return S3Config(endpoint, access_key, secret_key, bucket, secure, region)


def parse_public_endpoint(value: str) -> tuple[str, bool]:
    """``https://files.example.org[:port]`` → (``host[:port]``, secure)."""
    parts = urlsplit(value)
    what = "public storage endpoint"
    if parts.scheme not in ("http", "https"):
        raise StorageConfigError(f"{what}: must start with http:// or https://")
    if parts.username or parts.password:
        raise StorageConfigError(f"{what}: must not contain credentials")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise StorageConfigError(f"{what}: must be just scheme, host and port (S3 presigning has no path prefix)")
    return _host_port(parts, what), parts.scheme == "https"


def _file_root(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise _fail("a file URL needs an absolute path: file:///abs/path (three slashes)")
    if parts.query or parts.fragment:
        raise _fail("a file URL takes no '?' options or '#' fragment")
    path = unquote(parts.path)
    if not path.startswith("/"):
        raise _fail("a file URL needs an absolute path: file:///abs/path")
    if path.strip("/") == "":
        raise _fail("refusing to use the filesystem root as the storage folder")
    if "\x00" in path:
        raise _fail("the path contains a NUL character")
    return Path(path)


def open_store(url: str, *, public_endpoint: str | None = None) -> BlobStore:
    """Build the store a URL names; nothing is created or contacted until first use."""
    if not isinstance(url, str) or not url.strip():
        raise _fail("empty; expected file:///abs/path or " + _S3_FORM)
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "file":
        if public_endpoint:
            raise StorageConfigError("a public storage endpoint only applies to s3:// storage")
        return FilesystemBlobStore(_file_root(url))
    if scheme == "s3":
        config = parse_s3_url(url)
        public_host, public_secure = parse_public_endpoint(public_endpoint) if public_endpoint else (None, None)
        return S3BlobStore(
            endpoint=config.endpoint,
            access_key=config.access_key,
            secret_key=config.secret_key,
            bucket=config.bucket,
            secure=config.secure,
            region=config.region,
            public_endpoint=public_host,
            public_secure=public_secure,
        )
    shown = f"{scheme!r}" if scheme and len(scheme) < 20 and scheme.isalnum() else "none"
    raise _fail(f"unsupported scheme {shown}; use file:///abs/path or {_S3_FORM}")

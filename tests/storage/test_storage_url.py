"""The storage URL setting: what it builds, and one-line errors that never leak the secret."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from storage import FilesystemBlobStore, S3BlobStore, StorageConfigError, open_store
from storage.url import parse_s3_url

SECRET = "Sup3rS3cret"


def test_file_url_builds_a_filesystem_store() -> None:
    store = open_store("file:///var/lib/agency/blobs")
    assert isinstance(store, FilesystemBlobStore)
    assert store.root == Path("/var/lib/agency/blobs")
    assert isinstance(open_store("file://localhost/srv/blobs%20x"), FilesystemBlobStore)
    assert open_store("file://localhost/srv/blobs%20x").root == Path("/srv/blobs x")  # type: ignore[attr-defined]


def test_s3_url_with_percent_encoded_credentials() -> None:
    config = parse_s3_url(
        "s3://AK%2Fid:se%2Fcr%40et%3A%2B@minio.internal:9000/agency-files?secure=false&region=cn-north-1"
    )
    assert config.endpoint == "minio.internal:9000"
    assert (config.access_key, config.secret_key) == ("AK/id", "se/cr@et:+")
    assert config.bucket == "agency-files"
    assert config.secure is False
    assert config.region == "cn-north-1"
    assert "se/cr" not in repr(config)


def test_s3_url_defaults_are_secure_and_us_east_1() -> None:
    config = parse_s3_url(f"s3://key:{SECRET}@s3.example.org/files/")
    assert (config.endpoint, config.bucket, config.secure, config.region) == (
        "s3.example.org",
        "files",
        True,
        "us-east-1",
    )


def test_ipv6_host_is_bracketed() -> None:
    assert parse_s3_url(f"s3://k:{SECRET}@[::1]:9000/files").endpoint == "[::1]:9000"


def test_open_store_builds_a_lazy_s3_store_without_the_secret_in_its_repr() -> None:
    store = open_store(f"s3://key:{SECRET}@127.0.0.1:9/files?secure=0")
    assert isinstance(store, S3BlobStore)
    assert (store.endpoint, store.bucket, store.secure) == ("127.0.0.1:9", "files", False)
    assert SECRET not in repr(store)
    assert store._clients is None  # no client and no connection before first use


async def test_presign_uses_the_public_endpoint_and_signs_offline() -> None:
    store = open_store(
        f"s3://key:{SECRET}@minio:9000/files?secure=false&region=cn-north-1",
        public_endpoint="https://files.county.example.cn",
    )
    url = await store.presign_get("2026/05/" + "a" * 32, timedelta(minutes=3), "申请表.docx")
    assert url is not None
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "files.county.example.cn",
        "/files/2026/05/" + "a" * 32,
    )
    query = parse_qs(parts.query)
    assert query["X-Amz-Expires"] == ["180"]
    assert "/cn-north-1/s3/" in query["X-Amz-Credential"][0]
    assert query["response-content-disposition"] == [
        "attachment; filename=\"___.docx\"; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8.docx"
    ]
    assert SECRET not in url
    await store.aclose()


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("/var/blobs", "unsupported scheme"),
        ("ftp://host/x", "unsupported scheme 'ftp'"),
        ("file://relative/path", "absolute path"),
        ("file:relative", "absolute path"),
        ("file:///", "filesystem root"),
        ("file:///srv/blobs?x=1", "no '?' options"),
        ("s3://minio:9000/files", "access key and secret are missing"),
        ("s3://key@minio:9000/files", "access key and secret are missing"),
        (f"s3://key:{SECRET}@minio:9000", "bucket name is missing"),
        (f"s3://key:{SECRET}@minio:9000/", "bucket name is missing"),
        (f"s3://key:{SECRET}@minio:9000/a/b", "just the bucket name"),
        (f"s3://key:{SECRET}@minio:9000/Files", "not a valid bucket name"),
        (f"s3://key:{SECRET}@minio:9000/ab", "not a valid bucket name"),
        (f"s3://key:{SECRET}@minio:9000/192.168.1.1", "not a valid bucket name"),
        (f"s3://key:{SECRET}@minio:port/files", "port is not a number"),
        (f"s3://key:{SECRET}@:9000/files", "host is missing"),
        (f"s3://key:{SECRET}@minio/files?secure=maybe", "secure must be true or false"),
        (f"s3://key:{SECRET}@minio/files?regoin=x", "unknown option 'regoin'"),
        (f"s3://key:{SECRET}@minio/files?secure=1&secure=0", "given twice"),
        (f"s3://key:{SECRET}@minio/files?region=", "region '' is not valid"),
        (f"s3://key:{SECRET}@minio/files#frag", "fragment"),
        (f"s3://key:{SECRET[:4]}/{SECRET[4:]}@minio/files", "must be percent-encoded"),
    ],
)
def test_bad_urls_get_one_line_errors_naming_the_problem(url: str, complaint: str) -> None:
    with pytest.raises(StorageConfigError) as error:
        open_store(url)
    message = str(error.value)
    assert complaint in message
    assert "\n" not in message
    assert SECRET not in message and SECRET[4:] not in message


@pytest.mark.parametrize(
    ("public", "complaint"),
    [
        ("files.example.org", "must start with http:// or https://"),
        ("https://user:pw@files.example.org", "credentials"),
        ("https://files.example.org/s3", "just scheme, host and port"),
        ("https://files.example.org:http", "port is not a number"),
    ],
)
def test_bad_public_endpoints_are_config_errors(public: str, complaint: str) -> None:
    with pytest.raises(StorageConfigError, match=complaint):
        open_store(f"s3://key:{SECRET}@minio/files", public_endpoint=public)


def test_public_endpoint_only_applies_to_s3() -> None:
    with pytest.raises(StorageConfigError, match="only applies to s3"):
        open_store("file:///srv/blobs", public_endpoint="https://files.example.org")


def test_filesystem_root_must_be_absolute() -> None:
    with pytest.raises(StorageConfigError, match="absolute"):
        FilesystemBlobStore(Path("relative/blobs"))

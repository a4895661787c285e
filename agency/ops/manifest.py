"""The backup folder: its layout, its manifest, and checking the copies against the manifest.

A backup folder holds ``manifest.json`` (written last: a folder without one is an unfinished
backup), the database (``database.dump`` from pg_dump, or ``database.sqlite3``) and
``objects/<key>`` for every stored object. The manifest records the sha256 and size of every
copy, so damage or tampering after the backup is found before anything is restored.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final, Literal

import msgspec

import storage

FORMAT: Final = "agency-backup/1"
MANIFEST = "manifest.json"
OBJECTS = "objects"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
_READ = 1024 * 1024

Progress = Callable[[str, int, int | None], None]


class OpsError(Exception):
    """A backup or restore cannot go on; the message says why in one line, for the operator."""


class ObjectEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    key: str
    size: int
    sha256: str
    content_type: str | None
    metadata: dict[str, str]
    #: Whether a file row of the database copy names this object; restore brings back only these.
    referenced: bool


class DatabaseEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: Literal["postgresql", "sqlite"]
    file: str
    size: int
    sha256: str
    #: The Alembic revision of the copy: restore onto a release that knows it, then `agency db upgrade`.
    revision: str | None


class AuditHead(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The end of the audit chain in the copy: `audit verify` cannot see lines cut off the end, this can."""

    events: int
    last_id: int | None
    last_hash: str | None


class Manifest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: Literal["agency-backup/1"]
    created_at: datetime
    storage_kind: Literal["s3", "file"]
    database: DatabaseEntry
    audit: AuditHead
    file_rows: int
    objects: list[ObjectEntry]
    #: Keys a file row names that the store did not have when the backup ran.
    missing: list[str]


def object_path(folder: Path, key: str) -> Path:
    storage.validate_key(key)  # a manifest is input: no key may lead out of the folder
    return folder.joinpath(OBJECTS, *key.split("/"))


def sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while block := file.read(_READ):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def write_manifest(folder: Path, manifest: Manifest) -> str:
    """Write the manifest atomically and durably; returns its sha256 (to note down apart from the copy)."""
    data = msgspec.json.format(msgspec.json.encode(manifest), indent=1)
    part = folder / f".{MANIFEST}.part"
    with part.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, folder / MANIFEST)
    return hashlib.sha256(data).hexdigest()


def read_manifest(folder: Path) -> tuple[Manifest, str]:
    if not folder.is_dir():
        raise OpsError(f"{folder} is not a folder")
    path = folder / MANIFEST
    if not path.is_file():
        raise OpsError(f"{folder} holds no {MANIFEST}: not a backup, or a backup that did not finish")
    data = path.read_bytes()
    try:
        manifest = msgspec.json.decode(data, type=Manifest)
    except msgspec.DecodeError as error:
        raise OpsError(f"{path} is not a readable backup manifest: {error}") from None
    if manifest.database.file != DATABASE_FILES[manifest.database.kind]:
        raise OpsError(f"{path}: unexpected database file name {manifest.database.file!r}")
    return manifest, hashlib.sha256(data).hexdigest()


def verify_copies(folder: Path, manifest: Manifest, progress: Progress | None = None,
                  *, limit: int = 20) -> list[str]:
    """Every difference between the folder and its manifest, at most ``limit`` of them."""
    problems: list[str] = []

    def compare(path: Path, name: str, size: int, sha256: str) -> None:
        if not path.is_file():
            problems.append(f"{name} is missing")
            return
        actual, actual_size = sha256_file(path)
        if actual != sha256:
            problems.append(f"{name} hashes to {actual}, the manifest says {sha256}")
        elif actual_size != size:
            problems.append(f"{name} has {actual_size} bytes, the manifest says {size}")

    compare(folder / manifest.database.file, manifest.database.file, manifest.database.size,
            manifest.database.sha256)
    total = len(manifest.objects)
    for done, entry in enumerate(manifest.objects, 1):
        try:
            path = object_path(folder, entry.key)
        except storage.InvalidKey as error:
            problems.append(f"manifest entry {entry.key[:60]!r}: {error.reason}")
        else:
            compare(path, f"{OBJECTS}/{entry.key}", entry.size, entry.sha256)
        if len(problems) >= limit:
            break
        if progress:
            progress("verifying the copies", done, total)
    return problems

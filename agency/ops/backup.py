"""`agency backup FOLDER`: the database and every stored object, with a sha256 manifest.

The database is copied first, as one consistent snapshot; then every object in the store, each
hashed while it is copied. Objects are immutable and a file row is committed only after its
object, so every object the copied rows name is in the store by then. Objects no row of the
copy names (uploads in flight, orphans) are copied too and marked as such; restore leaves them
out. The manifest is written last: a folder without one is a backup that did not finish.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import storage
from agency import timeutil
from agency.ops import database
from agency.ops.manifest import (
    DATABASE_FILES,
    FORMAT,
    OBJECTS,
    DatabaseEntry,
    Manifest,
    ObjectEntry,
    OpsError,
    Progress,
    object_path,
    sha256_file,
    write_manifest,
)
from agency.settings import Settings


@dataclass
class BackupReport:
    folder: Path
    manifest_sha256: str = ""
    database_kind: str = ""
    file_rows: int = 0
    audit_events: int = 0
    objects: int = 0
    bytes: int = 0
    unreferenced: int = 0
    #: Keys file rows name that the store does not have.
    missing: list[str] = field(default_factory=list)
    #: Objects whose bytes differ from their row's or their own recorded sha256.
    damaged: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.damaged)


def prepare_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OpsError(f"{folder} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise OpsError(f"{folder} is not empty: give a new or empty folder for each backup")
    try:
        (folder / OBJECTS).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OpsError(f"cannot create {folder}: {error.strerror or error}") from None


def clear_folder(folder: Path) -> None:
    """Remove what a failed backup wrote, so the same folder can be used again."""
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


async def backup(settings: Settings, folder: Path, progress: Progress | None = None) -> BackupReport:
    """Copy the system into ``folder`` (new or empty); on failure the folder is left empty again."""
    kind = database.kind_of(settings.database_url)
    if kind == "postgresql":
        database.tool("pg_dump")  # before anything is written
    await asyncio.to_thread(prepare_folder, folder)
    try:
        return await _backup(settings, kind, folder, progress)
    except BaseException:
        await asyncio.shield(asyncio.to_thread(clear_folder, folder))
        raise


async def _backup(settings: Settings, kind: str, folder: Path, progress: Progress | None) -> BackupReport:
    report = BackupReport(folder)
    report.database_kind = kind
    dump = folder / DATABASE_FILES[kind]
    if progress:
        progress(f"copying the {kind} database", 0, None)
    if kind == "postgresql":
        snapshot = await database.dump_postgres(settings.database_url, dump)
    else:
        await asyncio.to_thread(database.copy_sqlite, database.sqlite_path(settings.database_url), dump)
        snapshot = await database.sqlite_copy_state(dump)
    dump_sha256, dump_size = await asyncio.to_thread(sha256_file, dump)
    if progress:
        progress(f"copying the {kind} database", 1, 1)
    report.file_rows = len(snapshot.files)
    report.audit_events = snapshot.audit.events

    store = storage.open_store(settings.storage_url, public_endpoint=settings.storage_public_endpoint)
    try:
        entries = await _copy_objects(store, folder, snapshot.files, report, progress)
    except storage.StorageError as error:
        raise OpsError(f"copying the objects failed: {error}") from None
    finally:
        await store.aclose()
    seen = {entry.key for entry in entries}
    report.missing = sorted(key for key in snapshot.files if key not in seen)
    manifest = Manifest(
        format=FORMAT,
        created_at=timeutil.now(),
        storage_kind="file" if isinstance(store, storage.FilesystemBlobStore) else "s3",
        database=DatabaseEntry(kind=kind, file=dump.name, size=dump_size, sha256=dump_sha256,  # type: ignore[arg-type]
                               revision=snapshot.revision),
        audit=snapshot.audit,
        file_rows=len(snapshot.files),
        objects=entries,
        missing=report.missing,
    )
    report.manifest_sha256 = await asyncio.to_thread(write_manifest, folder, manifest)
    return report


async def _copy_objects(store: storage.BlobStore, folder: Path, rows: dict[str, str], report: BackupReport,
                        progress: Progress | None) -> list[ObjectEntry]:
    entries: list[ObjectEntry] = []
    async for key in store.iter_keys():
        try:
            reader = await store.open(key)
        except storage.ObjectNotFound:
            continue  # removed since it was listed (an orphan repair): nothing to keep
        path = object_path(folder, key)
        digest = hashlib.sha256()
        size = 0
        async with reader:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            out: BinaryIO = await asyncio.to_thread(path.open, "xb")
            try:
                async for chunk in reader:
                    digest.update(chunk)
                    size += len(chunk)
                    await asyncio.to_thread(out.write, chunk)
            finally:
                await asyncio.to_thread(out.close)
        sha256 = digest.hexdigest()
        info = reader.info
        if sha256 != rows.get(key, sha256) or sha256 != (info.sha256 or sha256):
            report.damaged.append(key)
        entries.append(ObjectEntry(key=key, size=size, sha256=sha256, content_type=info.content_type,
                                   metadata=dict(info.metadata), referenced=key in rows))
        report.objects += 1
        report.bytes += size
        report.unreferenced += key not in rows
        if progress:
            progress("copying objects", report.objects, None)
    return entries

"""`agency restore FOLDER`: a backup onto an empty system, after proving the copies are intact.

Order: read the manifest and check every copy against it (a damaged or altered backup stops
here, before anything is written); refuse a target database that has tables or a store that
holds objects; restore the database (pg_restore in one transaction, or the SQLite backup
API); check the restored audit chain ends where the backup's did; put every object a file
row names back under its key, its bytes checked against the manifest as they are written.
The operator then runs `agency audit verify` and `agency storage check`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import storage
from agency.ops import database
from agency.ops.manifest import Manifest, OpsError, Progress, object_path, read_manifest, verify_copies
from agency.settings import Settings

_READ = 256 * 1024


@dataclass
class RestoreReport:
    manifest: Manifest
    manifest_sha256: str
    objects: int = 0
    bytes: int = 0
    #: Objects in the backup no file row named (uploads in flight, orphans): not restored.
    skipped: int = 0


def check_backup(folder: Path, progress: Progress | None = None) -> tuple[Manifest, str]:
    """The manifest, once every copy it lists is present and hashes as recorded."""
    manifest, manifest_sha256 = read_manifest(folder)
    problems = verify_copies(folder, manifest, progress)
    if problems:
        raise OpsError("the backup is damaged or was altered; nothing was restored:\n  "
                       + "\n  ".join(problems))
    return manifest, manifest_sha256


async def restore(settings: Settings, folder: Path, progress: Progress | None = None) -> RestoreReport:
    manifest, manifest_sha256 = await asyncio.to_thread(check_backup, folder, progress)
    kind = database.kind_of(settings.database_url)
    if manifest.database.kind != kind:
        raise OpsError(f"the backup holds a {manifest.database.kind} database but AGENCY_DATABASE_URL names "
                       f"{kind}: restore onto the same kind of database")
    store = storage.open_store(settings.storage_url, public_endpoint=settings.storage_public_endpoint)
    try:
        await _require_empty(settings.database_url, kind, store)
        dump = folder / manifest.database.file
        if progress:
            progress(f"restoring the {kind} database", 0, 1)
        if kind == "postgresql":
            await database.restore_postgres(settings.database_url, dump)
        else:
            await asyncio.to_thread(database.copy_sqlite, dump, database.sqlite_path(settings.database_url))
        if progress:
            progress(f"restoring the {kind} database", 1, 1)
        restored = await database.state(settings.database_url)
        if restored.audit != manifest.audit:
            raise OpsError(f"the restored audit log ends at {restored.audit}, the backup recorded "
                           f"{manifest.audit}: the database copy does not match its manifest")
        report = RestoreReport(manifest, manifest_sha256)
        await _put_objects(store, folder, manifest, report, progress)
    except storage.StorageError as error:
        raise OpsError(f"restoring the objects failed: {error}") from None
    finally:
        await store.aclose()
    return report


async def _require_empty(database_url: str, kind: str, store: storage.BlobStore) -> None:
    if kind == "sqlite" and not database.sqlite_path(database_url).exists():
        existing: list[str] = []
    else:
        existing = await database.tables(database_url)
    if existing:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise OpsError(f"the target database is not empty ({len(existing)} tables: {shown}): restore only onto "
                       "an empty database; nothing was restored")
    try:
        async for key in store.iter_keys():
            raise OpsError(f"the target storage is not empty (it holds {key} and maybe more): restore only onto "
                           "an empty bucket or folder; nothing was restored")
    except storage.StorageError as error:
        raise OpsError(f"cannot list the target storage: {error}") from None


async def _put_objects(store: storage.BlobStore, folder: Path, manifest: Manifest, report: RestoreReport,
                       progress: Progress | None) -> None:
    wanted = [entry for entry in manifest.objects if entry.referenced]
    report.skipped = len(manifest.objects) - len(wanted)
    for entry in wanted:
        try:
            await storage.put_at(store, entry.key, _read(object_path(folder, entry.key)), sha256=entry.sha256,
                                 content_type=entry.content_type, metadata=entry.metadata)
        except storage.DigestMismatch:
            raise OpsError(f"objects/{entry.key} changed while it was being restored (it no longer matches the "
                           "manifest); the restore is incomplete: start again on an empty system") from None
        report.objects += 1
        report.bytes += entry.size
        if progress:
            progress("restoring objects", report.objects, len(wanted))


async def _read(path: Path) -> AsyncIterator[bytes]:
    file = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(file.read, _READ):
            yield chunk
    finally:
        await asyncio.to_thread(file.close)

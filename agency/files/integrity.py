"""`agency storage check`: rows against objects — missing objects, orphan objects, sha256 mismatches."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.files.models import StoredFile

# An object younger than this may belong to an upload whose row is not committed yet.
ORPHAN_GRACE = timedelta(hours=1)
UPLOADED_AT = "uploaded-at"


@dataclass
class IntegrityReport:
    checked_rows: int = 0
    checked_objects: int = 0
    missing: list[tuple[int, str]] = field(default_factory=list)
    mismatched: list[tuple[int, str, str]] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    removed_orphans: int = 0

    @property
    def clean(self) -> bool:
        # An orphan kept by --repair-orphans (younger than ORPHAN_GRACE) is still an orphan.
        return not (self.missing or self.mismatched or len(self.orphans) > self.removed_orphans)


async def check(session: AsyncSession, store: storage.BlobStore, *, repair_orphans: bool = False,
                progress: Callable[[str, int, int | None], None] | None = None) -> IntegrityReport:
    report = IntegrityReport()
    rows = list((await session.execute(select(StoredFile.id, StoredFile.storage_key, StoredFile.sha256,
                                              StoredFile.size).order_by(StoredFile.id))).all())
    known = {row.storage_key for row in rows}
    for row in rows:
        report.checked_rows += 1
        try:
            reader = await store.open(row.storage_key)
        except storage.ObjectNotFound:
            report.missing.append((row.id, row.storage_key))
        else:
            digest = hashlib.sha256()
            async with reader:
                async for chunk in reader:
                    digest.update(chunk)
            if digest.hexdigest() != row.sha256:
                report.mismatched.append((row.id, row.storage_key, digest.hexdigest()))
        if progress:
            progress("rows", report.checked_rows, len(rows))
    cutoff = datetime.now(UTC) - ORPHAN_GRACE
    async for key in store.iter_keys():
        report.checked_objects += 1
        if key in known:
            continue
        report.orphans.append(key)
        if repair_orphans and await _older_than(store, key, cutoff):
            await store.delete(key)
            report.removed_orphans += 1
        if progress:
            progress("objects", report.checked_objects, None)
    return report


def written_now() -> dict[str, str]:
    """Metadata every object written by Agency carries, so that an orphan check run meanwhile does not
    take an object whose row is not committed yet for an old orphan."""
    return {UPLOADED_AT: datetime.now(UTC).isoformat()}


async def _older_than(store: storage.BlobStore, key: str, cutoff: datetime) -> bool:
    # Objects record when they were written in their metadata; one without it predates that.
    info = await store.stat(key)
    stamp = info.metadata.get(UPLOADED_AT) if info.metadata else None
    if stamp:
        try:
            return datetime.fromisoformat(stamp) < cutoff
        except ValueError:
            pass
    return True

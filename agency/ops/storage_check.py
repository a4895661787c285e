"""`agency storage check`: the objects rows refer to (agency/ops/objects.py) against the store — missing
objects, objects whose bytes no longer hash to the recorded sha256, and orphans no row refers to."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency import timeutil
from agency.files.integrity import UPLOADED_AT
from agency.ops.objects import referenced

# An object younger than this may belong to an upload whose row is not committed yet.
ORPHAN_GRACE = timedelta(hours=1)


@dataclass
class IntegrityReport:
    checked_rows: int = 0
    checked_objects: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)  # (which row, key)
    mismatched: list[tuple[str, str, str]] = field(default_factory=list)  # (which row, key, actual sha256)
    orphans: list[str] = field(default_factory=list)
    removed_orphans: int = 0

    @property
    def clean(self) -> bool:
        # An orphan kept by --repair-orphans (younger than ORPHAN_GRACE) is still an orphan.
        return not (self.missing or self.mismatched or len(self.orphans) > self.removed_orphans)


async def check(session: AsyncSession, store: storage.BlobStore, *, repair_orphans: bool = False,
                progress: Callable[[str, int, int | None], None] | None = None) -> IntegrityReport:
    report = IntegrityReport()
    rows = await referenced(session)
    known = {row.key for row in rows}
    for row in rows:
        report.checked_rows += 1
        try:
            reader = await store.open(row.key)
        except storage.ObjectNotFound:
            report.missing.append((row.what, row.key))
        else:
            digest = hashlib.sha256()
            async with reader:
                async for chunk in reader:
                    digest.update(chunk)
            if digest.hexdigest() != row.sha256:
                report.mismatched.append((row.what, row.key, digest.hexdigest()))
        if progress:
            progress("rows", report.checked_rows, len(rows))
    cutoff = timeutil.now() - ORPHAN_GRACE
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

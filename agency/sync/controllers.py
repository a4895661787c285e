from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.accounts.auth import OPEN_TO_INTEGRATION
from agency.schemas import Page, PageNo, PageSize
from agency.sync import decision_files, service
from agency.sync import export as reporting
from agency.sync.models import SYNC_STATUS_NAMES, SyncRecord
from agency.sync.schemas import ApplyIn, DiscardIn, MatchIn, QueuedOut, SyncBatchIn, SyncRecordOut, SyncResultOut
from agency.timeutil import today_local

MAX_BATCH_BYTES = 64 * 1024 * 1024
SyncStatus = Annotated[str | None, QueryParameter(pattern="^(applied|waiting|late|refused|unmatched|discarded)$")]


def record_out(row: SyncRecord) -> SyncRecordOut:
    return SyncRecordOut(
        id=row.id, source=row.source, record_id=row.record_id, investment_code=row.investment_code,
        item_external_code=row.item_external_code, act=row.act, effective_on=row.effective_on, status=row.status,
        status_name=SYNC_STATUS_NAMES[row.status], reason=row.reason, approval_id=row.approval_id,
        received_at=row.received_at, handled_at=row.handled_at, handled_by=row.handled_by,
        officer=row.payload.get("officer"))


class SyncController(Controller):
    path = "/api/sync"
    tags = ["省级系统同步 sync"]

    @post("/records", status_code=200, guards=[require_roles(Role.INTEGRATION, Role.ADMIN)],
          opt={OPEN_TO_INTEGRATION: True}, request_max_body_size=MAX_BATCH_BYTES)
    async def records(self, data: JSONBody[SyncBatchIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession], state: State) -> SyncResultOut:
        """A batch of the provincial system's records, each applied as the department's act; idempotent on
        (source, record_id). Late, refused and unmatched records wait in the review queue. A body is at most
        64 MB: decision documents (base64, ≤ 10 MB each) go in small batches."""
        stored = decision_files.Stored(state.blob_store)
        try:
            outcome = await service.receive(db, actor, data.records, today_local(), stored)
        except BaseException:
            await db.rollback()
            await stored.discard()
            raise
        return SyncResultOut(applied=outcome.applied, unchanged=outcome.unchanged,
                             queued=[QueuedOut(record_id=r, reason=why) for r, why in outcome.queued])

    @get("/queue", guards=[require_roles(Role.ADMIN, Role.CLERK)])
    async def queue(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                    status: SyncStatus = None, page: PageNo = 1, page_size: PageSize = 50) -> Page[SyncRecordOut]:
        """The review queue (waiting, late, refused, unmatched), or the records of one ``status``."""
        rows, total = await service.queue(db, actor, status=status, page=page, page_size=page_size)
        return Page(items=[record_out(r) for r in rows], total=total, page=page, page_size=page_size)

    @post("/queue/{record_id:int}/match", status_code=200, guards=[require_roles(Role.ADMIN, Role.CLERK)])
    async def match(self, record_id: FromPath[int], data: JSONBody[MatchIn], actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> SyncRecordOut:
        """Match a queued record by hand to an approval; it is applied at once if it can be."""
        return record_out(await service.match(db, actor, record_id, data.approval_id, today_local()))

    @post("/queue/{record_id:int}/apply", status_code=200, guards=[require_roles(Role.ADMIN, Role.CLERK)])
    async def apply(self, record_id: FromPath[int], actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                    data: JSONBody[ApplyIn | None] = None) -> SyncRecordOut:
        """Try a queued record again. ``{reason}`` (admin, a ``late`` record): apply it as a correction, dated before
        the approval's later events; the clock is recomputed with the events in date order."""
        return record_out(await service.apply(db, actor, record_id, today_local(), data.reason if data else None))

    @post("/queue/{record_id:int}/discard", status_code=200, guards=[require_roles(Role.ADMIN, Role.CLERK)])
    async def discard(self, record_id: FromPath[int], data: JSONBody[DiscardIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> SyncRecordOut:
        """Put a queued record aside with a reason; it stays on record."""
        return record_out(await service.discard(db, actor, record_id, data.reason))


class ExportController(Controller):
    path = "/api/projects"
    tags = ["省级系统同步 sync"]

    @get("/{project_id:int}/export", guards=[require_roles(Role.ADMIN, Role.CLERK, Role.LEADER)])
    async def export(self, project_id: FromPath[int], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession],
                     format: Annotated[str, QueryParameter(pattern="^gongai$")] = "gongai") -> list[dict[str, Any]]:
        """The dossier's acts in the sync record format (docs/sync-format.md), for reporting to the province."""
        return await reporting.export(db, actor, project_id, format)

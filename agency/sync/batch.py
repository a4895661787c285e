"""What one batch of records reads once instead of once per record: which records are known already, the
dossiers by project code with their approvals and the items' external codes, and which approvals have records
waiting for a predecessor. A record is then matched from memory; only the act itself goes to the database.

Approvals are not made by a sync, so the dossiers and their items read at the start stay true for the batch;
an approval's status, which the batch's own acts change, is never taken from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from agency.approvals.clock import ClockEvent
from agency.approvals.models import Approval
from agency.approvals.queries import Head
from agency.approvals.rules import DROPPED
from agency.catalog.models import CatalogItem
from agency.projects.models import Project
from agency.sync.models import SyncRecord

CHUNK = 1000  # values per IN (…): well under either database's limit on parameters


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


@dataclass(frozen=True, slots=True)
class Candidate:
    approval_id: int
    item_code: str
    external_codes: dict[str, str]

    def named_by(self, source: str, code: str) -> bool:
        return code == self.item_code or self.external_codes.get(source) == code


@dataclass(slots=True)
class Batch:
    # project code → (project id, dossier number); a code no dossier holds is absent
    projects: dict[str, tuple[int, str]] = field(default_factory=dict)
    approvals: dict[int, list[Candidate]] = field(default_factory=dict)  # project id → its approvals, oldest first
    # approvals with records of earlier batches waiting (stored), and this batch's waiting records (in memory)
    stored_waiting: set[int] = field(default_factory=set)
    new_waiting: dict[int, list[SyncRecord]] = field(default_factory=dict)
    # The approvals the batch acted on, held: the session's identity map keeps an object only while something
    # refers to it, and the next record of the same approval then finds it there without a statement.
    held: dict[int, Approval] = field(default_factory=dict)
    # The heads (approval, dossier, department, enterprise, route) and clock events of the approvals the current
    # chunk acted on: the next record of the same approval in the chunk acts without reading them again. Only
    # within one chunk's savepoint: a rolled-back savepoint expires what they hold, so a chunk starts without.
    heads: dict[int, tuple[Head, list[ClockEvent] | None]] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession, codes: Iterable[str]) -> Batch:
        batch = cls()
        wanted = sorted(set(codes))
        for part in chunks(wanted):
            batch.projects |= {c: (i, n) for c, i, n in (await session.execute(
                select(Project.investment_code, Project.id, Project.code)
                .where(Project.investment_code.in_(part)))).all()}
        ids = sorted({i for i, _ in batch.projects.values()})
        for part in chunks(ids):
            for project_id, approval_id, item_code, definition in (await session.execute(
                    select(Approval.project_id, Approval.id, Approval.item_code, CatalogItem.definition)
                    .join(CatalogItem, CatalogItem.id == Approval.catalog_item_id)
                    .where(Approval.project_id.in_(part)).order_by(Approval.id))).all():
                batch.approvals.setdefault(project_id, []).append(
                    Candidate(approval_id, item_code, dict((definition or {}).get("external_codes") or {})))
        batch.stored_waiting = {int(i) for i in (await session.execute(select(SyncRecord.approval_id).where(
            SyncRecord.status == "waiting", SyncRecord.approval_id.is_not(None)).distinct())).scalars() if i}
        return batch

    async def approval_of(self, session: AsyncSession, source: str, code: str,
                          item: str) -> tuple[int | None, str | None]:
        """The approval a record names, or why none: its project by the code, its item by the external code (or
        Agency's own item code); of several approvals of the item, the last one not dropped."""
        project = self.projects.get(code)
        if project is None:
            return None, f"未找到项目代码为 {code} 的项目档案，请核对项目代码或人工匹配事项"
        found = [c.approval_id for c in self.approvals.get(project[0], []) if c.named_by(source, item)]
        if not found:
            return None, f"项目档案 {project[1]} 中没有外部事项编码 {item}（{source}）对应的事项，请人工匹配"
        if len(found) == 1:
            return found[0], None
        statuses: dict[int, str] = {i: st for i, st in (await session.execute(
            select(Approval.id, Approval.status).where(Approval.id.in_(found)))).all()}
        live = [i for i in found if statuses[i] not in DROPPED]
        return (live or found)[-1], None

    async def approval(self, session: AsyncSession, approval_id: int) -> Approval:
        """The session's own copy of the approval: its version and status as this transaction left them (read
        again only if a failed act's savepoint expired it)."""
        self.held[approval_id] = await session.get_one(Approval, approval_id)
        return self.held[approval_id]

    def waits(self, row: SyncRecord) -> None:
        if row.id is None:
            queue = self.new_waiting.setdefault(int(row.approval_id or 0), [])
            if row not in queue:
                queue.append(row)
        else:
            self.stored_waiting.add(int(row.approval_id or 0))

    async def waiting_for(self, session: AsyncSession, approval_id: int) -> list[SyncRecord]:
        """The records waiting on this approval, by date, the stored ones (older) first."""
        stored: list[SyncRecord] = []
        if approval_id in self.stored_waiting:
            stored = list((await session.execute(select(SyncRecord).where(
                SyncRecord.approval_id == approval_id, SyncRecord.status == "waiting")
                .order_by(SyncRecord.effective_on, SyncRecord.id))).scalars())
            if not stored:
                self.stored_waiting.discard(approval_id)
        new = self.new_waiting.get(approval_id, [])
        new[:] = [r for r in new if r.status == "waiting"]
        return sorted([*stored, *new], key=lambda r: r.effective_on)  # stable: the stored first on a day


async def known(session: AsyncSession, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (source, record id) pairs of these that were received before."""
    found: set[tuple[str, str]] = set()
    for part in chunks(sorted(set(keys))):
        found |= {(s, r) for s, r in (await session.execute(select(SyncRecord.source, SyncRecord.record_id).where(
            tuple_(SyncRecord.source, SyncRecord.record_id).in_(part)))).all()}
    return found

"""Records of the provincial systems applied as the departments' own acts.

A record becomes the same service action an officer would take (agency.approvals.service.act): the same
state checks, clock event, audit line, outbox rows and papers, attributed to the record's officer and
naming its source and record id. A record is kept once per (source, record_id): received again, it changes
nothing. What cannot be applied is kept, never lost, in the review queue with its reason in Chinese:
unmatched (no project or item), refused (the state does not allow it), late (dated before the approval's
last event) or waiting (its predecessor has not arrived; it applies by itself once that has).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.approvals import clock_rows
from agency.approvals import service as approvals
from agency.approvals.clock import ClockEvent
from agency.approvals.models import Approval
from agency.approvals.queries import Head, head
from agency.approvals.rules import RULES, STATUS_NAMES
from agency.approvals.schemas import ActionIn, Defect
from agency.audit import service as audit
from agency.db.paging import paginate
from agency.errors import AgencyError, Conflict, Invalid, NotFound
from agency.escalation.models import LEVEL_WORDS, Escalation
from agency.jobs import service as jobs
from agency.notifications import service as outbox
from agency.supervision.rejudge import rejudge
from agency.sync import batch as batching
from agency.sync import decision_files
from agency.sync.models import QUEUED, SyncRecord
from agency.sync.schemas import SyncRecordIn

ACTIONS = {"submitted": "submit", "accepted": "accept", "supplement_requested": "request_supplement",
           "resubmitted": "resubmit", "suspended": "suspend", "resumed": "resume", "extended": "extend",
           "approved": "approve", "rejected": "reject", "refused_intake": "refuse_intake", "withdrawn": "withdraw"}
# How far along the life cycle a state is: an act whose every source state lies further on than the approval's
# state waits for its predecessor; one whose source states the approval has passed is refused.
_STAGE = {"planned": 0, "preparing": 1, "submitted": 2, "accepted": 3, "supplement_requested": 4, "suspended": 4}
CHUNK = 50  # records applied in one savepoint by receive()
# Writes an act makes that a chunk keeps until its end (each module: defer, write_deferred, stop_deferring).
_DEFERRED_WRITES = (clock_rows, outbox, jobs)
_DECISION_BASIS = "以{source}系统出具的决定文书为准"


@dataclass(slots=True)
class Outcome:
    applied: int = 0
    unchanged: int = 0
    queued: list[tuple[str, str]] = field(default_factory=list)


def _payload(record: SyncRecordIn) -> dict[str, Any]:
    """The record as kept (its decision document is stored apart: agency.sync.decision_files)."""
    return {k: v for k, v in msgspec.to_builtins(record).items() if v is not None and k != "decision_file"}


async def receive(session: AsyncSession, actor: Actor, records: list[SyncRecordIn], today: date,
                  stored: decision_files.Stored) -> Outcome:
    """A batch from an outside system: each record applied, found unchanged, or queued with its reason.
    ``stored``: where the records' decision documents go (the caller discards them if it does not commit).

    Each record is applied as its own act, in order; what the batch only needs to know once (the known
    records, the dossiers and items they name, what waits) is read once (agency.sync.batch), and the
    records themselves are written together at the end, with what became of them."""
    actor.require(Role.INTEGRATION, Role.ADMIN)
    outcome = Outcome()
    seen = await batching.known(session, [(r.source, r.record_id) for r in records])
    fresh = []
    for record in records:
        if (record.source, record.record_id) in seen:
            outcome.unchanged += 1
            continue
        seen.add((record.source, record.record_id))
        fresh.append(record)
    batch = await batching.Batch.load(session, (r.investment_code.strip() for r in fresh))
    received: list[SyncRecord] = []
    for record in fresh:
        payload = _payload(record)
        if record.decision_file is not None:
            payload["decision_file"] = await decision_files.receive(
                session, stored, record.act, record.decision_file, record.record_id)
        row = SyncRecord(source=record.source, record_id=record.record_id,
                         investment_code=record.investment_code.strip(),
                         item_external_code=record.item_external_code.strip(), act=record.act,
                         effective_on=record.effective_on, payload=payload, status="waiting",
                         received_at=timeutil.now())
        received.append(row)
    for start in range(0, len(received), CHUNK):
        # A chunk writes each approval's clock row once, and its acts' messages and jobs together, at its end.
        for deferred in _DEFERRED_WRITES:
            deferred.defer(session)
        try:
            await _apply_chunk(session, batch, received[:start + CHUNK], received[start:start + CHUNK], today)
            for deferred in _DEFERRED_WRITES:
                await deferred.write_deferred(session)
        finally:
            for deferred in _DEFERRED_WRITES:
                deferred.stop_deferring(session)
    session.add_all(received)
    await session.flush()
    # Counted at the end: a record that waited for a later one of the same batch was applied with it.
    for row in received:
        if row.status == "applied":
            outcome.applied += 1
        else:
            outcome.queued.append((row.record_id, row.reason or ""))
    await audit.record(session, actor, "sync.receive", "sync_batch", None, after={
        "records": len(records), "applied": outcome.applied, "unchanged": outcome.unchanged,
        "queued": len(outcome.queued)})
    return outcome


async def _settle(session: AsyncSession, batch: batching.Batch, row: SyncRecord, today: date, *,
                  guarded: bool = True, correction: str | None = None) -> None:
    """Applies the record if it can be (as the admin's correction, if given), then whatever waited for it."""
    await _try(session, batch, row, today, guarded=guarded, correction=correction)
    while row.status == "applied" and row.approval_id is not None:
        if not await _release_waiting(session, batch, row.approval_id, today, guarded):
            return


async def _release_waiting(session: AsyncSession, batch: batching.Batch, approval_id: int, today: date,
                           guarded: bool) -> bool:
    """Applies one record that waited for its predecessor on this approval, if one now can be."""
    for row in await batch.waiting_for(session, approval_id):
        await _try(session, batch, row, today, guarded=guarded)
        if row.status == "applied":
            return True
    return False


async def _apply_chunk(session: AsyncSession, batch: batching.Batch, received: list[SyncRecord],
                       part: list[SyncRecord], today: date) -> None:
    """The records of ``part`` (the last of ``received``) in one savepoint: one SAVEPOINT, one RELEASE and one
    chaining of their audit lines instead of one each. Should an act fail, the chunk is undone, the records
    of the batch are put back as they were, and the chunk is redone one savepoint per record, as a single
    record is: the one that fails is then queued with its reason and the others apply."""
    before = [(r.status, r.reason, r.approval_id, r.handled_at) for r in received]
    pending, stored_waiting = _pending(session), set(batch.stored_waiting)
    batch.heads.clear()
    try:
        async with session.begin_nested():
            for row in part:
                await _settle(session, batch, row, today, guarded=False)
        return
    except AgencyError:
        _forget_since(session, pending)
    finally:
        batch.heads.clear()
    batch.stored_waiting = stored_waiting
    for row, (status, reason, approval_id, handled_at) in zip(received, before, strict=True):
        row.status, row.reason, row.approval_id, row.handled_at = status, reason, approval_id, handled_at
        if status == "waiting" and approval_id is not None:
            batch.waits(row)
    for row in part:
        await _settle(session, batch, row, today)


def _queue(row: SyncRecord, status: str, reason: str) -> None:
    row.status, row.reason = status, reason


def _action_of(row: SyncRecord, version: int, file_ids: list[int] | None) -> ActionIn:
    given = row.payload
    action = ACTIONS[row.act]
    defects = [Defect(material_code=d["material_code"], defect=d["defect"]) for d in given.get("defects") or []]
    legal_basis = _DECISION_BASIS.format(source=row.source) if action in ("reject", "refuse_intake") else None
    return ActionIn(action=action, version=version, effective_on=row.effective_on, reason=given.get("reason"),
                    certificate_no=given.get("certificate_no"), days=given.get("days"), kind=given.get("kind"),
                    missing_materials=given.get("missing_materials") or (
                        [d.material_code for d in defects] if action == "request_supplement" else None),
                    defects=defects or None, legal_basis=legal_basis, decision_file_ids=file_ids,
                    note=f"{row.source}系统记录 {row.record_id}")


def _origin(row: SyncRecord, correction: str | None) -> dict[str, str]:
    """Named in the act's audit line; ``correction``: the admin's reason for applying a late record (the act may
    then be dated before the approval's previous event)."""
    return {"source": row.source, "record_id": row.record_id} | ({"correction": correction} if correction else {})


def _actor_of(row: SyncRecord, department_code: str) -> Actor:
    """The record's officer, acting through the outside system (the audit line names both)."""
    officer = str(row.payload.get("officer") or "未署名经办人")
    return Actor(user_id=None, username=f"{officer}@{row.source}"[:64], role=Role.INTEGRATION,
                 department_code=department_code)


async def _try(session: AsyncSession, batch: batching.Batch, row: SyncRecord, today: date, *,
               guarded: bool = True, correction: str | None = None) -> None:
    """One attempt at applying the record, in a savepoint: what fails leaves nothing behind but its reason.
    ``guarded=False``: the caller's savepoint is the record's; an act that fails raises."""
    if row.approval_id is None:
        row.approval_id, unmatched = await batch.approval_of(session, row.source, row.investment_code,
                                                             row.item_external_code)
        if row.approval_id is None:
            _queue(row, "unmatched", unmatched or "")
            return
    document = row.payload.get("decision_file") or {}
    if decision_files.REFUSED in document:
        _queue(row, "refused", str(document[decision_files.REFUSED]))
        return
    approval = await batch.approval(session, row.approval_id)
    action = ACTIONS[row.act]
    prepare_first = action == "submit" and approval.status == "planned"
    if approval.status not in RULES[action].sources and not prepare_first:
        ahead = min(_STAGE.get(s, 9) for s in RULES[action].sources) > _STAGE.get(approval.status, 9)
        _queue(row, "waiting" if ahead else "refused",
               f"事项当前状态为“{STATUS_NAMES[approval.status]}”，"
               + ("等待前序记录到达后自动应用" if ahead else f"不能应用“{row.act}”记录，请复核"))
        if ahead:
            batch.waits(row)
        return
    if not guarded:  # inside a chunk's savepoint (receive): a failure undoes the chunk, which is then redone
        await _act(session, row, approval, today, None, batch.heads)
        row.status, row.reason, row.handled_at = "applied", None, timeutil.now()
        return
    pending = _pending(session)
    try:
        async with session.begin_nested():
            await _act(session, row, approval, today, correction)
    except AgencyError as error:
        _forget_since(session, pending)
        late = isinstance(error, Invalid) and "早于" in error.detail and any(
            isinstance(e, dict) and e.get("field") == "effective_on" for e in error.extra or [])
        if correction:  # stays late: the admin may discard it
            _queue(row, "late", f"作为更正仍无法应用：{error.detail}")
        else:
            _queue(row, "late" if late else "refused",
                   "记录日期早于该事项上一次办理记录，须由管理员更正或弃用" if late else f"无法应用：{error.detail}")
        return
    row.status, row.reason, row.handled_at = "applied", None, timeutil.now()


async def _act(session: AsyncSession, row: SyncRecord, approval: Approval, today: date,
               correction: str | None, heads: dict[int, tuple[Head, list[ClockEvent] | None]] | None = None) -> None:
    """The department's act the record reports (a planned approval prepared first: the provincial system
    declared it straight away), with its decision document. ``heads``: the approvals' heads and clock events
    as the acts of this savepoint left them (every record's actor has the integration role and the approval's
    department, so what the head's visibility check let through for one record it lets through for the next),
    kept for the next."""
    actor, origin, version = _actor_of(row, approval.department_code), _origin(row, correction), approval.version
    known, events = None, None
    if heads is not None:
        known, events = heads.get(approval.id) or (await head(
            session, actor, approval.id, with_actor=True, for_decision=ACTIONS[row.act] == "approve"), None)
    if ACTIONS[row.act] == "submit" and approval.status == "planned":
        prepared = await approvals.act(session, actor, approval.id, ActionIn(
            action="prepare", version=version, effective_on=row.effective_on), today, origin=origin, known=known,
            known_events=events)
        version, events = prepared.approval.version, prepared.events
    file_ids = await decision_files.attach(session, approval.id, row.payload.get("decision_file") or {})
    acted = await approvals.act(session, actor, approval.id, _action_of(row, version, file_ids), today,
                                origin=origin, known=known, known_events=events)
    if heads is not None and known is not None:  # a later decision reads its own facts (fees may change)
        heads[approval.id] = (replace(known, decision=None), list(acted.events))


def _pending(session: AsyncSession) -> dict[str, int]:
    """How long the lines queued for the commit (audit, jobs) are before a savepoint."""
    return {key: len(value) for key, value in session.info.items() if isinstance(value, list)}


def _forget_since(session: AsyncSession, pending: dict[str, int]) -> None:
    """Lines queued for the commit by what a rolled-back savepoint did go with it."""
    for key, count in pending.items():
        if isinstance(lines := session.info.get(key), list):
            del lines[count:]


async def queue(session: AsyncSession, actor: Actor, *, status: str | None, page: int,
                page_size: int) -> tuple[list[SyncRecord], int]:
    """The review queue (or every record of one status, ``applied`` and ``discarded`` too)."""
    actor.require(Role.ADMIN, Role.CLERK)
    query = select(SyncRecord).where(SyncRecord.status == status if status else SyncRecord.status.in_(QUEUED))
    return await paginate(session, query, order_by=SyncRecord.id.desc(), page=page, page_size=page_size)


async def counts(session: AsyncSession, actor: Actor) -> dict[str, int]:
    actor.require(Role.ADMIN, Role.CLERK)
    return {s: n for s, n in (await session.execute(
        select(SyncRecord.status, func.count()).group_by(SyncRecord.status))).all()}


async def _queued(session: AsyncSession, actor: Actor, record_id: int) -> SyncRecord:
    actor.require(Role.ADMIN, Role.CLERK)
    row = (await session.execute(select(SyncRecord).where(SyncRecord.id == record_id)
                                 .with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound("同步记录不存在（not found）")
    if row.status not in QUEUED:
        raise Conflict(f"该记录已{'应用' if row.status == 'applied' else '弃用'}，不在复核队列中（not queued）")
    return row


async def match(session: AsyncSession, actor: Actor, record_id: int, approval_id: int, today: date) -> SyncRecord:
    """The clerk names the approval an unmatched record is about; it is then applied as any record."""
    row = await _queued(session, actor, record_id)
    if await session.get(Approval, approval_id) is None:
        raise Invalid("审批事项不存在（approval_id）", field="approval_id")
    before = {"status": row.status, "approval_id": row.approval_id}
    row.approval_id, row.handled_by = approval_id, actor.username
    await _settle(session, await batching.Batch.load(session, [row.investment_code]), row, today)
    await audit.record(session, actor, "sync.match", "sync_record", row.id, before=before,
                       after={"status": row.status, "approval_id": approval_id})
    return row


async def apply(session: AsyncSession, actor: Actor, record_id: int, today: date,
                correction: str | None = None) -> SyncRecord:
    """Tries a queued record again (after the dossier was put right, or its predecessor arrived). A late record
    with ``correction`` (the admin's reason): applied with its own date although the approval has later events
    — the clock reads the events in date order and is recomputed; a history that does not hold together (the
    clock stopped before it started…) is refused with the reason and nothing changes."""
    row = await _queued(session, actor, record_id)
    if correction is not None:
        actor.require(Role.ADMIN)
        if row.status != "late":
            raise Conflict("只有日期早于上次办理的记录（late）才作为更正应用（not a late record）", field="reason")
        if len(correction.strip()) < 2:
            raise Invalid("作为更正应用须说明理由（reason）", field="reason")
    before = {"status": row.status}
    row.handled_by = actor.username
    await _settle(session, await batching.Batch.load(session, [row.investment_code]), row, today,
                  correction=correction.strip() if correction else None)
    if correction is not None and row.status == "applied" and row.approval_id is not None:
        # The act now stands before later ones: a firing made on the history as it was may not hold.
        said = f"管理员更正补录{row.source}系统记录 {row.record_id}（{correction.strip()}）后重新核算"
        await rejudge(session, actor, Escalation.approval_id == row.approval_id,
                      lambda e: f"{said}，{e.as_of.isoformat()} 不构成“{LEVEL_WORDS[e.level]}”，撤销该次预警")
    await audit.record(session, actor, "sync.correct" if correction else "sync.apply", "sync_record", row.id,
                       before=before, after={"status": row.status, "reason": row.reason}
                       | ({"correction": correction.strip()} if correction else {}))
    return row


async def discard(session: AsyncSession, actor: Actor, record_id: int, reason: str) -> SyncRecord:
    row = await _queued(session, actor, record_id)
    if len(reason.strip()) < 2:
        raise Invalid("弃用须说明理由（reason）", field="reason")
    before = {"status": row.status}
    row.status, row.reason = "discarded", reason.strip()
    row.handled_at, row.handled_by = timeutil.now(), actor.username
    await session.flush()
    await audit.record(session, actor, "sync.discard", "sync_record", row.id, before=before,
                       after={"status": "discarded", "reason": row.reason})
    return row

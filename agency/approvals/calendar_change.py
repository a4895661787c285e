"""A change of the working calendar, as it moves the clocks: previewed, then made, then followed.

The calendar's own rows change at once (agency/calendar/service.py); the clocks it moves are
recomputed after the commit, a batch at a time, by a background job (``recompute``) whose progress
``GET /api/jobs/{id}`` shows. Nothing waits for them: until a clock row is recomputed, readers see
that it is stale (its calendar revision, and a changed date among the dates it depends on) and read
that clock through the pure function instead. The approvals acted on meanwhile write their rows with
the new calendar themselves. The job computes each batch's rows without a lock (``prepare_batch``),
then takes the batch's approvals in id order under a row lock, as every writer of a clock does, and
writes only the rows nobody rewrote meanwhile (``write_batch``): the lock is held for three
statements, not for the computation, so no writer waits on a batch for long, and no batch overwrites
what an action has just written (a row skipped stays stale and is taken again by the next batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.approvals import clock_rows
from agency.approvals.clock import ClockError, compute_clock
from agency.approvals.clock_sql import stale
from agency.approvals.clocks import events_of, promised_of, statutory_of
from agency.approvals.models import Approval, ApprovalClock
from agency.calendar import service as calendar_service
from agency.jobs import service as jobs
from agency.jobs.models import Job
from agency.projects.models import Project

RECOMPUTE_CLOCKS = "clocks.recompute"
# Approvals a recompute batch locks at once. An action on one of them waits for the batch: its events are read
# and its clocks computed under the lock (the calendar and routes are read before it), a few ms per approval.
BATCH = 25
PREVIEW_LIMIT = 500


@dataclass(frozen=True, slots=True)
class MovedClock:
    approval_id: int
    project_id: int
    project_code: str
    project_name: str
    item_name: str
    department_code: str
    due_on: date | None
    new_due_on: date | None
    statutory_due_on: date | None
    new_statutory_due_on: date | None


@dataclass(frozen=True, slots=True)
class Preview:
    checked: int  # open clocks whose dates lie around the day
    moved: list[MovedClock]  # at most PREVIEW_LIMIT of them, most affected dossiers first
    total_moved: int


async def preview(session: AsyncSession, actor: Actor, day: date, workday: bool, note: str, today: date) -> Preview:
    """Which open clocks' due dates the change would move, and where to; nothing is written."""
    actor.require(Role.ADMIN)
    calendar_service.check_range(day, "date")
    calendar = await calendar_service.get_calendar(session)
    changed = calendar_service.with_override(calendar, day, workday, note)
    candidates = list((await session.execute(
        select(ApprovalClock.approval_id).where(ApprovalClock.accepted_on <= day, or_(
            ApprovalClock.horizon_on.is_(None), ApprovalClock.horizon_on >= day))
        .order_by(ApprovalClock.approval_id))).scalars())
    moved: list[MovedClock] = []
    for start in range(0, len(candidates), 1000):
        batch = candidates[start:start + 1000]
        events = await events_of(session, batch)
        rows = (await session.execute(select(Approval, Project).join(Project, Project.id == Approval.project_id)
                                      .where(Approval.id.in_(batch)).order_by(Approval.id))).all()
        for approval, project in rows:
            own = events.get(approval.id, [])
            promised, statutory = promised_of(approval.snapshot), statutory_of(approval.snapshot)
            try:
                was = compute_clock(promised, statutory, own, max(today, max(e.on for e in own)), calendar)
                will = compute_clock(promised, statutory, own, max(today, max(e.on for e in own)), changed)
            except (ClockError, ValueError):
                continue
            if (was.due_on, was.statutory_due_on) != (will.due_on, will.statutory_due_on):
                moved.append(MovedClock(approval.id, project.id, project.code, project.name, approval.name,
                                        approval.department_code, was.due_on, will.due_on, was.statutory_due_on,
                                        will.statutory_due_on))
    return Preview(len(candidates), moved[:PREVIEW_LIMIT], len(moved))


async def change_day(session: AsyncSession, actor: Actor, day: date, workday: bool, note: str) -> Job:
    """Makes the change and asks for the recompute of the clocks it moves (after the commit)."""
    change = await calendar_service.set_day(session, actor, day, workday, note)
    return await jobs.enqueue(session, RECOMPUTE_CLOCKS, {"revision": change.revision, "days": [
        d.isoformat() for d in change.days]}, actor=actor)


async def after_import(session: AsyncSession, actor: Actor, change: calendar_service.Change) -> Job:
    """After a year's official schedule was imported: the clocks it moves, recomputed likewise."""
    return await jobs.enqueue(session, RECOMPUTE_CLOCKS, {"revision": change.revision, "days": [
        d.isoformat() for d in change.days]}, actor=actor)


async def stale_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(ApprovalClock).where(stale()))).scalar_one())


@dataclass(slots=True)
class Batch:
    """A batch of stale clock rows recomputed without a lock: each approval's version as it was read, and its
    new row (None: its clock has stopped, the row goes)."""

    revision: int
    versions: dict[int, int] = field(default_factory=dict)
    rows: dict[int, dict[str, Any] | None] = field(default_factory=dict)


async def prepare_batch(session: AsyncSession, today: date) -> Batch | None:
    """The next batch of stale clock rows, recomputed with the current calendar; None when none is stale.
    Takes no lock: it runs in a transaction of its own before ``write_batch``."""
    ids = list((await session.execute(select(ApprovalClock.approval_id).where(stale())
                                      .order_by(ApprovalClock.approval_id).limit(BATCH))).scalars())
    if not ids:
        return None
    calendar, revision, routes = await clock_rows.context_of(session, trust_calendar=False, committed=True)
    batch = Batch(revision)
    rows = (await session.execute(select(Approval, Project).join(Project, Project.id == Approval.project_id)
                                  .where(Approval.id.in_(ids)))).all()
    events = await events_of(session, ids)
    for approval, project in rows:
        batch.versions[approval.id] = approval.version
        batch.rows[approval.id] = clock_rows.row_values(
            clock_rows.Owner.of(approval, project, routes.get(project.route_id)), events.get(approval.id, []),
            calendar, revision, today)
    for gone in set(ids) - set(batch.versions):  # its approval was removed from the plan meanwhile
        batch.versions[gone], batch.rows[gone] = -1, None
    return batch


async def write_batch(session: AsyncSession, batch: Batch) -> int:
    """Writes the prepared rows under the approvals' locks, skipping an approval acted on since it was read
    (its version moved) and a row already rewritten with this calendar; how many rows it replaced."""
    ids = sorted(batch.versions)
    # Approvals first, in id order, as every writer of a clock row (an action, the green channel) takes them.
    locked = dict((await session.execute(select(Approval.id, Approval.version).where(Approval.id.in_(ids))
                                         .order_by(Approval.id).with_for_update())).tuples().all())
    untouched = [i for i in ids if locked.get(i, -1) == batch.versions[i]]
    if not untouched:
        return 0
    replaced = set((await session.execute(delete(ApprovalClock).where(
        ApprovalClock.approval_id.in_(untouched), ApprovalClock.calendar_revision < batch.revision)
        .returning(ApprovalClock.approval_id))).scalars())
    keep = [row for i in sorted(replaced) if (row := batch.rows[i]) is not None]
    if keep:
        await session.execute(insert(ApprovalClock), keep)
    return len(replaced)


async def recompute_batch(session: AsyncSession, today: date) -> int:
    """Both steps in one transaction (a caller that holds no other lock and wants one call); how many rows it
    looked at."""
    batch = await prepare_batch(session, today)
    if batch is None:
        return 0
    await write_batch(session, batch)
    return len(batch.versions)

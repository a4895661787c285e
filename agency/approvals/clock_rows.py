"""Writing the clock rows (``ApprovalClock``): by whoever changes a clock, explicitly, in its transaction.

``write`` is called with the approval's events as they stand after the change; it reduces them with the
pure function (``clock.clock_constants``), keys the row for today's worklist, and writes it in one
statement (or deletes it when the clock has not started or has stopped). ``rewrite`` does the same for
approvals whose clocks it reads from the database (the green-channel decision, the calendar's
recompute, ``agency clocks rebuild``); ``differences`` is the diagnostic of ``agency clocks check``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from agency.approvals.clock import ClockError, ClockEvent, clock_constants, compute_clock
from agency.approvals.clocks import events_of, promised_of, statutory_of, thresholds_of
from agency.approvals.models import Approval, ApprovalClock, ClockEventRow
from agency.approvals.urgency import sort_key
from agency.calendar.service import calendar_and_revision
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import Route
from agency.db import upsert
from agency.projects.models import Project

COLUMNS = ("approval_id", "project_id", "department_code", "status", "route_id", "green", "readable", "state", "unit",
           "allowed", "accepted_on", "paused_on", "due_on", "statutory_due_on", "anchor_on", "remaining_at_anchor",
           "used_at_anchor", "horizon_on", "calendar_revision", "key_day", "key_rank", "key_remaining")
# What a row says of its clock: the rest is when it was computed (the calendar revision) and the key of a day.
COMPARED = COLUMNS[:18]
_BATCH = 500


@dataclass(frozen=True, slots=True)
class Owner:
    """What a clock row copies from its approval and dossier, and the thresholds its worklist key is made with."""

    approval_id: int
    project_id: int
    department_code: str
    status: str
    route_id: int
    green: bool
    snapshot: Mapping[str, Any]
    route_definition: Mapping[str, Any] | None

    @classmethod
    def of(cls, approval: Approval, project: Project, route_definition: Mapping[str, Any] | None) -> Owner:
        return cls(approval.id, project.id, approval.department_code, approval.status, project.route_id,
                   project.green_channel_status == "approved", approval.snapshot, route_definition)


def row_values(owner: Owner, events: Sequence[ClockEvent], calendar: WorkCalendar, revision: int,
               today: date) -> dict[str, Any] | None:
    """The row of a clock that runs or is paused; None for one that has not started or has stopped."""
    base: dict[str, Any] = {
        "approval_id": owner.approval_id, "project_id": owner.project_id, "department_code": owner.department_code,
        "status": owner.status, "route_id": owner.route_id, "green": owner.green, "calendar_revision": revision}
    promised, statutory = promised_of(owner.snapshot), statutory_of(owner.snapshot)
    try:
        constants = clock_constants(promised, statutory, events, calendar)
    except ClockError:
        # Kept for the readers to hand to the pure function, which says what is wrong (409).
        return {**base, **dict.fromkeys(COLUMNS[7:18]), "readable": False, "key_day": None, "key_rank": None,
                "key_remaining": None}
    if constants is None:
        return None
    key: tuple[int | None, int | None] = (None, None)
    if constants.anchor_on <= today:
        state = compute_clock(promised, statutory, events, today, calendar, green_channel=owner.green,
                              thresholds=thresholds_of(owner.route_definition, owner.green))
        rank, remaining, _ = sort_key(owner.approval_id, state)
        key = (rank, remaining)
    return {**base, "readable": True, "state": constants.state, "unit": constants.unit,
            "allowed": constants.allowed, "accepted_on": constants.accepted_on, "paused_on": constants.paused_on,
            "due_on": constants.due_on, "statutory_due_on": constants.statutory_due_on,
            "anchor_on": constants.anchor_on, "remaining_at_anchor": constants.remaining_at_anchor,
            "used_at_anchor": constants.used_at_anchor, "horizon_on": constants.horizon_on,
            "key_day": today if key[0] is not None else None, "key_rank": key[0], "key_remaining": key[1]}


_upserts: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    """One INSERT … ON CONFLICT DO UPDATE per dialect, built once, and compiled once (agency.db.upsert: compiling
    one costs more than running it for one row)."""
    statement = _upserts.get(dialect)
    if statement is None:
        base = upsert.insert_for(dialect, ApprovalClock)
        statement = base.on_conflict_do_update(index_elements=[ApprovalClock.approval_id],
                                               set_={name: base.excluded[name] for name in COLUMNS[1:]})
        _upserts[dialect] = statement
    return statement


_DEFERRED = "clock_rows_deferred"


def defer(session: AsyncSession) -> None:
    """Until ``write_deferred``, ``store`` keeps the rows in the session instead of writing each: a caller that
    acts many times in a row (agency.sync, a chunk of records, several of one approval) writes each approval's
    last row once, the rows of a kind in one statement. Nothing in the acts reads the rows; a list, so that a
    rolled-back savepoint's rows go with it (agency.sync.service._forget_since)."""
    session.info.setdefault(_DEFERRED, [])


async def write_deferred(session: AsyncSession) -> None:
    """Writes what ``store`` kept since ``defer`` (each approval's last row), and stops keeping."""
    last: dict[int, dict[str, Any] | None] = dict(session.info.pop(_DEFERRED, None) or [])
    removed = sorted(i for i, values in last.items() if values is None)
    for start in range(0, len(removed), _BATCH):
        await session.execute(delete(ApprovalClock).where(ApprovalClock.approval_id.in_(removed[start:start + _BATCH])))
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in last.values():
        if values is not None:
            by_columns.setdefault(tuple(sorted(values)), []).append(values)
    for rows in by_columns.values():
        await session.execute(_upsert(session.get_bind().dialect.name), rows)


def stop_deferring(session: AsyncSession) -> None:
    """Forgets what ``store`` kept (the caller's transaction failed)."""
    session.info.pop(_DEFERRED, None)


async def store(session: AsyncSession, approval_id: int, values: dict[str, Any] | None) -> None:
    """Writes (or, for ``None``, removes) the row of one approval: one statement (or keeps it: ``defer``)."""
    if (deferred := session.info.get(_DEFERRED)) is not None:
        deferred.append((approval_id, values))
        return
    if values is None:
        await session.execute(delete(ApprovalClock).where(ApprovalClock.approval_id == approval_id))
    else:
        await session.execute(_upsert(session.get_bind().dialect.name), [values])


async def write(session: AsyncSession, owner: Owner, events: Sequence[ClockEvent], calendar: WorkCalendar,
                revision: int, today: date) -> None:
    await store(session, owner.approval_id, row_values(owner, events, calendar, revision, today))


async def rewrite(session: AsyncSession, condition: ColumnElement[bool], today: date, *,
                  only_ids: Sequence[int] | None = None, trust_calendar: bool = True,
                  context: tuple[WorkCalendar, int, dict[int, Any]] | None = None) -> int:
    """Recomputes from their events the rows of the approvals that meet ``condition`` (on Approval) and have
    clock events (or the approvals ``only_ids``), a batch at a time; how many approvals it looked at.
    ``context`` (the calendar, its revision and the routes' definitions, from ``context_of``) spares a caller
    that holds locks the time of reading them."""
    calendar, revision, routes = context or await context_of(session, trust_calendar=trust_calendar)
    # The approvals that may have a clock: those with clock events.
    ids_query = (select(Approval.id).where(condition, Approval.id.in_(select(ClockEventRow.approval_id)))
                 .order_by(Approval.id))
    ids = list(only_ids) if only_ids is not None else list((await session.execute(ids_query)).scalars())
    for start in range(0, len(ids), _BATCH):
        batch = ids[start:start + _BATCH]
        rows = (await session.execute(select(Approval, Project).join(Project, Project.id == Approval.project_id)
                                      .where(Approval.id.in_(batch)))).all()
        events = await events_of(session, batch)
        keep: list[dict[str, Any]] = []
        for approval, project in rows:
            values = row_values(Owner.of(approval, project, routes.get(project.route_id)), events.get(approval.id, []),
                                calendar, revision, today)
            if values is not None:
                keep.append(values)
        await session.execute(delete(ApprovalClock).where(ApprovalClock.approval_id.in_(batch)))
        if keep:
            await session.execute(insert(ApprovalClock), keep)
    return len(ids)


async def context_of(session: AsyncSession, *, trust_calendar: bool = True,
                     committed: bool = False) -> tuple[WorkCalendar, int, dict[int, Any]]:
    calendar, revision = await calendar_and_revision(session, trust=trust_calendar, committed=committed)
    return calendar, revision, {r.id: r.definition for r in (await session.execute(select(Route))).scalars()}


async def rebuild(session: AsyncSession, today: date) -> int:
    """Every clock row of the book, from the events (migration 0012, ``agency clocks rebuild``)."""
    await session.execute(delete(ApprovalClock))
    return await rewrite(session, literal(True), today)


async def differences(session: AsyncSession, today: date) -> int:
    """How many clock rows differ from what their events give now (missing, extra or changed rows); the keys and
    the calendar revision are left out of the comparison (the day and the calendar they were made with)."""
    calendar, revision = await calendar_and_revision(session)
    routes = {r.id: r.definition for r in (await session.execute(select(Route))).scalars()}
    stored = {row.approval_id: row for row in (await session.execute(select(ApprovalClock))).scalars()}
    ids = list((await session.execute(select(func.distinct(ClockEventRow.approval_id)))).scalars())
    count = 0
    seen: set[int] = set()
    for start in range(0, len(ids), _BATCH):
        batch = ids[start:start + _BATCH]
        rows = (await session.execute(select(Approval, Project).join(Project, Project.id == Approval.project_id)
                                      .where(Approval.id.in_(batch)))).all()
        events = await events_of(session, batch)
        for approval, project in rows:
            seen.add(approval.id)
            values = row_values(Owner.of(approval, project, routes.get(project.route_id)), events.get(approval.id, []),
                                calendar, revision, today)
            row = stored.get(approval.id)
            if values is None or row is None:
                count += (values is None) != (row is None)
                continue
            count += any(getattr(row, name) != values[name] for name in COMPARED)
    count += sum(1 for approval_id in stored if approval_id not in seen)
    return count


def rebuild_with(connection: Connection, today: date) -> int:
    """``rebuild`` on a synchronous connection (a migration's): every clock row of the book, from the events."""
    from agency.calendar import seed
    from agency.calendar.models import CalendarDay, CalendarRevision
    from agency.calendar.service import RANGE_END, RANGE_START
    from agency.calendar.workdays import DayOverride

    overrides = [DayOverride(r.day, r.workday, r.source, r.note)
                 for r in connection.execute(select(CalendarDay)).all()]
    calendar = seed.calendar_from_overrides(overrides, RANGE_START, RANGE_END)
    revision = connection.execute(select(CalendarRevision.revision)).scalar() or 0
    routes = {route_id: definition for route_id, definition in connection.execute(select(Route.id, Route.definition))}
    ids = list(connection.execute(select(ClockEventRow.approval_id).distinct().order_by(ClockEventRow.approval_id))
               .scalars())
    connection.execute(delete(ApprovalClock))
    with Session(bind=connection) as session:
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            events: dict[int, list[ClockEvent]] = {}
            for row in session.execute(select(ClockEventRow).where(ClockEventRow.approval_id.in_(batch))
                                       .order_by(ClockEventRow.approval_id, ClockEventRow.id)).scalars():
                events.setdefault(row.approval_id, []).append(ClockEvent(row.kind, row.on, row.days))  # type: ignore[arg-type]
            keep = []
            # Named columns, not the entities: a later revision's columns do not exist yet when this runs.
            for owned in session.execute(select(
                    Approval.id, Approval.department_code, Approval.status, Approval.snapshot, Project.id,
                    Project.route_id, Project.green_channel_status).join(
                    Project, Project.id == Approval.project_id).where(Approval.id.in_(batch))).all():
                approval_id, department, status, snapshot, project_id, route_id, green = owned
                owner = Owner(approval_id, project_id, department, status, route_id, green == "approved", snapshot,
                              routes.get(route_id))
                values = row_values(owner, events.get(approval_id, []), calendar, revision, today)
                if values is not None:
                    keep.append(values)
            if keep:
                connection.execute(insert(ApprovalClock), keep)
            session.expunge_all()
    return len(ids)

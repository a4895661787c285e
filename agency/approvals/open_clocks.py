"""Keeping the open clocks (``OpenClock``) in step with every write, so that the worklist and the
escalation sweep read one narrow row per running or paused clock instead of sorting and summing every
clock event of the book on each request. The rows are what ``clock_sql.reduction`` computes from the
clock events, the approval's promised limit, status and department, its project's route and green
channel, and the working calendar — none of it depends on the day asked for.

When they are refreshed:
* at commit, by session hooks, for whatever any service wrote in the transaction: a clock event added,
  changed or deleted; an approval's status, department, project or snapshot changed; a project's
  green channel or route changed — through the unit of work or an ORM ``insert``/``update``/``delete``
  statement on those classes (SQL text, and statements on the bare tables, are the caller's to
  follow with ``refresh``). A reader of the open clocks inside a transaction that wrote some calls
  ``settle`` first;
* by the calendar service when a day changes: the clocks of open approvals (their due dates may lie
  after the day) and any other with an event on or after it;
* wholesale by ``rebuild`` (migration 0011, ``agency clocks rebuild``, the benchmark seed).

Each refreshed row also gets the worklist's key for today (level rank, remaining working days,
``urgency.rekeyed``), and the sweep keys every row for each new day (``rekey``); a route whose
thresholds change has its clocks' keys recomputed at commit.

Refreshing at commit, after the transaction's own statements, keeps the row locks in one order
(approvals and projects first, open clocks last): a green-channel decision and an action on one of
the project's approvals otherwise deadlock. On PostgreSQL a refresh also holds, until its commit, a
transaction lock per approval it refreshes (all of a project's, for a project), taken in id order,
so two refreshes of the same clock never interleave — the second computes from what the first
committed — while refreshes of different clocks run side by side; a wholesale one (the calendar) holds
the open clocks' lock exclusively.

A clock that stopped cleanly has no row (a finished approval has no urgency); a sequence the reduction
cannot read keeps a row with ``readable`` false, so the reader hands it to the pure function.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Delete,
    Insert,
    Update,
    bindparam,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, attributes
from sqlalchemy.sql.elements import ColumnElement

from agency.approvals.clock_sql import COLUMNS, reduction
from agency.approvals.models import ClockEventRow, OpenClock
from agency.approvals.rules import OPEN_STATES
from agency.catalog.models import Route
from agency.projects.models import Approval, Project
from agency.timeutil import today_local

# Any constant works: it names the open clocks among PostgreSQL advisory locks. A wholesale refresh (the
# calendar, a rebuild) holds it exclusively; a refresh of some approvals holds it shared, plus one lock
# per approval (in id order, so two of them never wait on each other in a circle).
_LOCK_SPACE = 0x4F50434C
_MANY = 500  # more approvals than this in one refresh: the exclusive lock rather than one lock each
_LOCK_EACH = text("""SELECT count(pg_advisory_xact_lock(:space, CAST(id % 2147483647 AS INTEGER)))
FROM (SELECT id FROM approvals WHERE id = ANY(:approval_ids) OR project_id = ANY(:project_ids) ORDER BY id) AS ids"""
                  ).bindparams(bindparam("approval_ids", type_=ARRAY(BigInteger)),
                               bindparam("project_ids", type_=ARRAY(BigInteger)))


def _statements(condition: ColumnElement[bool]) -> tuple[Delete, Insert]:
    # A plain INSERT: the locks (PostgreSQL) or the single writer (SQLite) leave no concurrent row to
    # conflict with, and unlike the dialects' upsert it is compiled once and cached.
    return (delete(OpenClock).where(OpenClock.approval_id.in_(select(Approval.id).where(condition))),
            insert(OpenClock).from_select(COLUMNS, reduction(condition)))


# Built once: composing the reduction costs milliseconds of Python, more than running it for a few ids.
_BY_IDS = or_(Approval.id.in_(bindparam("approval_ids", expanding=True)),
              Approval.project_id.in_(bindparam("project_ids", expanding=True)))
_PREBUILT = _statements(_BY_IDS)


def _lock_all(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:space)"), {"space": _LOCK_SPACE})


def _run(connection: Connection, statements: tuple[Delete, Insert], params: dict[str, Any] | None = None) -> None:
    """The old rows out, the reduction in. The condition is evaluated again after the delete, so it must
    not read ``open_clocks``."""
    for statement in statements:
        connection.execute(statement, params)


def _refresh_ids(connection: Connection, approval_ids: Iterable[int], project_ids: Iterable[int]) -> None:
    params = {"approval_ids": sorted(approval_ids), "project_ids": sorted(project_ids)}
    if connection.dialect.name == "postgresql":
        if len(params["approval_ids"]) + 16 * len(params["project_ids"]) > _MANY:
            _lock_all(connection)
        else:
            connection.execute(text("SELECT pg_advisory_xact_lock_shared(:space)"), {"space": _LOCK_SPACE})
            connection.execute(_LOCK_EACH, {"space": _LOCK_SPACE, **params})
    _run(connection, _PREBUILT, params)
    _rekey(connection, "ids", _OPEN_BY_IDS, today_local(), params)


# The worklist's key of each refreshed clock, for today (urgency.rekeyed); the statement depends on the
# routes' thresholds, so it is built once per set of thresholds and kind of condition.
_OPEN_BY_IDS = or_(OpenClock.approval_id.in_(bindparam("approval_ids", expanding=True)),
                   OpenClock.project_id.in_(bindparam("project_ids", expanding=True)))
_OPEN_BY_ROUTES = OpenClock.route_id.in_(bindparam("route_ids", expanding=True))
_STALE = or_(OpenClock.key_day.is_(None), OpenClock.key_day != bindparam("key_today", type_=Date))
_rekey_statements: dict[tuple[str, str], Update] = {}


def _rekey(connection: Connection, kind: str | None, where: ColumnElement[bool], day: date,
           params: dict[str, Any] | None = None) -> None:
    """``kind`` names a condition whose statement is kept for the next time (None: built for this once)."""
    from agency.approvals.urgency import rekeyed, routes_key  # the urgency module builds on the open clocks

    routes = {route: definition for route, definition in connection.execute(select(Route.id, Route.definition))}
    statement = None if kind is None else _rekey_statements.get((kind, routes_key(routes)))
    if statement is None:
        statement = rekeyed(routes, where)
        if kind is not None:
            _rekey_statements[(kind, routes_key(routes))] = statement
    connection.execute(statement, {"key_today": day, **(params or {})})


async def rekey(session: AsyncSession, day: date, *, stale_only: bool = False) -> None:
    """The worklist's key of every open clock (or of those not keyed for ``day`` yet) for ``day``: the sweep
    does it for each new day, so that the worklist reads its pages from the urgency index."""
    await session.flush()
    await session.run_sync(lambda sync: _rekey(sync.connection(), "stale" if stale_only else "all",
                                               _STALE if stale_only else true(), day))


async def refresh(session: AsyncSession, condition: ColumnElement[bool]) -> None:
    """Recomputes now the open clocks of the approvals that meet ``condition`` (a condition on Approval)."""
    await session.flush()

    def run(sync: Session) -> None:
        connection = sync.connection()
        _lock_all(connection)
        _run(connection, _statements(condition))
        _rekey(connection, None, OpenClock.approval_id.in_(select(Approval.id).where(condition)), today_local())

    await session.run_sync(run)


async def refresh_since(session: AsyncSession, day: date) -> None:
    """After a calendar change from ``day`` on: every clock of an open approval (its due date may lie after
    the day, and ordinals from the day on moved), and any other with an event on or after it."""
    await refresh(session, or_(Approval.status.in_(OPEN_STATES), Approval.id.in_(
        select(ClockEventRow.approval_id).where(ClockEventRow.on >= day))))


async def rebuild(session: AsyncSession) -> None:
    """Every open clock of the book, from its events."""
    await refresh(session, true())


def rebuild_with(connection: Connection) -> None:
    """``rebuild`` on a synchronous connection (a migration's)."""
    _lock_all(connection)
    _run(connection, _statements(true()))
    _rekey(connection, "all", true(), today_local())


async def differences(session: AsyncSession) -> int:
    """How many open clocks differ from what their events give now (missing, extra or changed rows)."""
    stored = select(*[getattr(OpenClock, name) for name in COLUMNS])
    truth = reduction(true())
    count = 0
    for left, right in ((stored, truth), (truth, stored)):
        count += (await session.execute(select(func.count()).select_from(left.except_(right).subquery()))).scalar_one()
    return count


async def settle(session: AsyncSession) -> None:
    """Refreshes now what this transaction wrote so far: for a reader of the open clocks that may have written."""
    await session.flush()
    await session.run_sync(_refresh_pending)


# Following writes made through any session ---------------------------------------------------------

_PENDING = "open_clocks_pending"
_WATCHED = {Approval: ("status", "department_code", "project_id", "snapshot"),
            Project: ("green_channel_status", "route_id")}


def _pending(session: Session) -> tuple[set[int], set[int], set[int]]:
    """(approval ids, project ids) whose open clocks this transaction has to refresh, and route ids whose
    thresholds changed (their clocks' keys follow)."""
    pending: tuple[set[int], set[int], set[int]] = session.info.setdefault(_PENDING, (set(), set(), set()))
    return pending


def _changed(obj: object, names: Iterable[str]) -> bool:
    return any(attributes.get_history(obj, name).has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    approval_ids: set[int] = set()
    project_ids: set[int] = set()
    route_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ClockEventRow):
            # An event moved to another approval leaves two clocks to refresh.
            approval_ids.update((obj.approval_id, *attributes.get_history(obj, "approval_id").deleted))
        elif isinstance(obj, Approval) and obj not in session.deleted and _changed(obj, _WATCHED[Approval]):
            approval_ids.add(obj.id)
        elif isinstance(obj, Project) and obj not in session.deleted and _changed(obj, _WATCHED[Project]):
            project_ids.add(obj.id)
        elif isinstance(obj, Route) and obj not in session.new and _changed(obj, ("definition",)):
            route_ids.add(obj.id)
    if approval_ids or project_ids or route_ids:
        pending = _pending(session)
        pending[0].update(approval_ids)
        pending[1].update(project_ids)
        pending[2].update(route_ids)


@event.listens_for(Session, "do_orm_execute")
def _around_bulk_statement(state: ORMExecuteState) -> Any:
    """An ORM insert, update or delete statement on clock events, approvals or projects: the rows it
    touches are found before it runs (the events it adds, after) and refreshed at commit."""
    if not (state.is_insert or state.is_update or state.is_delete) or state.bind_mapper is None:
        return None
    model = state.bind_mapper.class_
    if model not in (ClockEventRow, Approval, Project) or (state.is_delete and model is not ClockEventRow) \
            or (state.is_insert and model is not ClockEventRow):
        return None  # deleting approvals or projects cascades; new ones have no clock yet
    where = getattr(state.statement, "whereclause", None)
    matched = true() if where is None else where
    connection = state.session.connection()
    approval_ids, project_ids, _ = _pending(state.session)
    if state.is_insert:  # the events it adds are the ones numbered after the last one there was
        last = connection.execute(select(func.max(ClockEventRow.id))).scalar() or 0
        result = state.invoke_statement()
        approval_ids.update(connection.execute(
            select(ClockEventRow.approval_id).where(ClockEventRow.id > last)).scalars())
        return result
    if model is ClockEventRow:
        approval_ids.update(connection.execute(select(ClockEventRow.approval_id).where(matched)).scalars())
    elif model is Approval:
        approval_ids.update(connection.execute(select(Approval.id).where(matched)).scalars())
    else:
        project_ids.update(connection.execute(select(Project.id).where(matched)).scalars())
    return state.invoke_statement()


def _refresh_pending(session: Session) -> None:
    # Commit calls this before its own final flush: flush first, so what that flush writes is pending too.
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending and (pending[0] or pending[1]):
        _refresh_ids(session.connection(), pending[0], pending[1])
    if pending and pending[2]:
        _rekey(session.connection(), "routes", _OPEN_BY_ROUTES, today_local(), {"route_ids": sorted(pending[2])})


# Inserted first: this runs before the audit chain's listener, whatever the import order, so every
# process takes the two transaction locks in the same order.
event.listen(Session, "before_commit", _refresh_pending, insert=True)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)

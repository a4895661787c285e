"""The worklist's order, most urgent first, computed in SQL and paged there.

The key of an approval with a running or paused clock is (level rank, remaining working days, id) —
exactly what ``compute_clock`` gives, but computed by ``clock_sql.clocks`` from the clock rows for every
candidate in one statement (or kept in the rows for the day), so a page costs one ORDER BY … LIMIT over
numbers instead of a Python clock per open approval.
Only the rows of the page get their full ``ClockState`` from the pure function (the response shows it).

The few rows SQL cannot read exactly (``clock_sql`` says which: a calendar change not yet recomputed, a
paused calendar-day projection) are computed in Python, every one of them, and merged into the
SQL-ordered stream; an inconsistent clock among them raises as before.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import (
    Date,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from agency.approvals.clock import ClockState
from agency.approvals.clock_sql import ThresholdPicker, clocks, fresh, stale
from agency.approvals.clocks import thresholds_of
from agency.approvals.models import Approval, ApprovalClock
from agency.calendar.models import CalendarDay
from agency.catalog.models import Route
from agency.db.hooks import forget_when_written
from agency.memo import TimedMemo
from agency.projects.models import Project

LEVEL_ORDER = {"l3": 0, "red": 1, "yellow": 2, "prompt": 3, "none": 4}
NO_REMAINING = 10**6  # sorts a clock without remaining days (none is started here) after every other


class Clocked(Protocol):
    @property
    def clock(self) -> ClockState: ...


Row = TypeVar("Row", bound=Clocked)
Key = tuple[int, int, int]


def sort_key(approval_id: int, clock: ClockState) -> Key:
    remaining = clock.remaining_workdays
    return LEVEL_ORDER[clock.level], remaining if remaining is not None else NO_REMAINING, approval_id


def threshold_picker(routes: Mapping[int, Mapping[str, Any] | None]) -> ThresholdPicker:
    """Each row's threshold from its route and green-channel flag: a CASE over the (few) routes whose value
    differs from the default, for green-channel and other projects."""

    def pick(name: str, route_id: ColumnElement[Any], green: ColumnElement[Any]) -> ColumnElement[Any]:
        def branch(green_channel: bool) -> ColumnElement[Any]:
            default = getattr(thresholds_of(None, green_channel), name)
            groups: dict[Any, list[int]] = {}
            for route, definition in sorted(routes.items()):
                value = getattr(thresholds_of(definition, green_channel), name)
                if value != default:
                    groups.setdefault(value, []).append(route)
            if not groups:
                return literal(default)
            return case(*[(route_id.in_(ids), literal(value)) for value, ids in groups.items()],
                        else_=literal(default))

        return case((green, branch(True)), else_=branch(False))

    return pick


def keys(today: date | ColumnElement[date], where: ColumnElement[bool],
         routes: Mapping[int, Mapping[str, Any] | None]) -> Select[Any]:
    """(approval_id, rank, remaining, exact) per open clock that meets ``where``, computed for ``today``."""
    c = clocks(today, where, threshold_picker(routes)).subquery("clocks").c
    rank = case(*[(c.level == level, order) for level, order in LEVEL_ORDER.items()])
    return select(c.approval_id, rank.label("rank"), c.remaining, c.exact)


def stored_keys(where: ColumnElement[bool]) -> Select[Any]:
    """The same columns as ``keys``, as the open clocks keep them for their ``key_day``."""
    o = ApprovalClock
    return select(o.approval_id, o.key_rank.label("rank"), o.key_remaining.label("remaining"),
                  and_(o.key_rank.is_not(None), fresh()).label("exact")).where(where)


def stored_inexact(where: ColumnElement[bool]) -> Select[Any]:
    """The rows of ``stored_keys`` that are not exact (approval_id, rank, remaining), found through indexes: those
    without a key (the urgency index) and those a later calendar change made stale (the calendar revision's) —
    not by reading every open clock in scope to test its ``exact``, as a filter on ``stored_keys`` would."""
    o = ApprovalClock
    columns = (o.approval_id, o.key_rank.label("rank"), o.key_remaining.label("remaining"))
    return union_all(select(*columns).where(where, o.key_rank.is_(None)),
                     select(*columns).where(where, o.key_rank.is_not(None), stale()))  # type: ignore[return-value]


def keyed_for(today: date, where: ColumnElement[bool]) -> Select[tuple[bool]]:
    """Whether every open clock that meets ``where`` keeps its key for ``today`` (then ``stored_keys`` hold)."""
    # Three probes of the key_day index, each empty on a day the sweep has keyed (a scan of the whole
    # scope otherwise: the planner will not split an OR of them for an index).
    # The day is written into the statement: with it as a parameter the planner's generic plan expects a
    # third of the rows on either side of it and scans them all.
    day = bindparam("keyed_day", today, type_=Date, literal_execute=True)
    stale = [ApprovalClock.key_day.is_(None), ApprovalClock.key_day < day, ApprovalClock.key_day > day]
    return select(~or_(*[exists().where(where, condition) for condition in stale]))


async def day_keys(session: AsyncSession, today: date, where: ColumnElement[bool],
                   routes: Mapping[int, Mapping[str, Any] | None]) -> tuple[Select[Any], bool]:
    """The keys of the open clocks that meet ``where`` on ``today``: as stored when every one of them is
    keyed for the day (True), else computed (False)."""
    if (await session.execute(keyed_for(today, where))).scalar():
        return stored_keys(where), True
    return keys(today, where, routes), False


def routes_key(routes: Mapping[int, Mapping[str, Any] | None]) -> str:
    """What of the routes the keys depend on (their escalation thresholds), as one comparable value."""
    return json.dumps(sorted((route, (definition or {}).get("escalation")) for route, definition in routes.items()),
                      sort_keys=True, default=str)


def rekeyed(routes: Mapping[int, Mapping[str, Any] | None], where: ColumnElement[bool]) -> Update:
    """Sets the stored key of the open clocks that meet ``where`` for the day bound as ``key_today``."""
    today = bindparam("key_today", type_=Date)
    k = keys(today, where, routes).subquery("fresh")
    return (update(ApprovalClock).where(ApprovalClock.approval_id == k.c.approval_id)
            .values(key_day=today, key_rank=case((k.c.exact, k.c.rank)),
                    key_remaining=case((k.c.exact, k.c.remaining))))


def levels_of(level: str | tuple[str, ...] | None) -> tuple[str, ...] | None:
    """A level asked for, or a group of them (临期: prompt and yellow), as a tuple; None for any level."""
    return None if level is None else (level,) if isinstance(level, str) else level


def _wanted(k: Any, level: str | tuple[str, ...] | None) -> ColumnElement[bool]:
    exact: ColumnElement[bool] = k.c.exact
    wanted = levels_of(level)
    return exact if wanted is None else exact & k.c.rank.in_([LEVEL_ORDER.get(w, -1) for w in wanted])


def _window(k: Any, level: str | tuple[str, ...] | None, offset: int, limit: int) -> Select[Any]:
    return (select(k.c.approval_id, k.c.rank, k.c.remaining).where(_wanted(k, level))
            .order_by(k.c.rank, k.c.remaining, k.c.approval_id).offset(offset).limit(limit))


@dataclass(slots=True)
class ClockedPage(Generic[Row]):
    rows: list[Row]
    total: int  # open clocks in scope of the level asked for
    clockless: int | None  # approvals in scope without an open clock, when asked for


# The counts of a worklist (clocked rows of the level, open clocks, all rows in scope) for a few seconds:
# they scan the whole scope, the page does not; any write of this process forgets them.
COUNT_SECONDS = 5.0
_counts: TimedMemo[Hashable, dict[int, int]] = TimedMemo(COUNT_SECONDS)
forget_when_written((Approval, ApprovalClock, Project, CalendarDay, Route), _counts.clear)


async def clocked_page(session: AsyncSession, where: ColumnElement[bool], *, today: date,
                       level: str | tuple[str, ...] | None,
                       start: int, end: int, routes: Mapping[int, Mapping[str, Any] | None],
                       load: Callable[[Sequence[int]], Awaitable[Mapping[int, Row]]],
                       count_in_scope: Select[Any] | None = None, counts_key: Hashable = None) -> ClockedPage[Row]:
    """Rows ``[start, end)`` of the approvals whose open clock meets ``where`` (of ``level``, if given) most
    urgent first, and how many there are; ``load`` gives the rows of some approval ids with their clocks.
    ``count_in_scope`` counts every approval in scope, open clock or not: given it, the page also says how
    many have none. When every clock in scope keeps its key for ``today`` the page is read from the urgency
    index and the counts (remembered under ``counts_key``, if given) apart; otherwise the keys are computed."""
    source, stored = await day_keys(session, today, where, routes)
    # Stored keys: each part reads the urgency index; computed ones: computed once for every part.
    k: Any = source.subquery("keys") if stored else source.cte("keys").prefix_with("MATERIALIZED")
    page = _window(k, level, start, end - start).subquery("page")

    def count(part: int, source: Any, *where: Any) -> Select[Any]:
        return select(literal(part, Integer), func.count(), literal(None, Integer), literal(None, Integer)
                      ).select_from(source).where(*where)

    # In parts: 0 = each row SQL could not key exactly, 1 = how many rows of the level it did key (counts go
    # in the id column), 2 = the page among those; and for the rows without an open clock, 3 = open clocks
    # of any level and 4 = all rows in scope. Computed keys: one statement over keys computed once.
    inexact = (select(literal(0, Integer), *stored_inexact(where).subquery("inexact").c) if stored
               else select(literal(0, Integer), k.c.approval_id, k.c.rank, k.c.remaining).where(~k.c.exact))
    rows_parts = [inexact, select(literal(2, Integer), page.c.approval_id, page.c.rank, page.c.remaining)]
    count_parts = [count(1, k, _wanted(k, level))]
    if count_in_scope is not None:
        count_parts += [count(3, k), select(literal(4, Integer), count_in_scope.scalar_subquery(),
                                            literal(None, Integer), literal(None, Integer))]
    if not stored and session.get_bind().dialect.name == "postgresql":
        # The planner expects far more rows than the open clocks, so the statement's cost passes the JIT
        # thresholds and compiling its expressions would cost more than running it.
        await session.execute(text("SET LOCAL jit = off"))
    known = _counts.get(counts_key) if stored and counts_key is not None else None
    if stored:
        rows = list((await session.execute(union_all(*rows_parts))).all())
        if known is None:
            known = {r[0]: r[1] for r in (await session.execute(union_all(*count_parts))).all()}
            if counts_key is not None:
                _counts.put(counts_key, known)
        counts = known
    else:
        rows = list((await session.execute(union_all(*rows_parts, *count_parts))).all())
        counts = {r[0]: r[1] for r in rows if r[0] in (1, 3, 4)}
    clockless = counts[4] - counts[3] if count_in_scope is not None else None
    unkeyed = [r[1] for r in rows if r[0] == 0]
    window: list[Key] = [(r[2], r[3], r[1]) for r in rows if r[0] == 2]
    if not unkeyed:  # the usual case
        loaded = await load([key[2] for key in window])
        # An approval that left the scope since the statement above (withdrawn meanwhile) is left out.
        return ClockedPage([loaded[key[2]] for key in window if key[2] in loaded], counts[1], clockless)

    computed = await load(unkeyed)  # raises, like the Python sort did, when one of them is inconsistent
    extra = sorted(((sort_key(i, row.clock), row) for i, row in computed.items()
                    if level is None or row.clock.level in (levels_of(level) or ())), key=lambda pair: pair[0])
    # Each of these may take a place before the page: start the SQL window that many rows earlier.
    low = max(0, start - len(extra))
    if low != start:
        again = (await session.execute(_window(source.subquery("keys"), level, low, end - low))).all()
        window = [(r[1], r[2], r[0]) for r in again]
    loaded = await load([key[2] for key in window])
    stream = [(key, loaded[key[2]]) for key in window if key[2] in loaded]
    if low == 0:
        # The window is a prefix of the SQL stream: merged with every extra row, positions are exact.
        offset, merged = 0, sorted([*stream, *extra], key=lambda pair: pair[0])
    elif not stream:
        return ClockedPage([], counts[1] + len(extra), clockless)  # all of them end before ``start``
    else:
        # The window's first row sits after ``low`` SQL rows and after the extra rows sorting before it.
        first = stream[0][0]
        offset = low + sum(1 for key, _ in extra if key < first)
        merged = sorted([*stream, *((key, row) for key, row in extra if key > first)], key=lambda pair: pair[0])
    return ClockedPage([row for _, row in merged[start - offset:end - offset]], counts[1] + len(extra), clockless)


async def rekey(session: AsyncSession, day: date, *, stale_only: bool = False) -> None:
    """The worklist's key of every clock row (or of those not keyed for ``day`` yet) for ``day``: the sweep does
    it for each new day, so that the worklist reads its pages from the urgency index."""
    routes = {route: definition for route, definition in (await session.execute(select(Route.id, Route.definition)))}
    where = or_(ApprovalClock.key_day.is_(None), ApprovalClock.key_day != day) if stale_only else literal(True)
    await session.execute(rekeyed(routes, where), {"key_today": day})

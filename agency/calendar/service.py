"""The working calendar in the database: seeding, admin changes, official-year import, the index.

Every change bumps ``calendar_revision``, rebuilds ``workday_ordinals`` and records which dates changed
status (``calendar_changes``); each process keeps one ``WorkCalendar`` and rebuilds it when it sees a
newer revision. The clocks a change moves are the approvals' business (agency/approvals/calendar_change.py):
they are recomputed in the background, and read through the pure function until then. Nothing here
waits for them, so a change of the calendar holds up no other writer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.audit import service as audit
from agency.calendar import fileformat, seed
from agency.calendar.models import CalendarChange, CalendarDay, CalendarRevision, WorkdayOrdinal
from agency.calendar.workdays import DayOverride, WorkCalendar
from agency.db.hooks import after_commit
from agency.errors import Invalid

RANGE_START = date(2004, 1, 1)
RANGE_END = date(2040, 12, 31)
_ORDINAL_BATCH = 2000


# How long a process trusts its calendar without asking for the revision again: a change made in
# this process is seen at once (forgotten on commit); one made by another process within this time.
TRUST_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Change:
    """What a change of the calendar did: its revision, and the dates whose status it changed."""

    revision: int
    days: list[date]


@dataclass(slots=True)
class _Cached:
    revision: int
    calendar: WorkCalendar
    checked: float


_cache: dict[str, _Cached] = {}


async def _revision(session: AsyncSession) -> int | None:
    return (await session.execute(select(CalendarRevision.revision).where(CalendarRevision.id == 1))
            ).scalar_one_or_none()


async def _rows(session: AsyncSession) -> list[DayOverride]:
    return [DayOverride(r.day, r.workday, r.source, r.note)  # type: ignore[arg-type]
            for r in (await session.execute(select(CalendarDay))).scalars()]


async def ensure_seeded(session: AsyncSession) -> bool:
    """Seeds the official schedule of every year chinesecalendar knows, once. True if it seeded."""
    if await _revision(session) is not None:
        return False
    overrides = seed.official_overrides()
    await session.execute(insert(CalendarDay), [
        {"day": o.day, "workday": o.workday, "source": o.source, "note": o.note, "updated_by": "system"}
        for o in overrides])
    session.add(CalendarRevision(id=1, revision=1))
    await session.flush()
    await _rebuild_ordinals(session, seed.calendar_from_overrides(overrides, RANGE_START, RANGE_END))
    return True


async def get_calendar(session: AsyncSession) -> WorkCalendar:
    """The current calendar; one small query when nothing changed since this process last built it."""
    return (await calendar_and_revision(session))[0]


async def calendar_and_revision(session: AsyncSession, *, trust: bool = True,
                                committed: bool = False) -> tuple[WorkCalendar, int]:
    """The current calendar and its revision: what a clock computed with it records. ``trust=False`` asks
    for the revision even within TRUST_SECONDS (the recompute of a change made by another process);
    ``committed``: the caller is not inside a change of the calendar, so what it reads may be kept (the
    recompute asks once per batch, and rebuilding the calendar each time cost it most of its time)."""
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and trust and now - cached.checked < TRUST_SECONDS:
        return cached.calendar, cached.revision
    revision = await _revision(session)
    if cached is not None and cached.revision == revision:
        cached.checked = now
        return cached.calendar, cached.revision
    calendar = seed.calendar_from_overrides(await _rows(session), RANGE_START, RANGE_END)
    if trust or committed:
        # Not when asked from inside a change that has not committed yet (it may still roll back).
        _cache[key] = _Cached(revision or 0, calendar, now)
    return calendar, revision or 0


def with_override(calendar: WorkCalendar, day: date, workday: bool, note: str) -> WorkCalendar:
    """``calendar`` as it would be with ``day`` set so: what a previewed change computes with."""
    overrides = {o.day: o for o in calendar.overrides()}
    if workday == (day.weekday() < 5):
        overrides.pop(day, None)
    else:
        overrides[day] = DayOverride(day, workday, "admin", note)
    return seed.calendar_from_overrides(list(overrides.values()), RANGE_START, RANGE_END)


async def _changed(session: AsyncSession, before: WorkCalendar, within: tuple[date, date]) -> Change:
    """After the calendar changed: the revision, the ordinals, and the record of the dates whose status moved
    between ``within`` (inclusive) — the clocks that depend on them are stale from now on."""
    key = str(session.get_bind().engine.url)
    after_commit(session, lambda: _cache.pop(key, None))
    revision = (await session.execute(update(CalendarRevision).where(CalendarRevision.id == 1)
                                      .values(revision=CalendarRevision.revision + 1)
                                      .returning(CalendarRevision.revision))).scalar_one()
    calendar = seed.calendar_from_overrides(await _rows(session), RANGE_START, RANGE_END)
    await _rebuild_ordinals(session, calendar)
    start, end = within
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    # What a clock's numbers depend on is which days are worked; whether a year is an estimate is
    # read from the calendar itself on each day asked for.
    moved = [d for d in days if before.is_workday(d) != calendar.is_workday(d)]
    if moved:
        await session.execute(insert(CalendarChange), [{"revision": revision, "day": d} for d in moved])
    return Change(revision, moved)


async def _rebuild_ordinals(session: AsyncSession, calendar: WorkCalendar) -> None:
    await session.execute(delete(WorkdayOrdinal))
    batch: list[dict[str, object]] = []
    for day, ordinal, workday, provisional in calendar.rows():
        batch.append({"day": day, "ordinal": ordinal, "workday": workday, "provisional": provisional})
        if len(batch) >= _ORDINAL_BATCH:
            await session.execute(insert(WorkdayOrdinal), batch)
            batch = []
    if batch:
        await session.execute(insert(WorkdayOrdinal), batch)


def check_range(day: date, field: str) -> None:
    if not RANGE_START <= day <= RANGE_END:
        raise Invalid(f"日期须在 {RANGE_START} 至 {RANGE_END} 之间（date out of the supported range）", field=field)


async def set_day(session: AsyncSession, actor: Actor, day: date, workday: bool, note: str) -> Change:
    """An admin's correction of one date. Setting a date back to its Monday–Friday status removes it."""
    actor.require(Role.ADMIN)
    check_range(day, "date")
    before_calendar = await get_calendar(session)
    row = await session.get(CalendarDay, day)
    before = None if row is None else {"workday": row.workday, "source": row.source, "note": row.note}
    default_workday = day.weekday() < 5
    if workday == default_workday and not (row and row.source in ("official", "provisional")):
        if row is not None:
            await session.delete(row)
        row = None
    elif row is None:
        row = CalendarDay(day=day, workday=workday, source="admin", note=note, updated_by=actor.username)
        session.add(row)
    else:
        row.workday, row.source, row.note, row.updated_by = workday, "admin", note, actor.username
    await session.flush()
    change = await _changed(session, before_calendar, (day, day))
    await audit.record(session, actor, "calendar.set_day", "calendar_day", day.isoformat(), before=before,
                       after={"workday": workday, "note": note, "revision": change.revision})
    return change


async def import_file(session: AsyncSession, actor: Actor, text: str) -> tuple[dict[str, object], Change]:
    """Loads a year's official schedule: replaces that year's rows; its due dates stop being provisional."""
    actor.require(Role.ADMIN)
    try:
        parsed = fileformat.parse_calendar_file(text)
    except fileformat.CalendarFileError as error:
        raise Invalid(f"日历文件错误：{error}", extra=[{"field": "file", "line": error.line,
                                                        "message": str(error)}]) from None
    check_range(date(parsed.year, 1, 1), "year")
    before_calendar = await get_calendar(session)
    await session.execute(delete(CalendarDay).where(CalendarDay.day >= date(parsed.year, 1, 1),
                                                    CalendarDay.day <= date(parsed.year, 12, 31)))
    await session.flush()
    if parsed.overrides:
        await session.execute(insert(CalendarDay), [
            {"day": o.day, "workday": o.workday, "source": parsed.source, "note": o.note,
             "updated_by": actor.username} for o in parsed.overrides])
    change = await _changed(session, before_calendar, (date(parsed.year, 1, 1), date(parsed.year, 12, 31)))
    summary: dict[str, object] = {"year": parsed.year, "source": parsed.source, "days": len(parsed.overrides),
                                  "changed_days": len(change.days), "revision": change.revision}
    await audit.record(session, actor, "calendar.import", "calendar_year", parsed.year, after=summary)
    return summary, change


async def year_view(session: AsyncSession, year: int) -> tuple[str, list[DayOverride]]:
    """(source of the year, the dates that differ from Monday–Friday) as the calendar applies them."""
    if not RANGE_START.year <= year <= RANGE_END.year:
        raise Invalid(f"年份须在 {RANGE_START.year} 至 {RANGE_END.year} 之间（year out of the supported range）",
                      field="year")
    calendar = await get_calendar(session)
    days = [o for o in calendar.overrides() if o.day.year == year and o.workday != (o.day.weekday() < 5)]
    sources = {o.source for o in days}
    if year in calendar.provisional_years:
        source = "mixed" if "official" in sources or "admin" in sources else "provisional"
    else:
        source = "mixed" if sources - {"official"} else "official"
    return source, sorted(days, key=lambda o: o.day)

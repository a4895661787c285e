"""The working-day calendar as an ordinal index.

A working day is Monday–Friday, minus holidays, plus make-up workdays (调休上班). Both kinds of
exception arrive as :class:`DayOverride` rows; everything else follows from the weekday.

The calendar is built once into two arrays so that every question the clock asks is a lookup:

* ``_ordinal[i]`` — working days in ``[start, start + i]`` (the "ordinal" of that date);
* ``_by_ordinal[k - 1]`` — the date of the k-th working day since ``start``.

"n working days after d" is then ``_by_ordinal[ordinal(d) + n - 1]`` and "working days between a and
b" is ``ordinal(b) - ordinal(a)``, whatever the distance. :meth:`WorkCalendar.rows` exposes the
same numbers so the database can hold them as an ordinal table and a sweep can do the same
arithmetic in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

OverrideSource = Literal["official", "admin", "provisional"]

# When two overrides name the same date, the more deliberate one wins: an administrator's
# correction beats the State Council's schedule, which beats our own guess for an unknown year.
_SOURCE_RANK: dict[str, int] = {"provisional": 0, "official": 1, "admin": 2}


class CalendarRangeError(ValueError):
    """A date (or a result) lies outside the span the calendar was built for."""


@dataclass(frozen=True, slots=True)
class DayOverride:
    """A date whose status differs from the Monday–Friday rule.

    ``workday=True`` is a make-up workday (调休上班) on a weekend, ``workday=False`` a holiday on a
    weekday. An override that agrees with the weekday rule is harmless and changes nothing.
    """

    day: date
    workday: bool
    source: OverrideSource
    note: str = ""


class WorkCalendar:
    """Working days between ``start`` and ``end`` (inclusive), with O(1) arithmetic on them."""

    __slots__ = (
        "_by_ordinal",
        "_end",
        "_end_ord",
        "_ordinal",
        "_overrides",
        "_prov_prefix",
        "_provisional_years",
        "_start",
        "_start_ord",
        "_workday",
    )

    def __init__(
        self,
        start: date,
        end: date,
        workday: bytes,
        overrides: dict[date, DayOverride],
        provisional_years: frozenset[int],
    ) -> None:
        # Use build(); this constructor trusts its arguments.
        self._start = start
        self._end = end
        self._start_ord = start.toordinal()
        self._end_ord = end.toordinal()
        self._workday = workday
        self._overrides = overrides
        self._provisional_years = provisional_years

        ordinal: list[int] = []
        by_ordinal: list[date] = []
        prov_prefix: list[int] = [0]
        count = 0
        prov = 0
        day = start
        one = timedelta(days=1)
        for flag in workday:
            if flag:
                count += 1
                by_ordinal.append(day)
            ordinal.append(count)
            if day.year in provisional_years:
                prov += 1
            prov_prefix.append(prov)
            day += one
        self._ordinal = ordinal
        self._by_ordinal = by_ordinal
        # prov_prefix[i] = provisional days in [start, start + i - 1]; one longer than the span.
        self._prov_prefix = prov_prefix

    @classmethod
    def build(
        cls,
        overrides: Iterable[DayOverride],
        provisional_years: Iterable[int],
        start: date = date(2004, 1, 1),
        end: date = date(2040, 12, 31),
    ) -> WorkCalendar:
        """Index ``[start, end]``; overrides outside that span are ignored."""
        if end < start:
            raise ValueError(f"calendar end {end} is before its start {start}")
        chosen: dict[date, DayOverride] = {}
        for o in overrides:
            if not start <= o.day <= end:
                continue
            current = chosen.get(o.day)
            # Equal rank: the later row wins, so a caller can stack corrections in order.
            if current is None or _SOURCE_RANK[o.source] >= _SOURCE_RANK[current.source]:
                chosen[o.day] = o

        days = (end - start).days + 1
        first_weekday = start.weekday()
        flags = bytearray((first_weekday + i) % 7 < 5 for i in range(days))
        start_ord = start.toordinal()
        for o in chosen.values():
            flags[o.day.toordinal() - start_ord] = o.workday
        return cls(start, end, bytes(flags), chosen, frozenset(provisional_years))

    # -- span -------------------------------------------------------------------------------

    @property
    def start(self) -> date:
        return self._start

    @property
    def end(self) -> date:
        return self._end

    @property
    def provisional_years(self) -> frozenset[int]:
        return self._provisional_years

    def _index(self, d: date) -> int:
        o = d.toordinal()
        if o < self._start_ord or o > self._end_ord:
            raise CalendarRangeError(
                f"{d.isoformat()} is outside the working calendar [{self._start.isoformat()}, {self._end.isoformat()}]"
            )
        return o - self._start_ord

    def _nth(self, k: int, origin: date, n: int) -> date:
        if k < 1 or k > len(self._by_ordinal):
            raise CalendarRangeError(
                f"{n} working days from {origin.isoformat()} falls outside the working calendar "
                f"[{self._start.isoformat()}, {self._end.isoformat()}]"
            )
        return self._by_ordinal[k - 1]

    # -- single days ------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        return bool(self._workday[self._index(d)])

    def is_provisional(self, d: date) -> bool:
        """True when ``d`` lies in a year whose official schedule is not known yet."""
        self._index(d)
        return d.year in self._provisional_years

    def any_provisional(self, a: date, b: date) -> bool:
        """True when any date in ``[min(a, b), max(a, b)]`` lies in a provisional year."""
        i, j = self._index(a), self._index(b)
        if j < i:
            i, j = j, i
        return self._prov_prefix[j + 1] - self._prov_prefix[i] > 0

    def override(self, d: date) -> DayOverride | None:
        """The override that decided ``d``, if any (after source precedence)."""
        self._index(d)
        return self._overrides.get(d)

    def overrides(self) -> list[DayOverride]:
        """The effective overrides, by date."""
        return [self._overrides[d] for d in sorted(self._overrides)]

    # -- arithmetic -------------------------------------------------------------------------

    def ordinal(self, d: date) -> int:
        """Working days in ``[start, d]``."""
        return self._ordinal[self._index(d)]

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (n > 0), before it (n < 0), or ``d`` itself (n == 0).

        ``d`` need not be a working day: the first working day after a Saturday is the Monday.
        """
        # Fast path for the common case, inlined: this runs once per approval in every sweep.
        i = d.toordinal() - self._start_ord
        if n > 0 and 0 <= i < len(self._ordinal):
            k = self._ordinal[i] + n
            if k <= len(self._by_ordinal):
                return self._by_ordinal[k - 1]
        i = self._index(d)
        if n > 0:
            return self._nth(self._ordinal[i] + n, d, n)
        if n < 0:
            # Working days strictly before d: drop d's own count when d is a working day.
            before = self._ordinal[i] - self._workday[i]
            return self._nth(before + n + 1, d, n)
        return d

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``; when ``b < a``, minus the working days in ``(b, a]``."""
        i, j = a.toordinal() - self._start_ord, b.toordinal() - self._start_ord
        last = len(self._ordinal)
        if 0 <= i < last and 0 <= j < last:
            return self._ordinal[j] - self._ordinal[i]
        return self._ordinal[self._index(b)] - self._ordinal[self._index(a)]

    def next_workday(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.add_workdays(d, 1)

    def workday_on_or_after(self, d: date) -> date:
        """``d`` if it is a working day, else the next one."""
        i = self._index(d)
        return d if self._workday[i] else self._nth(self._ordinal[i] + 1, d, 1)

    def add_calendar_days(self, d: date, n: int) -> date:
        """``d + n`` calendar days, checked against the span like every other result."""
        self._index(d)
        result = d + timedelta(days=n)
        self._index(result)
        return result

    # -- export -----------------------------------------------------------------------------

    def rows(self) -> Iterator[tuple[date, int, bool, bool]]:
        """``(date, ordinal, workday, provisional)`` for every date in ``[start, end]``."""
        day = self._start
        one = timedelta(days=1)
        prov_years = self._provisional_years
        for flag, ordinal in zip(self._workday, self._ordinal, strict=True):
            yield day, ordinal, bool(flag), day.year in prov_years
            day += one

    def __repr__(self) -> str:
        years = ",".join(str(y) for y in sorted(self._provisional_years)) or "none"
        return (
            f"WorkCalendar({self._start.isoformat()}..{self._end.isoformat()}, "
            f"{len(self._by_ordinal)} working days, provisional years: {years})"
        )

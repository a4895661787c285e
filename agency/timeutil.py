"""The one clock every part of Agency asks for "now" and "today", and dates as the office lives them.

Nothing else reads the wall clock. ``now()`` is an aware UTC datetime; ``today()`` is the date in
China Standard Time (an approval accepted at 07:00 Beijing time on a Monday was accepted on Monday,
although it is still Sunday in UTC). The process runs on ``SystemClock`` unless something installs
another one: the tests start each run on a chosen day (``AGENCY_TEST_TODAY``, see tests/conftest.py)
and the demo walks a year of office history with the clock set to each day it replays.

A ``ShiftedClock`` keeps time running — seconds pass, tokens expire, later writes sort after earlier
ones — but on another calendar day; ``set_clock`` swaps the process's clock and gives the previous
one back.

Tokens signed by Litestar's JWT support carry an expiry the library itself checks against the real
time; that check is the library's, and Agency's own record of a token's expiry (the auth_tokens row)
follows this clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Protocol

CHINA = timezone(timedelta(hours=8), "CST")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Real time moved by a fixed offset: it runs, on another day."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    @classmethod
    def starting_at(cls, moment: datetime) -> ShiftedClock:
        return cls(moment - datetime.now(UTC))

    @classmethod
    def on_day(cls, day: date, at: time = time(9, 0)) -> ShiftedClock:
        """Starting at ``at`` (China time) on ``day``: a working morning, hours away from midnight."""
        return cls.starting_at(datetime.combine(day, at, tzinfo=CHINA).astimezone(UTC))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class FixedClock:
    """Always the same moment, until moved (the demo's history is replayed on one of these)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def move_to(self, moment: datetime) -> None:
        self.moment = moment


_clock: Clock = SystemClock()


def set_clock(clock: Clock) -> Clock:
    """Installs ``clock`` for the whole process and returns the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def use_offset(seconds: float | None) -> None:
    """The process's clock from its settings (AGENCY_TODAY, AGENCY_CLOCK_OFFSET_SECONDS): every entry point —
    the server, the worker, the command line — calls this once at start."""
    if seconds is not None:
        set_clock(ShiftedClock(timedelta(seconds=seconds)))


def current_clock() -> Clock:
    return _clock


@contextmanager
def clock_set_to(clock: Clock) -> Iterator[Clock]:
    previous = set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)


def now() -> datetime:
    return _clock.now()


def today() -> date:
    """Today in China Standard Time."""
    return _clock.now().astimezone(CHINA).date()


def today_local() -> date:
    """Today in China Standard Time (the name the services have always used)."""
    return today()


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"

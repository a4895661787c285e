"""Seed the working calendar from the ``chinesecalendar`` package, and guess the years it lacks.

The package knows the State Council schedules up to the year of its release and raises
``NotImplementedError`` after that. For a year it does not know we keep only the holidays whose
dates never move (元旦, 劳动节, 国庆节); the lunar and solar-term holidays and every make-up day
stay unknown until the admin imports that year's notice, so such a year is marked provisional.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from agency.calendar.workdays import DayOverride, WorkCalendar

# The package's enum carries the Chinese name; this table is the fallback should a future release
# add a holiday the enum lookup cannot resolve.
_HOLIDAY_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# Weekdays among these become provisional holidays: their dates are fixed by the 国务院
# 全国年节及纪念日放假办法 and do not depend on the lunar calendar.
_FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)

MAKEUP_SUFFIX = "调休"


def known_years() -> range:
    """The years the installed ``chinesecalendar`` release has official data for."""
    return _known_years()


@lru_cache(maxsize=1)
def _known_years() -> range:
    # The package validates dates against the span of its own holiday table; read the same span.
    days = chinese_calendar.holidays.keys()
    return range(min(days).year, max(days).year + 1)


def holiday_name_zh(english: str | None) -> str:
    """The Chinese name of a holiday as ``chinese_calendar.get_holiday_detail`` names it."""
    if not english:
        return ""
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return _HOLIDAY_ZH.get(english, english)


def official_overrides(years: Iterable[int] | None = None) -> list[DayOverride]:
    """Every date of the given known years (default: all) that differs from Monday–Friday."""
    known = known_years()
    wanted = known if years is None else sorted(set(years))
    result: list[DayOverride] = []
    for year in wanted:
        if year not in known:
            raise ValueError(
                f"chinesecalendar has no official schedule for {year} (it knows {known.start}–{known.stop - 1})"
            )
        result.extend(_official_year(year))
    return result


@lru_cache(maxsize=64)
def _official_year(year: int) -> tuple[DayOverride, ...]:
    # Day by day against the weekday rule: the package's include_weekends=False listings drop
    # make-up Saturdays, and only the per-day answer is complete.
    out: list[DayOverride] = []
    day = date(year, 1, 1)
    one = timedelta(days=1)
    while day.year == year:
        workday = bool(chinese_calendar.is_workday(day))
        if workday != (day.weekday() < 5):
            _, english = chinese_calendar.get_holiday_detail(day)
            name = holiday_name_zh(english)
            note = f"{name}{MAKEUP_SUFFIX}" if workday and name else name
            out.append(DayOverride(day, workday, "official", note))
        day += one
    return tuple(out)


def provisional_overrides(year: int) -> list[DayOverride]:
    """Our guess for a year without an official schedule: the fixed-date holidays on weekdays."""
    result: list[DayOverride] = []
    for month, day_of_month, name in _FIXED_HOLIDAYS:
        day = date(year, month, day_of_month)
        if day.weekday() < 5:
            result.append(DayOverride(day, False, "provisional", name))
    return result


def default_calendar(start: date = date(2004, 1, 1), end: date = date(2040, 12, 31)) -> WorkCalendar:
    """Official data for the years the package knows, provisional guesses for the rest."""
    known = known_years()
    overrides = [o for year in range(start.year, end.year + 1) if year in known for o in _official_year(year)]
    return calendar_from_overrides(overrides, start, end)


def calendar_from_overrides(
    overrides: Iterable[DayOverride], start: date = date(2004, 1, 1), end: date = date(2040, 12, 31)
) -> WorkCalendar:
    """The calendar from stored rows: a year with any ``official`` row is official, every other
    year is provisional and gets the fixed-date holidays unless its rows already name those dates.

    This is how the calendar table is read back: the official schedule of a year arrives all at
    once (seed or file import), while an admin's single-day correction does not make a year known.
    """
    rows = list(overrides)
    official_years = {o.day.year for o in rows if o.source == "official"}
    provisional = [y for y in range(start.year, end.year + 1) if y not in official_years]
    # Stored rows come last so that, at equal precedence, they beat the generated guesses.
    guesses = [o for year in provisional for o in provisional_overrides(year)]
    return WorkCalendar.build([*guesses, *rows], provisional, start, end)

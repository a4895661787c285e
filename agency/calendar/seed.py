"""Seed the working calendar from the ``chinesecalendar`` package, and estimate the years it lacks.

The package knows the State Council schedules up to the year of its release and raises
``NotImplementedError`` after that. For a year it does not know we apply what the law itself fixes
(全国年节及纪念日放假办法, as amended in 2024, in force from 2025): 元旦 1 January; 春节 除夕 and 正月
初一 to 初三; 清明 (the solar term, 4–6 April); 劳动节 1–2 May; 端午 五月初五; 中秋 八月十五; 国庆 1–3
October — the lunar dates and the solar term from ``lunar-python`` — and its article 6: a holiday that
falls on a Saturday or Sunday is made up on the working days after it. The make-up Saturdays the State
Council adds each year (调休上班) cannot be known before its notice, so such a year is marked
provisional until the admin imports that notice.
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

# The holidays whose dates the calendar alone fixes (the solar ones).
_FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)
SUBSTITUTE_SUFFIX = "补休"

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


def statutory_holidays(year: int) -> list[tuple[date, str]]:
    """The holidays 放假办法 fixes for ``year``, each day with its name (weekend days included)."""
    from lunar_python import Lunar

    def lunar(month: int, day: int) -> date:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())

    new_year = lunar(1, 1)  # 正月初一 of the lunar year that begins in ``year``
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days = [(date(year, m, d), name) for m, d, name in _FIXED_HOLIDAYS]
    days += [(new_year + timedelta(days=n), "春节") for n in (-1, 0, 1, 2)]  # 除夕, 初一, 初二, 初三
    days += [(date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节"),
             (lunar(5, 5), "端午节"), (lunar(8, 15), "中秋节")]
    return sorted(d for d in days if d[0].year == year)


def provisional_overrides(year: int) -> list[DayOverride]:
    """Our estimate for a year without an official schedule: the statutory holidays on weekdays, and for
    each that falls on a Saturday or Sunday — or on a day another festival already takes (中秋 on 国庆) —
    a substitute on the first free weekday after its festival (放假办法 第六条)."""
    holidays = statutory_holidays(year)
    result: dict[date, DayOverride] = {}
    owed: dict[str, int] = {}
    for day, name in holidays:
        if day.weekday() < 5 and day not in result:
            result[day] = DayOverride(day, False, "provisional", name)
        else:
            owed[name] = owed.get(name, 0) + 1
    for name, count in owed.items():
        day = max(d for d, n in holidays if n == name)
        while count and day.year == year:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in result and day.year == year:
                result[day] = DayOverride(day, False, "provisional", f"{name}{SUBSTITUTE_SUFFIX}")
                count -= 1
    return sorted(result.values(), key=lambda o: o.day)


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

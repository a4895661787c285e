"""Seeding from chinesecalendar: the known years, the names, and the guesses for unknown years."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from agency.calendar.seed import (
    default_calendar,
    holiday_name_zh,
    known_years,
    official_overrides,
    provisional_overrides,
)


def test_known_years_come_from_the_package_data() -> None:
    years = known_years()
    assert years.start == 2004
    chinese_calendar.is_workday(date(years.stop - 1, 6, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years.stop, 6, 1))


def test_official_overrides_differ_from_the_weekday_rule_only() -> None:
    for o in official_overrides():
        assert o.source == "official"
        assert o.workday == (o.day.weekday() >= 5)
        assert o.workday == chinese_calendar.is_workday(o.day)
        assert o.note, o


def test_make_up_saturdays_are_kept_unlike_include_weekends_false() -> None:
    # chinesecalendar.get_workdays(..., include_weekends=False) drops 10 Oct 2026; we must not.
    dropped = chinese_calendar.get_workdays(date(2026, 10, 1), date(2026, 10, 31), include_weekends=False)
    assert date(2026, 10, 10) not in dropped
    makeup = [o for o in official_overrides([2026]) if o.workday]
    assert date(2026, 10, 10) in [o.day for o in makeup]


def test_holiday_names_are_chinese() -> None:
    notes = {o.note for o in official_overrides([2025, 2026])}
    assert {"元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆节", "春节调休", "国庆节调休"} <= notes
    assert holiday_name_zh("National Day") == "国庆节"
    assert holiday_name_zh(None) == ""
    assert holiday_name_zh("Some Future Day") == "Some Future Day"
    anniversary = [o for o in official_overrides([2015]) if o.day == date(2015, 9, 3)]
    assert anniversary and anniversary[0].note.startswith("中国人民抗日战争")


def test_unknown_years_are_refused_by_official_overrides() -> None:
    with pytest.raises(ValueError, match="no official schedule for 2099"):
        official_overrides([2099])


def test_provisional_guesses_are_weekday_fixed_date_holidays() -> None:
    # 2028: 1 Jan Saturday; 1–2 May Monday–Tuesday; 1–3 Oct Sunday–Tuesday.
    guesses = provisional_overrides(2028)
    assert [(o.day, o.note) for o in guesses] == [
        (date(2028, 5, 1), "劳动节"),
        (date(2028, 5, 2), "劳动节"),
        (date(2028, 10, 2), "国庆节"),
        (date(2028, 10, 3), "国庆节"),
    ]
    assert all(not o.workday and o.source == "provisional" for o in guesses)


def test_default_calendar_marks_the_unknown_years_provisional() -> None:
    cal = default_calendar(date(2025, 1, 1), date(2028, 12, 31))
    assert cal.provisional_years == frozenset({2027, 2028})
    assert not cal.is_workday(date(2028, 5, 2))
    assert cal.is_workday(date(2026, 9, 20))

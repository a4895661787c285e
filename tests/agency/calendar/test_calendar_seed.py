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


def test_the_provisional_2027_knows_the_holidays_the_lunar_calendar_fixes() -> None:
    """chinesecalendar stops at 2026. 2027 by 放假办法 alone: 除夕 Friday 5 February, 初一 and 初二 on the weekend
    (made up on Tuesday and Wednesday after 初三), 清明 Monday 5 April (the solar term), 1–2 May on the weekend
    (made up on Monday and Tuesday), 端午 9 June, 中秋 15 September, 1 October a Friday (2 and 3 made up)."""
    guesses = provisional_overrides(2027)
    assert [(o.day, o.note) for o in guesses] == [
        (date(2027, 1, 1), "元旦"),
        (date(2027, 2, 5), "春节"), (date(2027, 2, 8), "春节"),
        (date(2027, 2, 9), "春节补休"), (date(2027, 2, 10), "春节补休"),
        (date(2027, 4, 5), "清明节"),
        (date(2027, 5, 3), "劳动节补休"), (date(2027, 5, 4), "劳动节补休"),
        (date(2027, 6, 9), "端午节"),
        (date(2027, 9, 15), "中秋节"),
        (date(2027, 10, 1), "国庆节"), (date(2027, 10, 4), "国庆节补休"), (date(2027, 10, 5), "国庆节补休"),
    ]
    assert all(not o.workday and o.source == "provisional" for o in guesses)


def test_a_holiday_on_a_weekend_or_on_another_festival_is_made_up_after_its_festival() -> None:
    # 2028: 元旦 on a Saturday; 端午 on a Sunday; 国庆 1 October a Sunday, and 中秋 on 3 October, 国庆's day.
    guesses = {o.day: o.note for o in provisional_overrides(2028)}
    assert guesses[date(2028, 1, 3)] == "元旦补休"
    assert guesses[date(2028, 5, 29)] == "端午节补休"
    assert [d for d, note in guesses.items() if d.month == 10] == [date(2028, 10, 2), date(2028, 10, 3),
                                                                      date(2028, 10, 4), date(2028, 10, 5)]
    assert len(guesses) == len(provisional_overrides(2028))  # one estimate a day


def test_the_estimate_of_a_known_year_matches_its_official_holidays_on_weekdays() -> None:
    """2026 is known: every statutory holiday the estimate puts on a weekday is an official holiday too
    (the official schedule adds bridge days and make-up Saturdays, which no estimate can know)."""
    official = {o.day for o in official_overrides([2026]) if not o.workday}
    estimated = {o.day for o in provisional_overrides(2026)}
    assert estimated <= official


def test_default_calendar_marks_the_unknown_years_provisional() -> None:
    cal = default_calendar(date(2025, 1, 1), date(2028, 12, 31))
    assert cal.provisional_years == frozenset({2027, 2028})
    assert not cal.is_workday(date(2028, 5, 2))
    assert cal.is_workday(date(2026, 9, 20))

"""The working-day index, checked against chinesecalendar and against a day-by-day count."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agency.calendar.seed import calendar_from_overrides, default_calendar, known_years, official_overrides
from agency.calendar.workdays import CalendarRangeError, DayOverride, WorkCalendar

CAL = default_calendar()
KNOWN = known_years()
FIRST_KNOWN = date(KNOWN.start, 1, 1)
LAST_KNOWN = date(KNOWN.stop - 1, 12, 31)
ONE = timedelta(days=1)

# Dates whose ±60 working-day neighbourhood stays inside the package's known years, so the naive
# reference (which asks chinesecalendar day by day) never leaves them.
inner_dates = st.dates(min_value=FIRST_KNOWN + timedelta(days=120), max_value=LAST_KNOWN - timedelta(days=120))
any_dates = st.dates(min_value=CAL.start, max_value=CAL.end)


def naive_add(d: date, n: int) -> date:
    step = ONE if n > 0 else -ONE
    left = abs(n)
    while left:
        d += step
        if chinese_calendar.is_workday(d):
            left -= 1
    return d


def naive_between(a: date, b: date) -> int:
    lo, hi, sign = (a, b, 1) if a <= b else (b, a, -1)
    count = 0
    d = lo + ONE
    while d <= hi:
        count += chinese_calendar.is_workday(d)
        d += ONE
    return sign * count


# -- agreement with the official data ------------------------------------------------------------


def test_every_known_day_agrees_with_chinesecalendar() -> None:
    d = FIRST_KNOWN
    while d <= LAST_KNOWN:
        assert CAL.is_workday(d) == chinese_calendar.is_workday(d), d
        assert not CAL.is_provisional(d)
        d += ONE


@settings(max_examples=300, deadline=None)
@given(inner_dates, st.integers(min_value=-60, max_value=60))
def test_add_workdays_agrees_with_a_day_by_day_count(d: date, n: int) -> None:
    assert CAL.add_workdays(d, n) == naive_add(d, n)


@settings(max_examples=300, deadline=None)
@given(inner_dates, st.integers(min_value=-110, max_value=110))
def test_workdays_between_agrees_with_a_day_by_day_count(a: date, offset: int) -> None:
    b = a + timedelta(days=offset)
    assert CAL.workdays_between(a, b) == naive_between(a, b)


@settings(max_examples=500, deadline=None)
@given(any_dates, st.integers(min_value=1, max_value=400))
def test_workdays_between_undoes_add_workdays(d: date, n: int) -> None:
    assume(CAL.ordinal(d) > 0)  # so that a working day on or before d exists
    try:
        later = CAL.add_workdays(d, n)
    except CalendarRangeError:
        assume(False)
        raise
    assert CAL.workdays_between(d, later) == n
    assert CAL.workdays_between(later, d) == -n
    assert CAL.is_workday(later)
    # Counting n back from there lands on the last working day on or before d.
    back = CAL.add_workdays(later, -n)
    assert back == (d if CAL.is_workday(d) else CAL.add_workdays(d, -1))


@settings(max_examples=300, deadline=None)
@given(any_dates)
def test_ordinal_counts_working_days_since_the_start(d: date) -> None:
    expected = CAL.ordinal(d - ONE) + CAL.is_workday(d) if d > CAL.start else int(CAL.is_workday(d))
    assert CAL.ordinal(d) == expected


# -- business scenarios --------------------------------------------------------------------------


def test_national_day_2026_twenty_workdays_end_on_oct_30() -> None:
    # 29, 30 Sep; holiday 1–7 Oct; 8, 9 Oct; make-up Saturday 10 Oct; then three full weeks.
    assert CAL.add_workdays(date(2026, 9, 28), 20) == date(2026, 10, 30)
    assert CAL.is_workday(date(2026, 10, 10))
    assert CAL.workdays_between(date(2026, 9, 28), date(2026, 10, 30)) == 20


def test_spring_festival_2026_make_up_saturdays_are_working_days() -> None:
    # 国务院办公厅 2026 schedule: 15–23 Feb off, Saturdays 14 and 28 Feb worked.
    makeup = [d for d in (date(2026, 2, 14), date(2026, 2, 28)) if CAL.is_workday(d)]
    assert makeup == [date(2026, 2, 14), date(2026, 2, 28)]
    assert [o.day for o in official_overrides([2026]) if o.workday and o.note == "春节调休"] == makeup
    assert not any(CAL.is_workday(date(2026, 2, day)) for day in range(15, 24))
    # The Friday before the break: the next working day is the make-up Saturday, then 24 Feb.
    assert CAL.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)
    assert CAL.next_workday(date(2026, 2, 14)) == date(2026, 2, 24)


def test_count_from_december_2026_into_2027_is_provisional() -> None:
    start = date(2026, 12, 15)
    due = CAL.add_workdays(start, 20)
    # 16–31 Dec: 12 working days; 1 Jan 2027 (Friday) is a provisional holiday; 4–13 Jan: 8 more.
    assert due == date(2027, 1, 13)
    assert CAL.is_provisional(due)
    assert not CAL.is_provisional(start)
    assert CAL.any_provisional(start, due)
    assert not CAL.any_provisional(start, date(2026, 12, 31))


def test_statutory_holidays_in_provisional_2027() -> None:
    assert not CAL.is_workday(date(2027, 1, 1))  # 元旦, a Friday
    assert not CAL.is_workday(date(2027, 10, 1))  # 国庆节, a Friday
    # 1–2 May and 2–3 Oct 2027 fall on weekends: rest days anyway, made up on the Monday and Tuesday after.
    assert CAL.override(date(2027, 5, 1)) is None
    assert not CAL.is_workday(date(2027, 5, 3)) and not CAL.is_workday(date(2027, 5, 4))
    override = CAL.override(date(2027, 10, 1))
    assert override is not None and override.source == "provisional" and override.note == "国庆节"
    # The lunar holidays come from the lunar calendar: 除夕 5 February, 初三 Monday 8 February, and the
    # weekend's 初一 and 初二 made up on 9 and 10 February; 清明 5 April, 端午 9 June, 中秋 15 September.
    for day in (date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10), date(2027, 4, 5),
                date(2027, 6, 9), date(2027, 9, 15)):
        assert not CAL.is_workday(day), day
    assert CAL.is_provisional(date(2027, 2, 8))


def test_a_clock_accepted_in_late_january_2027_is_not_due_before_the_spring_festival_is_over() -> None:
    """The old estimate (fixed-date holidays only) put this due date four working days too early."""
    due = CAL.add_workdays(date(2027, 1, 29), 10)
    # 1–4 Feb (4), then 11, 12, 15, 16, 17, 18 February: the 10th working day is Thursday 18 February.
    assert due == date(2027, 2, 18)


def test_importing_the_official_year_removes_the_provisional_mark() -> None:
    official_2027 = [
        DayOverride(date(2027, 1, 1), False, "official", "元旦"),
        DayOverride(date(2027, 2, 8), False, "official", "春节"),
    ]
    rebuilt = calendar_from_overrides([*official_overrides(), *official_2027])
    assert not rebuilt.is_provisional(date(2027, 6, 1))
    assert rebuilt.is_provisional(date(2028, 6, 1))
    assert not rebuilt.is_workday(date(2027, 2, 8))
    # Once a year is official our guesses for it are dropped: only its own rows count.
    assert rebuilt.is_workday(date(2027, 10, 1))
    assert rebuilt.override(date(2027, 10, 1)) is None


def test_admin_correction_beats_the_official_schedule_and_keeps_the_year_provisional() -> None:
    admin = DayOverride(date(2027, 3, 1), False, "admin", "县政府临时停止办公")
    rebuilt = calendar_from_overrides([*official_overrides(), admin])
    assert not rebuilt.is_workday(date(2027, 3, 1))
    assert rebuilt.is_provisional(date(2027, 3, 1))
    fix = DayOverride(date(2026, 10, 10), False, "admin", "取消调休")
    corrected = WorkCalendar.build([*official_overrides([2026]), fix], [])
    assert not corrected.is_workday(date(2026, 10, 10))
    assert corrected.override(date(2026, 10, 10)) == fix


# -- edges ---------------------------------------------------------------------------------------


def test_add_zero_workdays_returns_the_date_itself_even_on_a_holiday() -> None:
    assert CAL.add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_counting_back_from_a_holiday() -> None:
    # The working day before 5 Oct 2026 (holiday) is 30 Sep; two before, 29 Sep.
    assert CAL.add_workdays(date(2026, 10, 5), -1) == date(2026, 9, 30)
    assert CAL.add_workdays(date(2026, 10, 5), -2) == date(2026, 9, 29)
    assert CAL.add_workdays(date(2026, 10, 12), -1) == date(2026, 10, 10)


def test_workdays_between_is_half_open() -> None:
    assert CAL.workdays_between(date(2026, 9, 28), date(2026, 9, 28)) == 0
    assert CAL.workdays_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
    assert CAL.workdays_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert CAL.workdays_between(date(2026, 10, 8), date(2026, 9, 30)) == -1


def test_next_workday_and_calendar_days() -> None:
    assert CAL.next_workday(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CAL.workday_on_or_after(date(2026, 10, 8)) == date(2026, 10, 8)
    assert CAL.workday_on_or_after(date(2026, 10, 4)) == date(2026, 10, 8)
    assert CAL.add_calendar_days(date(2026, 12, 20), 30) == date(2027, 1, 19)


def test_dates_outside_the_calendar_are_refused_clearly() -> None:
    small = WorkCalendar.build([], [], date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(CalendarRangeError, match=r"2027-01-04 is outside the working calendar"):
        small.is_workday(date(2027, 1, 4))
    with pytest.raises(CalendarRangeError, match="falls outside"):
        small.add_workdays(date(2026, 12, 30), 5)
    with pytest.raises(CalendarRangeError):
        small.add_workdays(date(2026, 1, 2), -5)
    with pytest.raises(CalendarRangeError):
        small.add_calendar_days(date(2026, 12, 30), 5)
    with pytest.raises(ValueError, match="before its start"):
        WorkCalendar.build([], [], date(2026, 1, 2), date(2026, 1, 1))


def test_rows_give_the_ordinal_table() -> None:
    rows = list(CAL.rows())
    assert len(rows) == (CAL.end - CAL.start).days + 1
    assert rows[0][0] == CAL.start and rows[-1][0] == CAL.end
    by_day = {r[0]: r for r in rows}
    assert by_day[date(2026, 10, 10)][2] is True
    assert by_day[date(2026, 10, 1)][2] is False
    assert by_day[date(2027, 6, 1)][3] is True
    # The SQL form of add_workdays: the row whose ordinal is ordinal(d) + n and that is a workday.
    d, n = date(2026, 9, 28), 20
    target = by_day[d][1] + n
    assert next(r[0] for r in rows if r[1] == target and r[2]) == date(2026, 10, 30)

"""The legal clock of one approval. Dates are worked out by hand in the comments."""

from __future__ import annotations

from datetime import date

import pytest

from agency.approvals.clock import (
    NOT_STARTED,
    ClockError,
    ClockEvent,
    Limit,
    Thresholds,
    compute_clock,
)
from agency.calendar.seed import calendar_from_overrides, default_calendar, official_overrides
from agency.calendar.workdays import DayOverride

CAL = default_calendar()
WD5 = Limit(5, "workday")
WD10 = Limit(10, "workday")
WD20 = Limit(20, "workday")


def started(on: date) -> ClockEvent:
    return ClockEvent("started", on)


def test_not_started_approval_has_no_clock() -> None:
    state = compute_clock(WD5, WD20, [], date(2026, 3, 2), CAL)
    assert state == NOT_STARTED
    assert state.accepted_on is None and state.due_on is None and state.remaining_workdays is None
    assert state.level == "none" and state.elapsed_workdays == 0


def test_accepted_the_friday_before_national_day_2025() -> None:
    # Accepted Fri 26 Sep 2025. Counting: Sun 28 Sep (make-up) 1, 29 Sep 2, 30 Sep 3, holiday
    # 1–8 Oct, 9 Oct 4, 10 Oct 5 → promised due 10 Oct. Statutory 20: Sat 11 Oct (make-up) 6,
    # 13–17 Oct 11, 20–24 Oct 16, 27–30 Oct 20 → 30 Oct.
    events = [started(date(2025, 9, 26))]
    state = compute_clock(WD5, WD20, events, date(2025, 9, 30), CAL)
    assert state.accepted_on == date(2025, 9, 26)
    assert state.due_on == date(2025, 10, 10)
    assert state.statutory_due_on == date(2025, 10, 30)
    assert (state.elapsed_workdays, state.remaining_workdays, state.level) == (3, 2, "none")
    assert not state.provisional and not state.paused

    during_holiday = compute_clock(WD5, WD20, events, date(2025, 10, 5), CAL)
    assert (during_holiday.elapsed_workdays, during_holiday.remaining_workdays) == (3, 2)

    after = compute_clock(WD5, WD20, events, date(2025, 10, 9), CAL)
    assert (after.elapsed_workdays, after.remaining_workdays, after.level) == (4, 1, "yellow")
    # Yellow outranks the prompt, but the prompt condition is still reported for its own notice.
    assert after.due_soon and not state.due_soon


def test_three_day_item_accepted_before_national_day_2026_is_due_on_the_make_up_saturday() -> None:
    # Accepted Wed 30 Sep 2026: 8 Oct 1, 9 Oct 2, Sat 10 Oct 3.
    events = [started(date(2026, 9, 30))]
    limit = Limit(3, "workday")
    state = compute_clock(limit, None, events, date(2026, 10, 9), CAL)
    assert state.due_on == date(2026, 10, 10)
    assert state.statutory_due_on is None
    # 2 of 3 used (67% < 80%) and one working day left: a prompt.
    assert (state.elapsed_workdays, state.remaining_workdays, state.level) == (2, 1, "prompt")
    on_the_day = compute_clock(limit, None, events, date(2026, 10, 10), CAL)
    assert (on_the_day.remaining_workdays, on_the_day.level) == (0, "yellow")
    assert compute_clock(limit, None, events, date(2026, 10, 12), CAL).level == "red"


def test_supplement_pause_excludes_the_days_after_pausing_up_to_the_resume_day() -> None:
    # Accepted Mon 2 Mar 2026, 10 WD: uninterrupted due Mon 16 Mar.
    # Paused Thu 5 Mar (3, 4, 5 Mar used — the pause day counts), resumed Thu 12 Mar:
    # 6, 9, 10, 11, 12 Mar excluded (the resume day too). 7 days left from 13 Mar:
    # 13, 16, 17, 18, 19, 20, 23 Mar → due Mon 23 Mar (= 16 Mar + 5 working days).
    accepted, paused, resumed = date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 12)
    assert compute_clock(WD10, None, [started(accepted)], date(2026, 3, 3), CAL).due_on == date(2026, 3, 16)
    events = [started(accepted), ClockEvent("paused", paused), ClockEvent("resumed", resumed)]

    on_resume_day = compute_clock(WD10, None, events, resumed, CAL)
    assert on_resume_day.due_on == date(2026, 3, 23)
    assert on_resume_day.elapsed_workdays == 3
    assert on_resume_day.paused_workdays == 5
    assert not on_resume_day.paused

    later = compute_clock(WD10, None, events, date(2026, 3, 20), CAL)
    # 3 + (13, 16, 17, 18, 19, 20 Mar) = 9 of 10.
    assert (later.elapsed_workdays, later.remaining_workdays, later.level) == (9, 1, "yellow")
    late = compute_clock(WD10, None, events, date(2026, 3, 24), CAL)
    assert (late.level, late.overdue_workdays, late.remaining_workdays) == ("red", 1, -1)
    # Red since Tue 24 Mar; by Thu 26 Mar it has been red for 24, 25, 26 Mar → L3.
    assert compute_clock(WD10, None, events, date(2026, 3, 26), CAL).level == "l3"


def test_while_paused_the_due_date_assumes_resumption_today() -> None:
    # Same case, still paused on Tue 10 Mar: 7 days left counted from 11 Mar → 19 Mar.
    events = [started(date(2026, 3, 2)), ClockEvent("paused", date(2026, 3, 5))]
    state = compute_clock(WD10, WD20, events, date(2026, 3, 10), CAL)
    assert state.paused
    assert state.due_on == date(2026, 3, 19)
    assert (state.elapsed_workdays, state.remaining_workdays, state.paused_workdays) == (3, 7, 3)
    assert state.level == "none" and not state.due_soon
    # A day later the projection moves a working day later.
    assert compute_clock(WD10, WD20, events, date(2026, 3, 11), CAL).due_on == date(2026, 3, 20)


def test_pause_after_the_due_date_stays_red_with_the_real_due_date() -> None:
    # 4 WD from Mon 2 Mar → due Fri 6 Mar; paused Tue 10 Mar after 9 and 10 Mar overdue.
    events = [started(date(2026, 3, 2)), ClockEvent("paused", date(2026, 3, 10))]
    state = compute_clock(Limit(4, "workday"), None, events, date(2026, 3, 20), CAL)
    assert state.paused and state.due_on == date(2026, 3, 6)
    assert (state.level, state.overdue_workdays, state.remaining_workdays) == ("red", 2, -2)


def test_extension_moves_both_due_dates() -> None:
    # Promised 10 from 2 Mar → 16 Mar, +10 → 30 Mar. Statutory 20 → 30 Mar, +10: 31 Mar, 1, 2,
    # 3 Apr, (6 Apr 清明 off), 7, 8, 9, 10, 13, 14 Apr → 14 Apr.
    events = [started(date(2026, 3, 2)), ClockEvent("extended", date(2026, 3, 10), days=10)]
    state = compute_clock(WD10, WD20, events, date(2026, 3, 16), CAL)
    assert state.due_on == date(2026, 3, 30)
    assert state.statutory_due_on == date(2026, 4, 14)
    assert (state.extension_days, state.allowed, state.used) == (10, 20, 10)
    assert state.level == "none"  # 10 of 20 used


def test_calendar_day_limit_counts_calendar_days_and_pauses() -> None:
    # 15 calendar days from Mon 2 Mar → Tue 17 Mar. Paused Thu 5 Mar, resumed Thu 12 Mar:
    # 7 calendar days excluded → Tue 24 Mar.
    limit = Limit(15, "calendar_day")
    assert compute_clock(limit, None, [started(date(2026, 3, 2))], date(2026, 3, 3), CAL).due_on == date(2026, 3, 17)
    events = [
        started(date(2026, 3, 2)),
        ClockEvent("paused", date(2026, 3, 5)),
        ClockEvent("resumed", date(2026, 3, 12)),
    ]
    state = compute_clock(limit, None, events, date(2026, 3, 20), CAL)
    assert state.due_on == date(2026, 3, 24)
    # used: 3 (3–5 Mar) + 8 (13–20 Mar) = 11 of 15; working days left: 23, 24 Mar.
    assert (state.used, state.allowed, state.remaining_workdays, state.level) == (11, 15, 2, "none")
    assert state.elapsed_workdays == 3 + 6
    assert compute_clock(limit, None, events, date(2026, 3, 23), CAL).level == "yellow"  # 14/15


def test_calendar_day_limit_ending_on_a_holiday_moves_to_the_next_working_day() -> None:
    # 环评 statutory 30 calendar days from Tue 1 Sep 2026 → Thu 1 Oct, a holiday → 8 Oct.
    state = compute_clock(WD10, Limit(30, "calendar_day"), [started(date(2026, 9, 1))], date(2026, 9, 2), CAL)
    assert state.statutory_due_on == date(2026, 10, 8)
    assert state.due_on == date(2026, 9, 15)


def test_due_date_in_provisional_2027_is_recomputed_when_the_official_schedule_arrives() -> None:
    # Accepted 15 Dec 2026, 20 WD: 16–31 Dec = 12, 1 Jan 2027 (provisional 元旦) off,
    # 4–13 Jan = 8 → 13 Jan 2027, provisional.
    events = [started(date(2026, 12, 15))]
    before = compute_clock(WD20, None, events, date(2026, 12, 16), CAL)
    assert before.due_on == date(2027, 1, 13)
    assert before.provisional

    # A (hypothetical) 2027 notice that also gives Monday 4 Jan off.
    notice = [
        DayOverride(date(2027, 1, 1), False, "official", "元旦"),
        DayOverride(date(2027, 1, 4), False, "official", "元旦"),
    ]
    rebuilt = calendar_from_overrides([*official_overrides(), *notice])
    after = compute_clock(WD20, None, events, date(2026, 12, 16), rebuilt)
    assert after.due_on == date(2027, 1, 14)
    assert not after.provisional


def test_item_accepted_thirty_working_days_ago_with_a_five_day_promise_is_red_and_l3() -> None:
    today = date(2026, 6, 15)
    accepted = CAL.add_workdays(today, -30)
    state = compute_clock(WD5, WD20, [started(accepted)], today, CAL)
    assert state.elapsed_workdays == 30
    assert state.overdue_workdays == 25
    assert state.remaining_workdays == -25
    assert state.due_on == CAL.add_workdays(accepted, 5)
    assert state.level == "l3"


def test_red_becomes_l3_after_three_more_working_days_or_at_once_on_the_green_channel() -> None:
    # 5 WD from Mon 2 Mar 2026 → due Mon 9 Mar.
    events = [started(date(2026, 3, 2))]
    levels = {
        today: compute_clock(WD5, None, events, today, CAL).level
        for today in (date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12))
    }
    assert levels == {date(2026, 3, 10): "red", date(2026, 3, 11): "red", date(2026, 3, 12): "l3"}
    green = compute_clock(WD5, None, events, date(2026, 3, 10), CAL, green_channel=True)
    assert green.level == "l3"


def test_a_saturday_after_a_friday_due_date_is_already_red() -> None:
    events = [started(date(2026, 3, 2))]  # 4 WD → due Fri 6 Mar
    state = compute_clock(Limit(4, "workday"), None, events, date(2026, 3, 7), CAL)
    assert (state.level, state.remaining_workdays, state.overdue_workdays) == ("red", 0, 0)
    assert not state.due_soon


def test_routes_can_override_the_thresholds() -> None:
    events = [started(date(2026, 3, 2))]
    today = date(2026, 3, 12)  # 8 of 10 used
    assert compute_clock(WD10, None, events, today, CAL).level == "yellow"
    strict = Thresholds(yellow_ratio=0.9, prompt_days=2, l3_after_workdays=1)
    assert compute_clock(WD10, None, events, today, CAL, thresholds=strict).level == "prompt"
    assert compute_clock(WD10, None, events, date(2026, 3, 17), CAL, thresholds=strict).level == "l3"


def test_decided_approval_freezes_the_clock_and_says_whether_it_was_on_time() -> None:
    base = [started(date(2026, 3, 2))]
    on_time = compute_clock(WD10, WD20, [*base, ClockEvent("stopped", date(2026, 3, 13))], date(2026, 5, 1), CAL)
    assert on_time.finished_on == date(2026, 3, 13)
    assert on_time.due_on == date(2026, 3, 16)
    assert (on_time.elapsed_workdays, on_time.remaining_workdays) == (9, 1)
    assert (on_time.on_time, on_time.statutory_on_time, on_time.level) == (True, True, "none")

    late = compute_clock(WD10, WD20, [*base, ClockEvent("stopped", date(2026, 3, 18))], date(2026, 5, 1), CAL)
    assert (late.on_time, late.statutory_on_time, late.level) == (False, True, "none")
    assert late.overdue_workdays == 2


def test_decided_while_paused() -> None:
    events = [
        started(date(2026, 3, 2)),
        ClockEvent("paused", date(2026, 3, 5)),
        ClockEvent("stopped", date(2026, 3, 20)),
    ]
    state = compute_clock(WD10, None, events, date(2026, 4, 1), CAL)
    assert state.elapsed_workdays == 3
    assert state.paused_workdays == 11  # 6 Mar … 20 Mar
    assert not state.paused and state.on_time


def test_restarted_clock_counts_from_the_new_acceptance() -> None:
    events = [started(date(2026, 3, 2)), ClockEvent("paused", date(2026, 3, 5)), started(date(2026, 3, 12))]
    state = compute_clock(WD10, None, events, date(2026, 3, 13), CAL)
    assert state.accepted_on == date(2026, 3, 12)
    assert state.due_on == date(2026, 3, 26)
    assert (state.elapsed_workdays, state.paused_workdays) == (1, 0)


def test_same_day_events_keep_their_order() -> None:
    # Paused on the day of acceptance: nothing used, counting starts after the resume day.
    events = [
        started(date(2026, 3, 2)),
        ClockEvent("paused", date(2026, 3, 2)),
        ClockEvent("resumed", date(2026, 3, 4)),
    ]
    state = compute_clock(WD5, None, events, date(2026, 3, 4), CAL)
    assert state.elapsed_workdays == 0
    assert state.due_on == date(2026, 3, 11)  # 5 WD after 4 Mar


def test_zero_day_item_is_due_on_acceptance() -> None:
    state = compute_clock(Limit(0, "workday"), None, [started(date(2026, 3, 2))], date(2026, 3, 2), CAL)
    assert state.due_on == date(2026, 3, 2)
    assert compute_clock(Limit(0, "workday"), None, [started(date(2026, 3, 2))], date(2026, 3, 3), CAL).level == "red"


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([ClockEvent("paused", date(2026, 3, 2))], "before the clock started"),
        ([started(date(2026, 3, 2)), ClockEvent("resumed", date(2026, 3, 3))], "not paused"),
        (
            [started(date(2026, 3, 2)), ClockEvent("paused", date(2026, 3, 3)), ClockEvent("paused", date(2026, 3, 4))],
            "already paused",
        ),
        ([started(date(2026, 3, 2)), ClockEvent("stopped", date(2026, 3, 3)), started(date(2026, 3, 4))], "stopped"),
        ([started(date(2026, 3, 2)), ClockEvent("extended", date(2026, 3, 3), days=0)], "at least one day"),
        ([started(date(2026, 4, 2))], "after today"),
    ],
)
def test_impossible_event_sequences_are_refused(events: list[ClockEvent], message: str) -> None:
    with pytest.raises(ClockError, match=message):
        compute_clock(WD10, None, events, date(2026, 3, 10), CAL)


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="negative"):
        Limit(-1, "workday")
    with pytest.raises(ValueError, match="unit"):
        Limit(1, "hour")  # type: ignore[arg-type]

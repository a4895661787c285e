"""The legal clock of one approval: due dates, time used and the escalation level, derived from the
clock events and the working calendar. A pure function — nothing here reads the clock on the wall
or a database; ``today`` and the calendar are arguments.

Conventions (DESIGN.md "The clock", DOMAIN.md "Time rules"):

* **Start.** Counting starts on the working day after acceptance ("started"). With a limit of n
  working days the due date is the n-th working day after the acceptance date. A limit of 0 (即办)
  is due on the acceptance date.
* **Calendar-day limits** count calendar days the same way (day after acceptance = day 1). When the
  last day falls on a non-working day the due date moves to the next working day (民法典 第二百零三条:
  期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日).
* **Pause / resume.** A pause on P and a resume on R exclude the days in ``(P, R]``: the day of
  pausing still counts as used, the days after it up to *and including* the resume day do not, and
  counting goes on from the day after R — resumption is treated like a new acceptance. The due
  date moves by the excluded days (working days, or calendar days for a calendar-day limit).
* **While paused** ``due_on`` is a projection: the due date if the clock were resumed today.
  It therefore moves forward every day the pause lasts; ``paused`` is True. A due date that had
  already passed before the pause stays where it was.
* **Extension.** ``extended`` adds its ``days`` to both the promised and the statutory limit, each in
  its own unit: a 延期 approved under the law also moves what supervision measures against.
* **Restart.** A second ``started`` (a county that restarts the clock after a supplement instead
  of resuming it) discards everything before it: new acceptance date, no extensions, no pauses.
* **Stop.** ``stopped`` (the decision) freezes the clock: time used is counted up to the stop
  date, ``finished_on`` is that date and ``on_time`` says whether it was on or before ``due_on``.
  A stopped clock has level ``none``.
* Events are taken in date order (stable, so same-day events keep their given order). Events
  after ``today``, and sequences the life cycle cannot produce (resume without pause, anything
  after a stop, an extension of no days) raise :class:`ClockError`.

Counters and levels (defaults of DESIGN.md "Escalation", all in :class:`Thresholds`):

* ``elapsed_workdays`` — working days counted so far (not paused), up to today or the stop date.
* ``remaining_workdays`` — working days after today (or the stop date) up to and including
  ``due_on``: 1 the day before the due date, 0 on it; negative = minus the working days counted
  after the due date. For a calendar-day limit it is still measured in working days.
* ``used`` / ``allowed`` — time used and the promised limit plus extensions, in the promised unit.
* **prompt**: the clock runs, today is not past ``due_on`` and ``remaining_workdays <= prompt_days``
  (so on the last working day before the due date and on the due date itself, by default).
* **yellow**: ``used >= yellow_ratio × allowed``.
* **red**: past the promised due date — today (the pause date, while paused) is after ``due_on``.
  A Saturday after a Friday due date is already red.
* **l3**: red, and either ``overdue_workdays >= l3_after_workdays`` (working days counted after the
  due date) or the project is on the green channel.
* The level is the most severe that holds; prompt is never shown while the clock is paused.
  ``due_soon`` reports the prompt condition even when a more severe level hides it (with the
  default thresholds every limit of 5 or more working days is yellow before it is "due soon").
* ``provisional``: some date from acceptance to the later of the due dates and today lies in a
  year whose official schedule is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from agency.calendar.workdays import WorkCalendar

Unit = Literal["workday", "calendar_day"]
Level = Literal["none", "prompt", "yellow", "red", "l3"]
EventKind = Literal["started", "paused", "resumed", "extended", "stopped"]

LEVELS: tuple[Level, ...] = ("none", "prompt", "yellow", "red", "l3")


class ClockError(ValueError):
    """The clock events do not form a sequence the approval life cycle can produce."""


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"a time limit cannot be negative: {self.count}")
        if self.unit not in ("workday", "calendar_day"):
            raise ValueError(f"unknown limit unit {self.unit!r}")


@dataclass(frozen=True, slots=True)
class ClockEvent:
    kind: EventKind
    on: date
    days: int = 0  # extended: the days added, in each limit's own unit


@dataclass(frozen=True, slots=True)
class Thresholds:
    yellow_ratio: float = 0.8
    prompt_days: int = 1
    l3_after_workdays: int = 3


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class ClockState:
    accepted_on: date | None
    due_on: date | None
    statutory_due_on: date | None
    elapsed_workdays: int
    remaining_workdays: int | None
    paused: bool
    provisional: bool
    level: Level
    finished_on: date | None = None
    on_time: bool | None = None
    statutory_on_time: bool | None = None
    extension_days: int = 0
    paused_workdays: int = 0
    overdue_workdays: int = 0
    used: int = 0
    allowed: int = 0
    # The prompt condition on its own: with the default 80% yellow it holds under a yellow level
    # for any limit of 5 working days or more, and the prompt notification still has to go out.
    due_soon: bool = False


NOT_STARTED = ClockState(None, None, None, 0, None, False, False, "none")


def due_date(calendar: WorkCalendar, accepted_on: date, limit: Limit) -> date:
    """The due date of an uninterrupted clock accepted on ``accepted_on``."""
    if limit.unit == "workday":
        return calendar.add_workdays(accepted_on, limit.count)
    return calendar.workday_on_or_after(calendar.add_calendar_days(accepted_on, limit.count))


@dataclass(slots=True)
class _Timeline:
    """The events reduced to running periods. Every period is ``(s, e]``: s excluded, e counted."""

    accepted_on: date
    runs: list[tuple[date, date]]  # closed running periods
    gaps: list[tuple[date, date]]  # paused periods, the current one ending today
    tail_from: date  # the open period counts from the day after this date
    state: Literal["running", "paused", "stopped"]
    paused_on: date | None
    stopped_on: date | None
    extension: int


def _reduce(events: Sequence[ClockEvent], today: date) -> _Timeline | None:
    accepted: date | None = None
    runs: list[tuple[date, date]] = []
    gaps: list[tuple[date, date]] = []
    seg_start: date | None = None
    paused_on: date | None = None
    stopped_on: date | None = None
    extension = 0
    state: str | None = None

    for ev in sorted(events, key=lambda e: e.on):
        if ev.on > today:
            raise ClockError(f"clock event {ev.kind} on {ev.on} is after today ({today})")
        if state == "stopped":
            raise ClockError(f"clock event {ev.kind} on {ev.on} after the clock stopped on {stopped_on}")
        if ev.kind == "started":
            accepted = seg_start = ev.on
            runs, gaps, extension, paused_on, state = [], [], 0, None, "running"
        elif state is None:
            raise ClockError(f"clock event {ev.kind} on {ev.on} before the clock started")
        elif ev.kind == "paused":
            if state != "running":
                raise ClockError(f"clock paused on {ev.on} while already paused since {paused_on}")
            assert seg_start is not None
            runs.append((seg_start, ev.on))
            paused_on, state = ev.on, "paused"
        elif ev.kind == "resumed":
            if state != "paused":
                raise ClockError(f"clock resumed on {ev.on} but it was not paused")
            assert paused_on is not None
            gaps.append((paused_on, ev.on))
            seg_start, paused_on, state = ev.on, None, "running"
        elif ev.kind == "extended":
            if ev.days <= 0:
                raise ClockError(f"extension on {ev.on} must add at least one day, not {ev.days}")
            extension += ev.days
        elif ev.kind == "stopped":
            if state == "running":
                assert seg_start is not None
                runs.append((seg_start, ev.on))
            else:
                assert paused_on is not None
                gaps.append((paused_on, ev.on))
            stopped_on, state = ev.on, "stopped"
        else:
            raise ClockError(f"unknown clock event {ev.kind!r}")

    if accepted is None or state is None:
        return None
    if state == "running":
        assert seg_start is not None
        return _Timeline(accepted, runs, gaps, seg_start, "running", None, None, extension)
    if state == "paused":
        assert paused_on is not None
        gaps.append((paused_on, today))
        return _Timeline(accepted, runs, gaps, today, "paused", paused_on, None, extension)
    assert stopped_on is not None
    return _Timeline(accepted, runs, gaps, stopped_on, "stopped", None, stopped_on, extension)


def _span(calendar: WorkCalendar, s: date, e: date, unit: Unit) -> int:
    return calendar.workdays_between(s, e) if unit == "workday" else (e - s).days


def _due(calendar: WorkCalendar, tl: _Timeline, limit: Limit) -> date:
    return _due_and_fixed(calendar, tl, limit)[0]


def _due_and_fixed(calendar: WorkCalendar, tl: _Timeline, limit: Limit) -> tuple[date, bool]:
    """The due date, and whether a closed run already reached it (it then stays, whatever comes after)."""
    budget = limit.count + tl.extension
    for s, e in tl.runs:
        length = _span(calendar, s, e, limit.unit)
        if length >= budget:
            return due_date(calendar, s, Limit(budget, limit.unit)), True
        budget -= length
    return due_date(calendar, tl.tail_from, Limit(budget, limit.unit)), False


def _counted_runs(tl: _Timeline, today: date) -> list[tuple[date, date]]:
    if tl.state == "running":
        return [*tl.runs, (tl.tail_from, today)]
    return tl.runs


def compute_clock(
    promised: Limit,
    statutory: Limit | None,
    events: Sequence[ClockEvent],
    today: date,
    calendar: WorkCalendar,
    *,
    green_channel: bool = False,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> ClockState:
    """The state of one approval's clock on ``today``; see the module docstring for the rules."""
    tl = _reduce(events, today)
    if tl is None:
        return NOT_STARTED

    due = _due(calendar, tl, promised)
    statutory_due = _due(calendar, tl, statutory) if statutory is not None else None
    counted = _counted_runs(tl, today)

    elapsed = sum(calendar.workdays_between(s, e) for s, e in counted)
    used = elapsed if promised.unit == "workday" else sum((e - s).days for s, e in counted)
    allowed = promised.count + tl.extension
    paused_workdays = sum(calendar.workdays_between(s, e) for s, e in tl.gaps)
    overdue = sum(calendar.workdays_between(max(s, due), e) for s, e in counted if e > due)

    ref = tl.stopped_on if tl.stopped_on is not None else today
    if promised.unit == "workday":
        remaining = allowed - used
    else:
        remaining = calendar.workdays_between(ref, due) if due > ref else -overdue

    level: Level = "none"
    due_soon = tl.state == "running" and today <= due and remaining <= thresholds.prompt_days
    if tl.state != "stopped":
        red_ref = tl.paused_on if tl.paused_on is not None else today
        if red_ref > due:
            long_overdue = overdue >= thresholds.l3_after_workdays
            level = "l3" if green_channel or long_overdue else "red"
        elif used >= allowed * thresholds.yellow_ratio - 1e-9:
            level = "yellow"
        elif due_soon:
            level = "prompt"

    horizon = max(due, ref, statutory_due or due)
    provisional = calendar.any_provisional(tl.accepted_on, horizon)

    on_time = statutory_on_time = None
    if tl.stopped_on is not None:
        on_time = tl.stopped_on <= due
        if statutory_due is not None:
            statutory_on_time = tl.stopped_on <= statutory_due

    return ClockState(
        accepted_on=tl.accepted_on,
        due_on=due,
        statutory_due_on=statutory_due,
        elapsed_workdays=elapsed,
        remaining_workdays=remaining,
        paused=tl.state == "paused",
        provisional=provisional,
        level=level,
        finished_on=tl.stopped_on,
        on_time=on_time,
        statutory_on_time=statutory_on_time,
        extension_days=tl.extension,
        paused_workdays=paused_workdays,
        overdue_workdays=overdue,
        used=used,
        allowed=allowed,
        due_soon=due_soon,
    )


@dataclass(frozen=True, slots=True)
class ClockConstants:
    """A running or paused clock, reduced to what does not depend on the day it is read on.

    ``compute_clock`` read on ``anchor_on`` (the day of the last event) gives these numbers; on any later
    day T the clock follows from them and the calendar alone (agency/approvals/clock_sql.py does it in
    SQL for a whole worklist):

    * running: ``remaining(T) = remaining_at_anchor − (working days in (anchor_on, T])`` — every working
      day counted takes one off, before and after the due date alike; ``used(T)`` is ``allowed −
      remaining(T)`` for a working-day limit, ``used_at_anchor + calendar days in (anchor_on, T]`` for a
      calendar-day one; the due dates stay;
    * paused: the numbers stay as they are; a due date that a closed run had already reached stays too,
      any other is a projection ("if resumed today") that moves every day — None here, for the pure
      function; so is the remaining count of a calendar-day limit then, which moves with the holidays
      (and with the days, while a due date reached before the pause still lies ahead of it).

    ``horizon_on`` is the last date the numbers depend on (None: they move with every day): a change
    of the calendar on a day outside ``[accepted_on, horizon_on]`` leaves them as they are.
    """

    state: Literal["running", "paused"]
    unit: Unit
    allowed: int
    accepted_on: date
    paused_on: date | None
    due_on: date | None
    statutory_due_on: date | None
    anchor_on: date
    remaining_at_anchor: int | None
    used_at_anchor: int
    horizon_on: date | None


def clock_constants(promised: Limit, statutory: Limit | None, events: Sequence[ClockEvent],
                    calendar: WorkCalendar) -> ClockConstants | None:
    """The constants of a running or paused clock; None when it has not started or has stopped.
    Raises :class:`ClockError` for a sequence ``compute_clock`` refuses."""
    if not events:
        return None
    anchor = max(e.on for e in events)
    state = compute_clock(promised, statutory, events, anchor, calendar)
    if state.accepted_on is None or state.finished_on is not None:
        return None
    assert state.due_on is not None and state.remaining_workdays is not None
    if not state.paused:
        horizon: date | None = max(d for d in (state.due_on, state.statutory_due_on, anchor) if d is not None)
        return ClockConstants("running", promised.unit, state.allowed, state.accepted_on, None, state.due_on,
                              state.statutory_due_on, anchor, state.remaining_workdays, state.used, horizon)
    tl = _reduce(events, anchor)
    assert tl is not None
    due_fixed = _due_and_fixed(calendar, tl, promised)[1]
    statutory_fixed = statutory is not None and _due_and_fixed(calendar, tl, statutory)[1]
    due = state.due_on if due_fixed else None
    statutory_due = state.statutory_due_on if statutory_fixed else None
    # A calendar-day due date reached by a closed run may still lie after the pause day (the run's last day fell
    # on a holiday: the due date moved to the next working day, inside the pause): the working days left to it
    # then count down while the clock stands still — left to the pure function, like a projection.
    steady = promised.unit == "workday" or (due_fixed and due is not None and tl.paused_on is not None
                                            and due <= tl.paused_on)
    remaining = state.remaining_workdays if steady else None
    moving = not due_fixed or (statutory is not None and not statutory_fixed)
    horizon = None if moving else max(d for d in (due, statutory_due, anchor) if d is not None)
    return ClockConstants("paused", promised.unit, state.allowed, state.accepted_on, tl.paused_on, due,
                          statutory_due, anchor, remaining, state.used, horizon)

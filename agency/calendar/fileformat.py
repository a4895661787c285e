"""The text file an administrator imports to load a year's holiday schedule (节假日安排).

The State Council publishes next year's schedule every November; the admin types it (or pastes a
prepared file) in this format. docs/calendar-format.md is the user-facing description; in short::

    # 国务院办公厅关于2027年部分节假日安排的通知
    year 2027
    source official
    title 国办发明电〔2026〕X号
    2027-01-01 休 元旦
    2027-10-01..2027-10-07 休 国庆节
    2027-09-26 班 国庆节调休

* ``#`` starts a comment (to the end of the line); blank lines are ignored.
* Directives come before the first day line: ``year`` (required), ``source`` (``official``, the
  default, or ``admin``), ``title`` (free text). Chinese aliases: 年份, 来源, 标题.
* A day line is ``DATE STATUS [NOTE…]`` or ``DATE..DATE STATUS [NOTE…]`` (inclusive range of at
  most 31 days; ``~`` and ``～`` also work). STATUS is 休/假/holiday/rest or 班/workday/work.
* A 休 that falls on a weekend is accepted (the notice lists the whole break) but produces no
  override: the day is a rest day anyway. A 班 must fall on a weekend — a weekday is already a
  working day, so that line is a mistake.
* Every date must lie in the declared year and appear only once.

The parsed result holds only the overrides, i.e. the dates that differ from Monday–Friday, which is
exactly what the calendar table stores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from agency.calendar.workdays import DayOverride

FileSource = Literal["official", "admin"]

_REST_WORDS = frozenset({"休", "假", "holiday", "rest"})
_WORK_WORDS = frozenset({"班", "workday", "work"})
_DIRECTIVES = {
    "year": "year",
    "年份": "year",
    "source": "source",
    "来源": "source",
    "title": "title",
    "标题": "title",
}
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_RANGE_SEP = re.compile(r"\.\.|~|～")
_RANGE_BLANKS = re.compile(r"^(\s*\d{4}-\d{1,2}-\d{1,2})\s*(\.\.|~|～)\s*")
# A range longer than this is almost certainly a typo in the year or month.
_MAX_RANGE_DAYS = 31


class CalendarFileError(ValueError):
    """A line of a calendar file that cannot be accepted, in Chinese and English."""

    def __init__(self, line: int | None, message_zh: str, message_en: str) -> None:
        self.line = line
        self.message_zh = message_zh
        self.message_en = message_en
        where_zh = f"第 {line} 行：" if line is not None else ""
        where_en = f"line {line}: " if line is not None else ""
        super().__init__(f"{where_zh}{message_zh} / {where_en}{message_en}")


@dataclass(frozen=True, slots=True)
class CalendarFile:
    year: int
    source: FileSource
    overrides: list[DayOverride]
    title: str = ""
    # Weekend dates listed as 休: no override, but they belong to the announced break.
    weekend_rest_days: list[date] = field(default_factory=list)


def _parse_date(text: str, line: int) -> date:
    m = _DATE.fullmatch(text)
    if m is None:
        raise CalendarFileError(
            line, f"日期格式错误“{text}”，应为 YYYY-MM-DD", f"bad date {text!r}, expected YYYY-MM-DD"
        )
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise CalendarFileError(line, f"不存在的日期“{text}”", f"no such date {text!r}") from None


def _parse_span(text: str, line: int) -> list[date]:
    parts = _RANGE_SEP.split(text)
    if len(parts) == 1:
        return [_parse_date(parts[0], line)]
    if len(parts) != 2:
        raise CalendarFileError(line, f"日期范围格式错误“{text}”", f"bad date range {text!r}")
    first, last = _parse_date(parts[0], line), _parse_date(parts[1], line)
    if last < first:
        raise CalendarFileError(line, f"日期范围首尾颠倒“{text}”", f"date range {text!r} ends before it starts")
    length = (last - first).days + 1
    if length > _MAX_RANGE_DAYS:
        raise CalendarFileError(
            line,
            f"日期范围过长（{length} 天，最多 {_MAX_RANGE_DAYS} 天）",
            f"date range of {length} days is too long (at most {_MAX_RANGE_DAYS})",
        )
    return [first + timedelta(days=i) for i in range(length)]


def _parse_status(word: str, line: int) -> bool:
    lowered = word.lower()
    if lowered in _WORK_WORDS:
        return True
    if lowered in _REST_WORDS:
        return False
    raise CalendarFileError(
        line,
        f"无法识别的类型“{word}”，应为“休”或“班”",
        f"unknown status {word!r}, expected 休/holiday or 班/workday",
    )


def parse_calendar_file(text: str) -> CalendarFile:
    """Parse and check a calendar file; raises :class:`CalendarFileError` at the first fault."""
    year: int | None = None
    source: FileSource = "official"
    title = ""
    seen_directives: set[str] = set()
    seen_days: dict[date, int] = {}
    entries: list[tuple[date, bool, str]] = []
    weekend_rest: list[date] = []

    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        # "A .. B" with blanks around the separator is still one range.
        content = _RANGE_BLANKS.sub(r"\1\2", raw.split("#", 1)[0]).strip()
        if not content:
            continue
        # str.split() without an argument also splits on the full-width space (U+3000).
        tokens = content.split()
        head = tokens[0]
        directive = _DIRECTIVES.get(head.lower())
        if directive is not None:
            if entries or weekend_rest:
                raise CalendarFileError(
                    number, f"“{head}”必须写在日期行之前", f"{head!r} must come before the first day line"
                )
            if directive in seen_directives:
                raise CalendarFileError(number, f"“{head}”重复", f"{head!r} given twice")
            seen_directives.add(directive)
            value = " ".join(tokens[1:])
            if directive == "year":
                if not re.fullmatch(r"\d{4}", value):
                    raise CalendarFileError(
                        number, f"年份格式错误“{value}”", f"bad year {value!r}, expected four digits"
                    )
                year = int(value)
            elif directive == "source":
                if value.lower() not in ("official", "admin"):
                    raise CalendarFileError(
                        number,
                        f"来源“{value}”无效，应为 official 或 admin",
                        f"source {value!r} is not official or admin",
                    )
                source = "official" if value.lower() == "official" else "admin"
            else:
                title = value
            continue

        if not _DATE.match(head):
            raise CalendarFileError(number, f"无法识别的行“{content}”", f"unrecognised line {content!r}")
        if year is None:
            raise CalendarFileError(
                number, "日期行之前必须先写“year 年份”", "a 'year YYYY' line must come before the first day line"
            )
        if len(tokens) < 2:
            raise CalendarFileError(number, "缺少类型（休 或 班）", "missing status (休/holiday or 班/workday)")
        days = _parse_span(head, number)
        workday = _parse_status(tokens[1], number)
        note = " ".join(tokens[2:])
        for day in days:
            if day.year != year:
                raise CalendarFileError(
                    number,
                    f"{day.isoformat()} 不在声明的年份 {year} 内",
                    f"{day.isoformat()} is outside the declared year {year}",
                )
            if day in seen_days:
                raise CalendarFileError(
                    number,
                    f"{day.isoformat()} 重复（已见于第 {seen_days[day]} 行）",
                    f"{day.isoformat()} is listed twice (first on line {seen_days[day]})",
                )
            seen_days[day] = number
            weekend = day.weekday() >= 5
            if workday and not weekend:
                raise CalendarFileError(
                    number,
                    f"{day.isoformat()} 是工作日（周一至周五），无需调休上班",
                    f"{day.isoformat()} is a weekday and already a working day; 班 is for weekends",
                )
            if not workday and weekend:
                weekend_rest.append(day)
            else:
                entries.append((day, workday, note))

    if year is None:
        raise CalendarFileError(None, "文件缺少“year 年份”行", "the file has no 'year YYYY' line")
    if not entries and not weekend_rest:
        raise CalendarFileError(None, "文件没有任何日期行", "the file lists no days")
    overrides = [DayOverride(day, workday, source, note) for day, workday, note in sorted(entries)]
    return CalendarFile(year, source, overrides, title, sorted(weekend_rest))


def format_calendar_file(
    year: int,
    overrides: Iterable[DayOverride],
    *,
    source: FileSource = "official",
    title: str = "",
) -> str:
    """Write overrides of one year in the file format; runs of equal days become ranges."""
    lines = [f"year {year}", f"source {source}"]
    if title:
        lines.append(f"title {title}")
    runs: list[list[DayOverride]] = []
    for o in sorted(overrides, key=lambda o: o.day):
        if o.day.year != year:
            raise ValueError(f"{o.day.isoformat()} is not in {year}")
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and o.day - last.day == timedelta(days=1)
            and (o.workday, o.note) == (last.workday, last.note)
        ):
            runs[-1].append(o)
        else:
            runs.append([o])
    for run in runs:
        first, final = run[0], run[-1]
        span = first.day.isoformat() if first is final else f"{first.day.isoformat()}..{final.day.isoformat()}"
        status = "班" if first.workday else "休"
        lines.append(f"{span} {status} {first.note}".rstrip())
    return "\n".join(lines) + "\n"

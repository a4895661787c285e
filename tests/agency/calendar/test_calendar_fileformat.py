"""The admin's calendar file: the documented example, the rules, and the error messages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agency.calendar.fileformat import CalendarFileError, format_calendar_file, parse_calendar_file
from agency.calendar.seed import calendar_from_overrides, known_years, official_overrides
from agency.calendar.workdays import DayOverride

DOC = Path(__file__).resolve().parents[3] / "docs" / "calendar-format.md"


def documented_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- calendar-example:start -->\s*```\n(.*?)```\s*<!-- calendar-example:end -->", text, re.S)
    assert m is not None, "the example block is missing from docs/calendar-format.md"
    return m.group(1)


def test_the_documented_2026_example_matches_the_official_schedule() -> None:
    parsed = parse_calendar_file(documented_example())
    assert parsed.year == 2026 and parsed.source == "official"
    assert parsed.title == "国务院办公厅关于2026年部分节假日安排的通知"
    assert parsed.overrides == official_overrides([2026])
    assert sum(not o.workday for o in parsed.overrides) == 19
    assert [o.day for o in parsed.overrides if o.workday] == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert date(2026, 10, 3) in parsed.weekend_rest_days


def test_importing_a_2027_notice_makes_2027_official() -> None:
    text = """\
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
year 2027
source official
2027-01-01 休 元旦
2027-02-06..2027-02-13 休 春节
2027-02-14 班 春节调休
2027-02-20 workday 春节调休
2027-10-01 ~ 2027-10-07 holiday 国庆节
2027-09-26 班 国庆节调休
"""
    parsed = parse_calendar_file(text)
    assert {o.source for o in parsed.overrides} == {"official"}
    cal = calendar_from_overrides([*official_overrides(), *parsed.overrides])
    assert not cal.is_provisional(date(2027, 3, 1))
    assert cal.is_workday(date(2027, 2, 14)) and cal.is_workday(date(2027, 2, 20))
    assert not cal.is_workday(date(2027, 2, 8))
    assert not cal.is_workday(date(2027, 10, 4))


def test_full_width_spaces_crlf_bom_and_chinese_directives_are_accepted() -> None:
    text = "\ufeff年份 2027\r\n来源 admin\r\n2027-03-01\u3000休\u3000县庆\r\n"
    parsed = parse_calendar_file(text)
    assert parsed.source == "admin"
    assert parsed.overrides == [DayOverride(date(2027, 3, 1), False, "admin", "县庆")]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("year 2027\n2027-02-30 休 春节\n", 2, "不存在的日期"),
        ("year 2027\n2027/02/01 休 春节\n", 2, "无法识别的行"),
        ("year 2027\n2027-2-1x 休\n", 2, "日期格式错误"),
        ("year 2027\n2026-12-31 休 元旦\n", 2, "不在声明的年份 2027 内"),
        ("year 2027\n2027-12-30..2028-01-02 休 元旦\n", 2, "不在声明的年份"),
        ("year 2027\n2027-02-10 班 春节调休\n", 2, "是工作日"),
        ("year 2027\n2027-10-01..2027-10-07 休 国庆节\n2027-10-04 休 国庆节\n", 3, "重复（已见于第 2 行）"),
        ("year 2027\n2027-02-14 班\n2027-02-14 休\n", 3, "重复"),
        ("year 2027\n2027-02-14 上学\n", 2, "无法识别的类型"),
        ("year 2027\n2027-02-14\n", 2, "缺少类型"),
        ("year 2027\n2027-10-07..2027-10-01 休\n", 2, "首尾颠倒"),
        ("year 2027\n2027-01-01..2027-03-01 休\n", 2, "日期范围过长"),
        ("2027-01-01 休 元旦\n", 1, "year"),
        ("year 2027\nyear 2027\n2027-01-01 休\n", 2, "重复"),
        ("year 2027\n2027-01-01 休\nsource official\n", 3, "必须写在日期行之前"),
        ("year 2027\nsource provisional\n", 2, "来源"),
        ("year 27\n", 1, "年份格式错误"),
        ("hello world\n", 1, "无法识别的行"),
    ],
)
def test_errors_name_the_line_in_chinese_and_english(text: str, line: int, fragment: str) -> None:
    with pytest.raises(CalendarFileError) as caught:
        parse_calendar_file(text)
    error = caught.value
    assert error.line == line
    assert fragment in error.message_zh
    assert error.message_en
    assert f"第 {line} 行" in str(error) and f"line {line}" in str(error)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "year 2027\n"])
def test_a_file_without_days_or_year_is_refused(text: str) -> None:
    with pytest.raises(CalendarFileError) as caught:
        parse_calendar_file(text)
    assert caught.value.line is None


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(list(known_years())))
def test_format_and_parse_round_trip_every_known_year(year: int) -> None:
    overrides = official_overrides([year])
    text = format_calendar_file(year, overrides, title=f"{year}年节假日安排")
    parsed = parse_calendar_file(text)
    assert parsed.overrides == overrides
    assert parsed.title == f"{year}年节假日安排"

"""Dates as the office lives them: "today" is the date in China Standard Time, not in UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def today_local() -> date:
    return datetime.now(CHINA).date()


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from agency.schemas import RequestBody, ResponseBody


class CalendarDayOut(ResponseBody):
    date: date
    workday: bool
    note: str
    source: str


class CalendarYearOut(ResponseBody):
    year: int
    source: Literal["official", "provisional", "mixed"]
    days: list[CalendarDayOut]


class CalendarDayIn(RequestBody):
    workday: bool
    note: Annotated[str, msgspec.Meta(max_length=100)] = ""

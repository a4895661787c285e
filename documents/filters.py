"""Jinja filters available in every template, also usable from Python.

They accept ``None`` and print nothing for it: a paper with an unknown fact shows an empty space a
clerk can fill by hand, never "None". They accept ISO strings for dates too, so a context that went
through JSON (``msgspec.to_builtins`` without ``builtin_types``) still renders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

__all__ = [
    "FILTERS",
    "LEVEL_ZH",
    "STATUS_ZH",
    "check",
    "cn_date",
    "filesize",
    "level_fill",
    "level_zh",
    "num",
    "short_hash",
    "status_zh",
]

STATUS_ZH: Final[Mapping[str, str]] = {
    "planned": "待办",
    "preparing": "准备材料",
    "submitted": "已报送",
    "accepted": "已受理",
    "supplement_requested": "待补正",
    "suspended": "中止",
    "approved": "已办结",
    "rejected": "不予许可",
    "refused": "不予受理",
    "withdrawn": "已撤回",
}

LEVEL_ZH: Final[Mapping[str, str]] = {
    "none": "正常",
    "prompt": "提示",
    "yellow": "黄牌",
    "red": "红牌",
    "l3": "督办",
}


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise TypeError(f"cn_date expects a date, got {type(value).__name__}")


def cn_date(value: object, blank: str = "") -> str:
    """2026-11-25 → 2026年11月25日 (Arabic numerals, no leading zeros, as GB/T 9704-2012 writes dates)."""
    d = _as_date(value)
    if d is None:
        return blank
    return f"{d.year}年{d.month}月{d.day}日"


def num(value: object, places: int = 2) -> str:
    """A quantity without float noise or useless zeros: 12000 → 12000, 8.50 → 8.5, 1/3 → 0.33."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise TypeError(f"num expects a number, got {value!r}") from exc
    rounded = amount.quantize(Decimal(1).scaleb(-places)) if places >= 0 else amount
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def filesize(value: object) -> str:
    """Bytes in the unit a clerk reads at a glance: 845 B, 12.3 KB, 4.5 MB."""
    if value is None or value == "":
        return ""
    if not isinstance(value, int | float | Decimal | str):
        raise TypeError(f"filesize expects a number of bytes, got {type(value).__name__}")
    size = float(value)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def short_hash(value: object, length: int = 12) -> str:
    """The first hex digits of a digest: enough to match a file by eye, short enough for a cell."""
    if value is None:
        return ""
    return str(value)[:length].lower()


def check(value: object) -> str:
    """A printed check box: ☑ for a true fact, □ for a false one."""
    return "☑" if value else "□"


_LEVEL_FILLS: Final[Mapping[str, str]] = {
    "red": "F4CCCC",
    "l3": "F4CCCC",
    "红牌": "F4CCCC",
    "督办": "F4CCCC",
    "yellow": "FFF2CC",
    "黄牌": "FFF2CC",
}


def level_fill(value: object) -> str:
    """Cell shading for a warning level (docxtpl ``{% cellbg %}``): pale red, pale yellow or none."""
    return _LEVEL_FILLS.get("" if value is None else str(value), "auto")


def status_zh(value: object) -> str:
    text = "" if value is None else str(value)
    return STATUS_ZH.get(text, text)


def level_zh(value: object) -> str:
    text = "" if value is None else str(value)
    return LEVEL_ZH.get(text, text)


FILTERS: Final[Mapping[str, Callable[..., Any]]] = {
    "cn_date": cn_date,
    "num": num,
    "filesize": filesize,
    "short_hash": short_hash,
    "check": check,
    "status_zh": status_zh,
    "level_zh": level_zh,
    "level_fill": level_fill,
}

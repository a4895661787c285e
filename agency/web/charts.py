"""Charts of the leader's dashboard as inline SVG drawn on the server (no script, no other host).

Each chart is an ``<svg role="img" aria-labelledby=…>`` with a ``<title>`` and a ``<desc>`` that state its
figures in words; colours come from the stylesheet (classes), so the strict CSP needs nothing inline.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from html import escape
from typing import Any

from markupsafe import Markup

LEVELS = (("yellow", "黄牌"), ("red", "红牌"), ("l3", "督办"))


def _svg(ident: str, title: str, desc: str, width: int, height: int, body: list[str]) -> Markup:
    # Every text part is escaped above (names, titles); the rest is numbers and fixed markup.
    return Markup(  # noqa: S704
        f'<svg class="chart" id="{ident}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def levels_over_time(escalations: list[Any], today: date, days: int = 30) -> Markup:
    """Escalations fired per day (their sweep date) for the last ``days`` days, one line per level."""
    start = today - timedelta(days=days - 1)
    counts: Counter[tuple[date, str]] = Counter(
        (e.as_of, e.level) for e in escalations if start <= e.as_of <= today and e.level in dict(LEVELS))
    peak = max([*counts.values(), 1])
    width, height, left, top, bottom = 960, 200, 36, 12, 30
    plot_w, plot_h = width - left - 12, height - top - bottom
    step = plot_w / max(days - 1, 1)

    def xy(i: int, n: int) -> str:
        return f"{left + i * step:.1f},{top + plot_h - n / peak * plot_h:.1f}"

    body = [f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - 12}" y2="{top + plot_h}"/>',
            f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>',
            f'<text class="tick" x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>',
            f'<text class="tick" x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i in range(0, days, 7):
        day = start + timedelta(days=i)
        body.append(f'<text class="tick" x="{left + i * step:.1f}" y="{height - 10}" text-anchor="middle">'
                    f'{day.month}/{day.day}</text>')
    totals = []
    for code, name in LEVELS:
        series = [counts[(start + timedelta(days=i), code)] for i in range(days)]
        totals.append(f"{name}{sum(series)}次")
        points = " ".join(xy(i, n) for i, n in enumerate(series))
        body.append(f'<polyline class="line lv-{code}" points="{points}"><title>{name}</title></polyline>')
    desc = (f"{start.isoformat()} 至 {today.isoformat()} 每日触发的预警：" + "，".join(totals)
            + f"；单日最多 {peak if counts else 0} 次。")
    return _svg("chart-levels", "近 30 天每日预警（按等级）", desc, width, height, body)


def department_bars(ident: str, title: str, rows: list[tuple[str, float | None]], *, percent: bool) -> Markup:
    """Horizontal bars, one per department; a value of None (nothing to measure) is drawn as a dash."""
    bar_h, gap, label_w, width = 18, 8, 150, 640
    height = max(1, len(rows)) * (bar_h + gap) + gap
    peak = 1.0 if percent else max([v or 0 for _, v in rows] + [1])
    body, words = [], []
    for i, (name, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        shown = "—" if value is None else (f"{value * 100:.0f}%" if percent else f"{value:g}")
        words.append(f"{name} {shown}")
        length = 0.0 if value is None else (width - label_w - 60) * value / peak
        body.append(f'<text class="label" x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end">'
                    f'{escape(name[:10])}</text>')
        body.append(f'<rect class="bar{" bar-none" if value is None else ""}" x="{label_w}" y="{y}" '
                    f'width="{max(length, 1):.1f}" height="{bar_h}"/>')
        body.append(f'<text class="value" x="{label_w + length + 6:.1f}" y="{y + bar_h - 4}">{shown}</text>')
    if not rows:
        body.append(f'<text class="label" x="8" y="{gap + bar_h - 4}">暂无数据</text>')
    return _svg(ident, title, "；".join(words) or "暂无数据", width, height, body)

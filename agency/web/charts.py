"""Charts of the leader's dashboard as inline SVG drawn on the server (no script, no other host).

Each chart is an ``<svg role="img" aria-labelledby=…>`` with a ``<title>`` and a ``<desc>`` that state its
figures in words; colours come from the stylesheet (classes), so the strict CSP needs nothing inline.

A chart is drawn at its own size (one unit of its viewBox is one CSS pixel; a narrow screen scrolls it rather than
shrinking it), so the stylesheet's font sizes are what the reader sees: labels and values at 13 px, never under 12.
Every bar carries its value; the line chart carries each level's total.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from html import escape
from typing import Any

from markupsafe import Markup

LEVELS = (("yellow", "黄牌"), ("red", "红牌"), ("l3", "督办"))


def _svg(ident: str, title: str, desc: str, width: int, height: int, body: list[str]) -> Markup:
    # Every text part is escaped above (names, titles); the rest is numbers and fixed markup.
    return Markup(  # noqa: S704
        f'<svg class="chart" id="{ident}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def levels_over_time(fired: Mapping[tuple[date, str], int], today: date, days: int = 30) -> Markup:
    """Escalations fired per day (their sweep date) for the last ``days`` days, one line per level; ``fired``:
    the counts per (day, level) of those days (``escalation.service.fired_per_day``)."""
    start = today - timedelta(days=days - 1)
    counts = {key: n for key, n in fired.items() if start <= key[0] <= today and key[1] in dict(LEVELS)}
    peak = max([*counts.values(), 1])
    width, height, left, top, bottom, legend_w = 960, 210, 40, 14, 32, 110
    plot_w, plot_h = width - left - legend_w, height - top - bottom
    step = plot_w / max(days - 1, 1)

    def xy(i: int, n: int) -> str:
        return f"{left + i * step:.1f},{top + plot_h - n / peak * plot_h:.1f}"

    body = [f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/>',
            f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>',
            f'<text class="tick" x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>',
            f'<text class="tick" x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i in range(0, days, 7):
        day = start + timedelta(days=i)
        body.append(f'<text class="tick" x="{left + i * step:.1f}" y="{height - 10}" text-anchor="middle">'
                    f'{day.month}/{day.day}</text>')
    totals = []
    for row, (code, name) in enumerate(LEVELS):
        series = [counts.get((start + timedelta(days=i), code), 0) for i in range(days)]
        totals.append(f"{name}{sum(series)}次")
        points = " ".join(xy(i, n) for i, n in enumerate(series))
        body.append(f'<polyline class="line lv-{code}" points="{points}"><title>{name}</title></polyline>')
        # The level's total beside the plot, with a stroke of its line's colour: the values on the chart.
        y = top + 16 + row * 24
        x = left + plot_w + 16
        body.append(f'<line class="line lv-{code}" x1="{x}" y1="{y - 5}" x2="{x + 18}" y2="{y - 5}"/>')
        body.append(f'<text class="value" x="{x + 24}" y="{y}">{name} {sum(series)} 次</text>')
    desc = (f"{start.isoformat()} 至 {today.isoformat()} 每日触发的预警：" + "，".join(totals)
            + f"；单日最多 {peak if counts else 0} 次。")
    return _svg("chart-levels", "近 30 天每日预警（按等级）", desc, width, height, body)


def department_bars(ident: str, title: str, rows: list[tuple[str, float | None]], *, percent: bool) -> Markup:
    """Horizontal bars, one per department; a value of None (nothing to measure) is drawn as a dash."""
    bar_h, gap, label_w, width, value_w = 22, 8, 140, 440, 56
    height = max(1, len(rows)) * (bar_h + gap) + gap
    peak = 1.0 if percent else max([v or 0 for _, v in rows] + [1])
    body, words = [], []
    for i, (name, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        shown = "—" if value is None else (f"{value * 100:.0f}%" if percent else f"{value:g}")
        words.append(f"{name} {shown}")
        length = 0.0 if value is None else (width - label_w - value_w) * value / peak
        baseline = y + bar_h - 6
        body.append(f'<text class="label" x="{label_w - 8}" y="{baseline}" text-anchor="end">'
                    f'{escape(name[:10])}</text>')
        body.append(f'<rect class="bar{" bar-none" if value is None else ""}" x="{label_w}" y="{y}" '
                    f'width="{max(length, 1):.1f}" height="{bar_h}"/>')
        # The value on the bar's end, inside it when the bar is long enough to hold it.
        if length >= value_w:
            body.append(f'<text class="value in" x="{label_w + length - 6:.1f}" y="{baseline}" '
                        f'text-anchor="end">{shown}</text>')
        else:
            body.append(f'<text class="value" x="{label_w + length + 6:.1f}" y="{baseline}">{shown}</text>')
    if not rows:
        body.append(f'<text class="label" x="8" y="{gap + bar_h - 6}">暂无数据</text>')
    return _svg(ident, title, "；".join(words) or "暂无数据", width, height, body)


def government_time_bars(rows: list[Any]) -> Markup:
    """The government's working days per route and month (report.MonthRow): the 90th percentile as a pale bar,
    the median as a dark bar over it, the route's target as a red mark."""
    bar_h, gap, label_w, width = 20, 10, 170, 640
    height = max(1, len(rows)) * (bar_h + gap) + gap + 16
    peak = max([max(r.p90_workdays, *(p.target_workdays for p in r.worst)) for r in rows] + [1])
    scale = (width - label_w - 90) / peak
    body, words = [], []
    for i, r in enumerate(rows):
        y = gap + i * (bar_h + gap)
        target = r.worst[0].target_workdays if r.worst else 0
        words.append(f"{r.route_name}{r.month}：中位数{r.median_workdays:g}日，90%分位{r.p90_workdays}日，"
                     f"目标{target}日，目标内{r.within_target_rate * 100:.0f}%")
        body.append(f'<text class="label" x="{label_w - 8}" y="{y + bar_h - 5}" text-anchor="end">'
                    f'{escape(r.route_name[:6])} {r.month}</text>')
        body.append(f'<rect class="bar bar-p90" x="{label_w}" y="{y}" width="{max(r.p90_workdays * scale, 1):.1f}" '
                    f'height="{bar_h}"><title>90%分位 {r.p90_workdays} 日</title></rect>')
        body.append(f'<rect class="bar" x="{label_w}" y="{y + 5}" width="{max(r.median_workdays * scale, 1):.1f}" '
                    f'height="{bar_h - 10}"><title>中位数 {r.median_workdays:g} 日</title></rect>')
        if target:
            x = label_w + target * scale
            body.append(f'<line class="target" x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + bar_h + 2}">'
                        f'<title>目标 {target} 日</title></line>')
        body.append(f'<text class="value" x="{label_w + max(r.p90_workdays, target) * scale + 6:.1f}" '
                    f'y="{y + bar_h - 5}">{r.median_workdays:g} / {r.p90_workdays}</text>')
    if not rows:
        body.append(f'<text class="label" x="8" y="{gap + bar_h - 5}">暂无数据</text>')
    return _svg("chart-government-time", "政府审批用时（工作日，按路线和月份）", "；".join(words) or "暂无数据",
                width, height, body)

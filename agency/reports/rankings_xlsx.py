"""The monthly rankings as a spreadsheet: the windows, the staff and the criteria they were ranked on, each on its
own sheet; figures as numbers (rates with a percentage format), a rate with nothing to measure an empty cell."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from agency.reports.rankings import RATE_NAMES
from agency.reports.xlsx import PERCENT

# (header, figure, number format)
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("办结件数", "completed", "0"),
    ("按时办结率", "on_time_rate", PERCENT),
    ("提速率", "speedup_rate", PERCENT),
    ("评价件数", "rated", "0"),
    ("满意率", "satisfaction_rate", PERCENT),
    ("即办率", "same_day_rate", PERCENT),
    ("违法情形", "violations", "0"),
    ("逾期未整改", "rectifications_overdue", "0"),
)


def rankings_filename(month: str) -> str:
    return f"红旗窗口与服务标兵_{month}.xlsx"


def _sheet(sheet: Worksheet, title: str, heads: list[str], lines: list[tuple[list[object], dict[str, Any]]],
           widths: list[int]) -> None:
    headers = heads + [header for header, *_ in FIGURES]
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for first, figures in lines:
        sheet.append(first + [figures.get(name) for _, name, _ in FIGURES])
        for offset, (_, _, number_format) in enumerate(FIGURES, start=len(heads) + 1):
            sheet.cell(row=sheet.max_row, column=offset).number_format = number_format
    for column, width in enumerate(widths + [11] * len(FIGURES), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A3"


def rankings_workbook(result: dict[str, Any], center_name: str = "") -> bytes:
    """``result`` is what ``rankings.rankings`` answers."""
    month, book = result["month"], Workbook()
    windows = book.active
    assert windows is not None
    windows.title = "窗口排名"
    _sheet(windows, f"{center_name}{month} 窗口排名（红旗窗口）", ["名次", "窗口（部门）", "得分", "红旗窗口"],
           [([w["rank"], w["department_name"], w["score"], "是" if w["flag"] else ""], w["figures"])
            for w in result["windows"]], [6, 22, 8, 10])
    _sheet(book.create_sheet("人员排名"), f"{center_name}{month} 工作人员排名（服务标兵）",
           ["名次", "姓名", "单位（部门或代办服务中心）", "得分", "服务标兵"],
           [([s["rank"], s["name"], s["unit_name"], s["score"], "是" if s["model"] else ""],
             s["figures"]) for s in result["staff"]], [6, 12, 22, 8, 10])
    criteria = result["criteria"]
    sheet = book.create_sheet("评比标准")
    sheet.append(["评比标准", criteria["text"]])
    for name, weight in criteria["weights"].items():
        sheet.append([f"{RATE_NAMES[name]}权重", weight])
    sheet.append(["每项违法情形或逾期未整改扣分", criteria["penalty_per_violation_or_overdue_rectification"]])
    sheet.append(["红旗窗口最低得分", criteria["flag_window_at_least"]])
    sheet.append(["服务标兵最低得分", criteria["model_staff_at_least"]])
    sheet.append(["最少办结件数", criteria["min_completed"]])
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100
    sheet["B1"].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

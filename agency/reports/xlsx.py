"""The department report as a spreadsheet: a title row with the period, Chinese headers, numbers
as numbers (rates with a percentage format, not text)."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from agency.reports.schemas import DepartmentReport

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0.0%"

# (header, field, number format or None for text/integers, column width)
COLUMNS: tuple[tuple[str, str, str | None, int], ...] = (
    ("部门代码", "department_code", None, 10),
    ("部门名称", "department_name", None, 22),
    ("办结件数", "completed", "0", 10),
    ("按时办结件数", "on_time", "0", 13),
    ("按时办结率", "on_time_rate", PERCENT, 12),
    ("提速率", "speedup_rate", PERCENT, 10),
    ("黄牌件数", "yellow", "0", 10),
    ("红牌件数", "red", "0", 10),
    ("评价件数", "rated", "0", 10),
    ("满意件数", "satisfied", "0", 10),
    ("满意率", "satisfaction_rate", PERCENT, 10),
    ("评议率", "evaluation_rate", PERCENT, 10),
)


def report_filename(start: date, end: date) -> str:
    return f"部门办件统计_{start.isoformat()}_{end.isoformat()}.xlsx"


def department_workbook(rows: list[DepartmentReport], start: date, end: date, center_name: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "部门办件统计"
    title = f"{center_name}部门办件统计（{start.isoformat()} 至 {end.isoformat()}）"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([header for header, *_ in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        # A rate with no denominator stays an empty cell, not 0.
        sheet.append([getattr(row, name) for _, name, *_ in COLUMNS])
        for column, (_, _, number_format, _) in enumerate(COLUMNS, start=1):
            if number_format:
                sheet.cell(row=sheet.max_row, column=column).number_format = number_format
    for column, (_, _, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "C3"
    sheet.append([])
    sheet.append(["说明：按时办结率＝按承诺时限办结件数÷办结件数；提速率＝（法定时限－实际用时）÷法定时限的平均值；"
                  "满意率＝满意及非常满意评价数÷评价数；评议率＝评价数÷办结件数。分母为0时留空。"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

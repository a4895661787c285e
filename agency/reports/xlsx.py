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
    ("逾期未受理（视为受理）", "violations.intake_overdue", "0", 12),
    ("重复要求补正", "violations.repeat_supplement", "0", 12),
    ("超承诺时限", "violations.promised_overdue", "0", 12),
    ("超法定时限", "violations.statutory_overdue", "0", 12),
)


def _value(row: DepartmentReport, name: str) -> object:
    """A field of the row; ``violations.<kind>`` is one kind's count."""
    if name.startswith("violations."):
        return row.violations.get(name.removeprefix("violations."), 0)
    return getattr(row, name)


def report_filename(start: date, end: date) -> str:
    return f"部门办件统计_{start.isoformat()}_{end.isoformat()}.xlsx"


# What every column counts, as the second sheet states it (the module docstring of reports/service.py in words).
DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("统计区间", "以办结日期、评价日期、预警触发日期或违法情形发生日期落在区间内（含首尾两日）为准。"),
    ("办结件数", "区间内作出决定（准予或不予许可）的审批事项数。"),
    ("按时办结件数", "办结件数中，办理时钟在承诺期限当日或之前停止的件数；无计时记录的办结件不计为按时。"),
    ("按时办结率", "按时办结件数 ÷ 办结件数。"),
    ("提速率", "对有法定时限且有计时记录的办结件，逐件计算（法定时限 − 实际用时）÷ 法定时限，再取平均；"
               "实际用时扣除暂停（补正、中止）天数，与法定时限同单位（工作日或自然日）；超过法定时限为负数。"),
    ("黄牌件数", "区间内触发过黄牌预警的审批事项数，每件只计一次。"),
    ("红牌件数", "区间内触发过红牌预警或督办（L3）的审批事项数，每件只计一次。"),
    ("评价件数", "区间内收到的服务评价数（申诉成立而撤销的评价不计）。"),
    ("满意件数", "评价件数中评分为 4 分或 5 分（满意、非常满意）的件数。"),
    ("满意率", "满意件数 ÷ 评价件数。"),
    ("评议率", "评价件数 ÷ 办结件数。"),
    ("逾期未受理（视为受理）", "部门在法定期限内未作受理决定、依行政许可法第三十二条视为受理的次数。"),
    ("重复要求补正", "一次性告知之后再次要求补正材料的次数。"),
    ("超承诺时限", "超过承诺办结期限仍未办结的事项数。"),
    ("超法定时限", "超过法定办结期限仍未办结的事项数。"),
    ("分母为 0", "比率的分母为 0 时单元格留空，不记为 0。"),
    ("合计", "各列件数为各部门之和；合计行的比率按合计件数重新计算（不是各部门比率的平均），"
             "提速率为全部参与计算的办结件逐件比率的平均。"),
)
RATES = {"on_time_rate": ("on_time", "completed"), "satisfaction_rate": ("satisfied", "rated"),
         "evaluation_rate": ("rated", "completed")}


def _count(row: DepartmentReport, name: str) -> int:
    value = _value(row, name)
    return value if isinstance(value, int) else 0


def totals(rows: list[DepartmentReport]) -> dict[str, object]:
    """The 合计 row: counts summed; each rate recomputed from the summed counts; the speed-up rate the mean of every
    department's terms (its rate weighted by how many completed approvals it is the mean of)."""
    counts = {name: sum(_count(row, name) for row in rows)
              for _, name, number_format, _ in COLUMNS[2:] if number_format != PERCENT}
    rates: dict[str, float | None] = {
        rate: counts[numerator] / counts[denominator] if counts[denominator] else None
        for rate, (numerator, denominator) in RATES.items()}
    measured = sum(row.speedup_measured for row in rows)
    rates["speedup_rate"] = sum((row.speedup_rate or 0) * row.speedup_measured for row in rows) / measured \
        if measured else None
    total: dict[str, object] = {"department_code": "合计", "department_name": f"{len(rows)} 个部门"}
    return {**total, **counts, **rates}


def _definitions(book: Workbook) -> None:
    sheet = book.create_sheet("指标说明")
    sheet.append(["指标", "定义"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for term, meaning in DEFINITIONS:
        sheet.append([term, meaning])
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100


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
    lines: list[list[object]] = [[_value(row, name) for _, name, *_ in COLUMNS] for row in rows]
    total = totals(rows)
    lines.append([total[name] for _, name, *_ in COLUMNS])
    for line in lines:
        # A rate with no denominator stays an empty cell, not 0.
        sheet.append(line)
        for column, (_, _, number_format, _) in enumerate(COLUMNS, start=1):
            if number_format:
                sheet.cell(row=sheet.max_row, column=column).number_format = number_format
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    for column, (_, _, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "C3"
    sheet.append([])
    sheet.append(["说明：各比率的定义见“指标说明”工作表；分母为 0 时留空。"])
    _definitions(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

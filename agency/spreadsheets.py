"""Lists exported as spreadsheets (项目清单, 事项清单): Chinese headers, one row per listed row, dates as dates."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from litestar import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The most rows one export carries: a filter narrows a larger book.
EXPORT_LIMIT = 20_000


def table_workbook(title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[object]]) -> bytes:
    """One sheet named ``title``: a bold header row of ``columns`` (header, width), then ``rows``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([header for header, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(content: bytes, name_zh: str, name_ascii: str) -> Response[bytes]:
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"{name_ascii}\"; filename*=UTF-8''{quote(name_zh)}",
        "Cache-Control": "private, no-store"})

"""Reading an import file of sync records: JSON lines or CSV (docs/sync-format.md), into the API's records."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path
from typing import Any

import msgspec

from agency.errors import Invalid
from agency.sync.decision_files import LIMIT
from agency.sync.schemas import SyncRecordIn

_LISTS = ("missing_materials",)


def _from_csv(text: str) -> list[dict[str, Any]]:
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        given: dict[str, Any] = {k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
        for name in _LISTS:
            if name in given:
                given[name] = [part.strip() for part in given[name].split(";") if part.strip()]
        if "defects" in given:  # "code:what is wrong;code:…"
            given["defects"] = [{"material_code": c.strip(), "defect": d.strip()} for c, _, d in
                                (part.partition(":") for part in given["defects"].split(";") if part.strip())]
        if "days" in given:
            given["days"] = int(given["days"]) if given["days"].isdigit() else given["days"]
        rows.append(given)
    return rows


def read_records(path: Path) -> list[SyncRecordIn]:
    """The file's records, each checked as the API checks it; a decision file is read from its path, relative
    to the import file. A bad line fails the whole file, naming the line."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        raw = _from_csv(text)
    else:
        raw = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    raw.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise Invalid(f"第 {number} 行不是有效的 JSON（{error.msg}）", field=f"line {number}") from None
    records = []
    for number, given in enumerate(raw, 1):
        if isinstance(given, dict) and isinstance(given.get("decision_file"), str):
            document = (path.parent / given["decision_file"]).resolve()
            if not document.is_file():
                raise Invalid(f"第 {number} 条记录的决定文书 {given['decision_file']} 不存在",
                              field=f"record {number}.decision_file")
            with document.open("rb") as opened:  # one byte over the limit is enough for the record's refusal
                given["decision_file"] = base64.b64encode(opened.read(LIMIT + 1)).decode()
        try:
            records.append(msgspec.convert(given, SyncRecordIn))
        except msgspec.ValidationError as error:
            raise Invalid(f"第 {number} 条记录有误：{error}", field=f"record {number}") from None
    if not records:
        raise Invalid("文件中没有记录", field="file")
    return records

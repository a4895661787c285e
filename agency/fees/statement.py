"""Reading the fee account's bank statement (银行对账单), CSV in UTF-8 or GBK, into its credits.

The format is docs/fees-statement.md (sample: docs/samples/fee-statement-sample.csv): one header row naming
the columns in Chinese (or English), then one row per transaction. Debits (支出) and rows without a credit
are skipped. Each credit gets a key that is the same whenever the same statement is read again: the bank's
serial number (交易流水号) if it has one, else a digest of the row and its place among identical rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from agency.errors import Invalid

MAX_STATEMENT_BYTES = 2 * 1024 * 1024
# Each column under the names banks print, Chinese first; the first three are required.
COLUMNS: dict[str, tuple[str, ...]] = {
    "booked_on": ("交易日期", "记账日期", "date"),
    "credit": ("收入金额", "贷方金额", "贷方发生额", "credit"),
    "payer_name": ("对方户名", "付款人名称", "付款人", "payer"),
    "serial": ("交易流水号", "流水号", "serial"),
    "debit": ("支出金额", "借方金额", "借方发生额", "debit"),
    "payer_account": ("对方账号", "付款人账号", "payer_account"),
    "memo": ("摘要", "附言", "用途", "memo"),
}
REQUIRED = ("booked_on", "credit", "payer_name")
_DATE = re.compile(r"^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})")
_AMOUNT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")


@dataclass(frozen=True, slots=True)
class Credit:
    row: int  # the line of the file, for messages
    key: str
    booked_on: date
    serial: str
    amount: Decimal
    payer_name: str
    payer_account: str
    memo: str


def decode(body: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (with or without a BOM), else GBK (read as GB18030)."""
    try:
        return body.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise Invalid("对账单须为 UTF-8 或 GBK 编码的 CSV 文件（statement must be UTF-8 or GBK CSV）",
                      field="file") from None


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip() for h in header]
    found: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[column] = names.index(alias)
                break
    missing = [COLUMNS[c][0] for c in REQUIRED if c not in found]
    if missing:
        raise Invalid(f"对账单缺少列：{'、'.join(missing)}（见 docs/fees-statement.md）（missing columns）",
                      field="file")
    return found


def _date(text: str, row: int) -> date:
    match = _DATE.match(text.strip())
    try:
        if match is None:
            raise ValueError
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Invalid(f"对账单第 {row} 行：交易日期“{text}”无法识别（应为 2026-05-12）（booked_on）",
                      field="file") from None


def _amount(text: str, row: int, what: str) -> Decimal | None:
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not cleaned:
        return None
    if not _AMOUNT.match(cleaned):
        raise Invalid(f"对账单第 {row} 行：{what}“{text}”不是以元为单位、最多两位小数的金额（amount）", field="file")
    amount = Decimal(cleaned)
    return amount if amount > 0 else None


def parse(body: bytes) -> tuple[str, list[Credit]]:
    """The statement's encoding and its credits, in file order; a bad row is refused naming its line."""
    text, encoding = decode(body)
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if not rows:
        raise Invalid("对账单是空的（empty statement）", field="file")
    at = _columns(rows[0])
    seen: dict[str, int] = {}
    credits: list[Credit] = []
    for number, cells in enumerate(rows[1:], start=2):

        def cell(column: str, cells: list[str] = cells) -> str:
            index = at.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            credit = _amount(cell("credit"), number, "收入金额")
        except (InvalidOperation, ValueError):
            credit = None
        if "debit" in at and _amount(cell("debit"), number, "支出金额") is not None and credit is None:
            continue
        if credit is None:
            continue
        booked_on = _date(cell("booked_on"), number)
        serial, payer, account, memo = cell("serial")[:64], cell("payer_name")[:200], cell("payer_account")[:64], \
            cell("memo")
        if serial:
            key = f"serial:{serial}"
        else:
            digest = "|".join((booked_on.isoformat(), f"{credit:.2f}", payer, account, memo))
            seen[digest] = seen.get(digest, 0) + 1
            key = "row:" + hashlib.sha256(f"{digest}|{seen[digest]}".encode()).hexdigest()
        credits.append(Credit(number, key, booked_on, serial, credit, payer, account, memo))
    return encoding, credits

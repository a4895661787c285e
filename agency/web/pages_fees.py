"""The fees section of the approval page (非税收入): the item's fee rules or 本事项不收费, the assessed lines with
their payment notice (缴款通知书), and the forms to assess, record payment and refund — the same service
functions as /api/approvals/{id}/fees and /api/fees/{id}/…"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from litestar import post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.errors import AgencyError
from agency.fees import service as fees
from agency.fees.controllers import fee_out, rule_out
from agency.fees.models import CHANNEL_WORDS
from agency.timeutil import today_local
from agency.web.render import see_other, zh

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
_YUAN = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")


async def fee_section(db: AsyncSession, actor: Actor, state: State, approval: Any, *,
                      read_only: bool = False) -> dict[str, Any]:
    lines, rules = await fees.of_approval(db, actor, approval.id)
    may_charge = (not read_only and actor.role is Role.CLERK) or (
        actor.role is Role.DEPARTMENT and actor.department_code == approval.department_code)
    return {"rules": [rule_out(r) for r in rules], "statement": "" if rules else fees.NO_FEE,
            "lines": [await fee_out(db, state.settings, line) for line in lines], "may_charge": may_charge,
            "channels": CHANNEL_WORDS}


def _back(approval_id: int, key: str, message: str) -> Redirect:
    return see_other(f"/app/approvals/{approval_id}?{key}={quote(message)}#fees")


def _decimal(value: object) -> Decimal | None:
    text = str(value or "").strip()
    return Decimal(text) if _YUAN.match(text) else None


async def _attempt(db: AsyncSession, approval_id: int, done: str, work: Any) -> Redirect:
    try:
        await work
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(approval_id, "err", zh(error.detail))
    return _back(approval_id, "ok", done)


@post("/app/approvals/{approval_id:int}/fees")
async def assess_form(approval_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK, Role.DEPARTMENT)  # as the API's guard; the service checks the department
    amount, quantity = _decimal(data.get("amount_yuan")), _decimal(data.get("quantity"))
    if str(data.get("amount_yuan") or "").strip() and amount is None:
        return _back(approval_id, "err", "金额须为元，最多两位小数（如 550.00）。")
    if str(data.get("quantity") or "").strip() and quantity is None:
        return _back(approval_id, "err", "数量须为数字，最多两位小数。")
    return await _attempt(db, approval_id, "已核定收费并生成缴款通知书。", fees.assess(
        db, actor, approval_id, fee_code=str(data.get("fee_code") or ""), amount_yuan=amount,
        reason=str(data.get("reason") or "")[:1000] or None, quantity=quantity, today=today_local()))


@post("/app/approvals/{approval_id:int}/fees/{fee_id:int}/payment")
async def payment_form(approval_id: FromPath[int], fee_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK, Role.DEPARTMENT)
    amount = _decimal(data.get("amount_yuan"))
    try:
        paid_on = date.fromisoformat(str(data.get("paid_on") or "").strip())
    except ValueError:
        return _back(approval_id, "err", "请输入缴款日期（年-月-日）。")
    if amount is None:
        return _back(approval_id, "err", "请输入缴款金额（元，最多两位小数）。")
    channel = str(data.get("channel") or "")
    if channel not in CHANNEL_WORDS:
        return _back(approval_id, "err", "请选择缴款方式。")
    return await _attempt(db, approval_id, "已登记缴款。", fees.record_payment(
        db, actor, fee_id, receipt_no=str(data.get("receipt_no") or "")[:64], paid_on=paid_on, amount_yuan=amount,
        channel=channel, version=None, today=today_local()))


@post("/app/approvals/{approval_id:int}/fees/{fee_id:int}/refund")
async def refund_form(approval_id: FromPath[int], fee_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.CLERK, Role.DEPARTMENT)
    if not str(data.get("reason") or "").strip():
        return _back(approval_id, "err", "请填写退费或撤销的理由。")
    return await _attempt(db, approval_id, "已登记退费（或撤销）。", fees.refund(
        db, actor, fee_id, reason=str(data.get("reason") or "")[:1000], version=None))


HANDLERS: list[Any] = [assess_form, payment_form, refund_form]

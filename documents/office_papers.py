"""Typed contexts of the agency office's own papers about the mandate (中止单, 终止单, 续办委托书), of the
coordination meeting's minutes (会议纪要) and of a fee's payment notice (缴款通知书).

The mandate papers record what the enterprise decided about the agency service; they say plainly that the
departments' time limits run on, because the law's clocks do not depend on the agency service. The minutes
list every decision with its responsible department and due date. A payment notice states the amount as the
decimal string the fee line holds (``"550.00"``), never a float; a line with nothing to pay says 本事项不收费.
"""

from __future__ import annotations

from datetime import date

from documents.contexts import PaperContext, _Facts

__all__ = [
    "MandateEndContext",
    "MandatePauseContext",
    "MandateRenewalContext",
    "MeetingMinutesContext",
    "MinutesDecision",
    "OpenItem",
    "PaymentNoticeContext",
]


class OpenItem(_Facts, frozen=True, kw_only=True):
    """An item still open at a department when the mandate changes: its clock is the department's."""

    name: str
    department: str
    status: str = ""  # the status in words (已受理, 待补正 …)


class _MandatePaper(PaperContext, frozen=True, kw_only=True):
    reason: str
    mandated_on: date | None = None  # the day the dossier was opened under the 代办服务委托书
    open_items: tuple[OpenItem, ...] = ()


class MandatePauseContext(_MandatePaper, frozen=True, kw_only=True):
    paused_on: date


class MandateEndContext(_MandatePaper, frozen=True, kw_only=True):
    ended_on: date
    finished_items: tuple[str, ...] = ()  # the items already decided when the service ended


class MandateRenewalContext(_MandatePaper, frozen=True, kw_only=True):
    resumed_on: date
    paused_on: date | None = None


class MinutesDecision(_Facts, frozen=True, kw_only=True):
    text: str
    department: str
    due_on: date
    project: str = ""


class MeetingMinutesContext(PaperContext, frozen=True, kw_only=True):
    title: str
    held_on: date
    attendees: tuple[str, ...]
    decisions: tuple[MinutesDecision, ...]
    projects: tuple[str, ...] = ()
    convener: str = ""
    recipients: tuple[str, ...] = ()  # the departments it is sent to (those named in the decisions)


class PaymentNoticeContext(PaperContext, frozen=True, kw_only=True):
    item_name: str
    department: str
    fee_name: str = ""
    basis: str = ""
    standard: str = ""  # the rule in words: 每件 550.00 元
    amount_yuan: str  # a decimal string in yuan, "550.00"
    charged: bool = True  # False: nothing to pay, the notice says 本事项不收费
    payment_ref: str = ""
    account_name: str
    bank: str
    account_no: str
    due_on: date | None = None

"""The approval life cycle as data: which action moves which state, and who may take it.

    planned ─prepare→ preparing ─submit→ submitted ─accept→ accepted ─approve→ approved
                         ▲                 │  │                 │  ▲  └─reject→ rejected
                         └─request_supplement┘  └─refuse_intake→ refused
                                          request_supplement ▼  │ resume / resubmit
                                          supplement_requested / suspended (clock paused)
    any open state ─withdraw→ withdrawn
    supplement_requested ─terminate→ terminated   (the supplement period passed unanswered)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OPEN_STATES = ("planned", "preparing", "submitted", "accepted", "supplement_requested", "suspended")
CLOSED_STATES = ("approved", "rejected", "refused", "withdrawn", "terminated")
# Approvals that no longer count towards the plan: nothing will come out of them.
DROPPED = ("withdrawn", "rejected", "refused", "terminated")

STATUS_NAMES = {
    "planned": "计划中",
    "preparing": "材料准备中",
    "submitted": "已报送待受理",
    "accepted": "已受理办理中",
    "supplement_requested": "待补正",
    "suspended": "已中止",
    "approved": "已办结（准予）",
    "rejected": "不予许可",
    "refused": "不予受理",
    "withdrawn": "已撤回",
    "terminated": "终止办理",
}

ACTION_NAMES = {
    "prepare": "开始准备材料",
    "submit": "报送",
    "accept": "受理",
    "refuse_intake": "不予受理",
    "request_supplement": "一次性告知补正",
    "resubmit": "补正后重新提交",
    "suspend": "中止",
    "resume": "恢复办理",
    "extend": "延长期限",
    "approve": "准予（办结）",
    "reject": "不予许可",
    "withdraw": "撤回",
    "terminate": "终止办理（补正逾期）",
}

# Which side acts: the agency clerk for the enterprise, or the department (for an offline
# department the clerk records the department's act, with the date it took effect).
Side = Literal["clerk", "department"]


@dataclass(frozen=True, slots=True)
class Rule:
    sources: tuple[str, ...]
    side: Side
    target: str | None  # None: stays, or depends on the source (request_supplement)
    clock: str | None = None  # the clock event the action writes, if any


RULES: dict[str, Rule] = {
    "prepare": Rule(("planned",), "clerk", "preparing"),
    "submit": Rule(("preparing",), "clerk", "submitted"),
    "accept": Rule(("submitted",), "department", "accepted", "started"),
    "refuse_intake": Rule(("submitted",), "department", "refused"),
    "request_supplement": Rule(("submitted", "accepted"), "department", None),
    "resubmit": Rule(("supplement_requested",), "clerk", "accepted", "resumed"),
    "suspend": Rule(("accepted",), "department", "suspended", "paused"),
    "resume": Rule(("suspended", "supplement_requested"), "department", "accepted", "resumed"),
    "extend": Rule(("accepted", "suspended", "supplement_requested"), "department", None, "extended"),
    "approve": Rule(("accepted",), "department", "approved", "stopped"),
    "reject": Rule(("accepted",), "department", "rejected", "stopped"),
    "withdraw": Rule(OPEN_STATES, "clerk", "withdrawn"),
    # The enterprise let the supplement period pass: the department ends the case (not the mandate's 终止).
    "terminate": Rule(("supplement_requested",), "department", "terminated", "stopped"),
}

ACTIONS = tuple(RULES)

# The special procedures whose time a suspension leaves out of the limit (行政许可法 第四十五条).
PROCEDURE_NAMES = {"hearing": "听证", "expert_review": "专家评审", "inspection": "检验、检测、检疫、鉴定",
                   "public_notice": "公示（公告）", "other": "招标、拍卖等其他法定程序"}


def target_of(action: str, source: str) -> str:
    rule = RULES[action]
    if action == "request_supplement":
        # Before acceptance the file goes back to the enterprise; after it, the clock pauses.
        return "preparing" if source == "submitted" else "supplement_requested"
    return rule.target or source


def clock_event_of(action: str, source: str) -> str | None:
    if action == "request_supplement":
        return "paused" if source == "accepted" else None
    if action == "withdraw":
        return "stopped" if source in ("accepted", "supplement_requested", "suspended") else None
    return RULES[action].clock


def allowed_from(status: str, notice: object = None) -> list[str]:
    """The actions the state allows. Answering a notice given before acceptance is a resubmission (through a
    bundle), not a first submission."""
    allowed = [action for action, rule in RULES.items() if status in rule.sources]
    if awaits_supplement_before_acceptance(status, notice):
        allowed = ["resubmit" if action == "submit" else action for action in allowed]
    return allowed


def awaits_supplement_before_acceptance(status: str, notice: object) -> bool:
    """A supplement asked before acceptance and not yet resubmitted: the status stays ``preparing`` (the file went
    back to the enterprise), but for everyone it is 待补正 until the clerk resubmits through a bundle."""
    return status == "preparing" and bool(notice)


def status_name(status: str, notice: object = None) -> str:
    """The status as users read it: a pending supplement before acceptance reads 待补正, like one after it."""
    if awaits_supplement_before_acceptance(status, notice):
        return STATUS_NAMES["supplement_requested"]
    return STATUS_NAMES[status]

"""The approval life cycle as data: which action moves which state, and who may take it.

    planned ─prepare→ preparing ─submit→ submitted ─accept→ accepted ─approve→ approved
                         ▲                 │  │                 │  ▲  └─reject→ rejected
                         └─request_supplement┘  └─refuse_intake→ refused
                                          request_supplement ▼  │ resume / resubmit
                                          supplement_requested / suspended (clock paused)
    any open state ─withdraw→ withdrawn
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OPEN_STATES = ("planned", "preparing", "submitted", "accepted", "supplement_requested", "suspended")
CLOSED_STATES = ("approved", "rejected", "refused", "withdrawn")

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
}

ACTIONS = tuple(RULES)


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


def allowed_from(status: str) -> list[str]:
    return [action for action, rule in RULES.items() if status in rule.sources]

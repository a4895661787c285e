"""Joint acceptance (联合验收): an item whose route entry names participants is approved only once every
participant has passed.

The participants are data of the route (``participants`` of the item's entry); their opinions are kept by
the coordination package, which imports this one: it registers here how to read which parts have passed, so
approving asks without importing it. With no reader registered the check refuses rather than let a joint
item through unchecked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agency.errors import Conflict

PassedParts = Callable[[AsyncSession, int], Awaitable[set[str]]]
_readers: list[PassedParts] = []


def register(reader: PassedParts) -> None:
    if reader not in _readers:
        _readers.append(reader)


def participants_of(route_definition: dict[str, Any] | None, item_code: str) -> list[dict[str, Any]]:
    """The participants of this item on this route (empty: not a joint item)."""
    for entry in (route_definition or {}).get("items", []):
        if entry.get("item") == item_code:
            return list(entry.get("participants") or [])
    return []


async def require_all_passed(session: AsyncSession, approval_id: int, item_code: str,
                             route_definition: dict[str, Any] | None) -> None:
    """409 naming the participants that have not passed, when the item is a joint one."""
    parts = participants_of(route_definition, item_code)
    if not parts:
        return
    if not _readers:
        raise Conflict("联合验收意见无法核对，暂不能办结（joint opinions are not available）")
    passed = await _readers[0](session, approval_id)
    waiting = [p for p in parts if p["code"] not in passed]
    if waiting:
        raise Conflict("联合验收尚有参与部门未通过：" + "、".join(p["name"] for p in waiting) + "，全部通过后方可办结"
                       "（not every participant has passed）", field="participants",
                       extra={"participants": [p["code"] for p in waiting]})

"""The clocks of many approvals at once, from their clock events and the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agency.approvals.clock import NOT_STARTED, ClockState
from agency.calendar.workdays import WorkCalendar
from agency.projects.models import Approval


async def load_clocks(session: AsyncSession, approvals: Sequence[Approval], calendar: WorkCalendar, today: date,
                      *, green_channel: bool = False) -> dict[int, ClockState]:
    # No approval can be accepted before the life-cycle actions exist, so no clock has started yet.
    return {approval.id: NOT_STARTED for approval in approvals}

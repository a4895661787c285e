"""The parts of the worklist a counter stands for. A counter and the list it links to are one call of
``queries.worklist`` with the same view: the counter is its total, the list its rows — they cannot disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.approvals import queries
from agency.approvals.queries import Levels, Statuses, Supplement, WorkRow
from agency.projects.handover import worked_at

# What is at the department: sent to it and not yet decided (not what the clerk still plans or prepares).
AT_DEPARTMENT = ("submitted", "accepted", "supplement_requested", "suspended")


@dataclass(frozen=True, slots=True)
class WorkView:
    code: str
    name: str
    status: Statuses = None
    level: Levels = None
    # 待补正 before or after acceptance (``queries.awaiting_supplement``): True only those, False all but those.
    supplement: Supplement = None


URGENT = WorkView("urgent", "需关注的事项", level=("l3", "red", "yellow", "prompt"))
SUPPLEMENT = WorkView("supplement", "待补正材料", supplement=True)
WARNING = WorkView("warning", "临期 / 黄牌事项", level=("yellow", "prompt"))
RED = WorkView("red", "红牌 / 督办事项", level=("l3", "red"))
# In preparation, but not what a notice sent before acceptance holds back: that is 待补正 until resubmitted.
TO_SEND = WorkView("to_send", "待报送事项", status="preparing", supplement=False)
CLERK_COUNTERS = (SUPPLEMENT, WARNING, RED, TO_SEND)
CLERK_VIEWS = {v.code: v for v in (URGENT, *CLERK_COUNTERS)}
AT_THE_DEPARTMENT = WorkView("at_department", "在办事项", status=AT_DEPARTMENT)


def worklist_site(actor: Actor, picked: str | None) -> str | None:
    """Whose dossiers a worklist holds: the site picked on the page, else the site the clerk works at."""
    return picked or worked_at(actor)


async def rows(session: AsyncSession, actor: Actor, view: WorkView, *, today: date, page: int = 1,
               page_size: int, department_code: str | None = None,
               site_code: str | None = None) -> tuple[list[WorkRow], int]:
    """The view's rows (most urgent first) and how many it holds. A site's clerk works the dossiers his site
    holds: one handed over leaves his views for the receiving site's clerks' (he still reads it elsewhere).
    ``site_code`` (a site picked on the page): the items of the dossiers that site holds instead."""
    return await queries.worklist(session, actor, department_code=department_code, status=view.status,
                                  level=view.level, project_id=None, today=today, page=page, page_size=page_size,
                                  supplement=view.supplement, site_code=worklist_site(actor, site_code))


async def counts(session: AsyncSession, actor: Actor, views: Sequence[WorkView], *, today: date,
                 department_code: str | None = None, site_code: str | None = None) -> dict[str, int]:
    """How many rows each view holds: the total of the very call that lists them (for the same site)."""
    return {view.code: (await rows(session, actor, view, today=today, page_size=0, department_code=department_code,
                                   site_code=site_code))[1] for view in views}


async def count_by_department(session: AsyncSession, actor: Actor, view: WorkView, *, today: date) -> dict[str, int]:
    """How many rows a view of levels holds for each department (departments with none left out): the totals of
    ``rows`` with each ``department_code``, in one pass."""
    if view.level is None or view.status is not None or view.supplement is not None:
        raise ValueError(f"{view.code}: only a view of levels is counted by department")
    levels = view.level if isinstance(view.level, tuple) else (view.level,)
    return await queries.count_by_department(session, actor, levels, today=today, site_code=worklist_site(actor, None))

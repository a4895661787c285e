"""What a rating rates (好差评's three targets) and who is rated: the enterprise names the approval or the
project, never the person — the clerk is the project's, the officer the approval's handler."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, get_visible
from agency.approvals.models import Approval
from agency.catalog.models import Department
from agency.errors import Conflict, Invalid
from agency.evaluations.models import MANDATE_END, OCCASION_PATTERN, REASONS, TARGETS, target_key
from agency.projects.models import Project, mandate_of

# An approval is rated, and its officer, once it is decided either way.
RATEABLE = ("approved", "rejected")


@dataclass(frozen=True, slots=True)
class Target:
    kind: str
    project: Project
    approval: Approval | None
    occasion: str
    rated_user_id: int | None
    # The rated party's department; none: the agency office (a clerk).
    department_code: str | None

    @property
    def key(self) -> str:
        return target_key(self.kind, self.approval.id if self.approval else None, self.project.id, self.occasion)

    @property
    def name(self) -> str:
        """What the messages call it: the approval, or the project's clerk."""
        return self.approval.name if self.approval is not None else "代办员服务"


def of_approval(approval: Approval, project: Project) -> Target:
    """The default target, the department's service on one approval (also what a rating link rates)."""
    return Target("approval", project, approval, "", None, approval.department_code)


def check_reasons(reasons: list[str]) -> list[str]:
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise Invalid(f"评价原因须从列表中选择：{'、'.join(REASONS.values())}（unknown reasons: {', '.join(unknown)}）",
                      field="reasons")
    return list(dict.fromkeys(reasons))


def _quarter_start(occasion: str) -> date:
    return date(int(occasion[:4]), 3 * int(occasion[5]) - 2, 1)


def _check_occasion(project: Project, occasion: str | None, today: date) -> str:
    if not occasion or not re.match(OCCASION_PATTERN, occasion):
        raise Invalid("评价代办员须注明时机：委托结束（mandate_end）或季度（如 2026Q4）（occasion is required）",
                      field="occasion")
    if occasion == MANDATE_END and mandate_of(project) not in ("ended", "completed"):
        raise Conflict("代办委托尚未结束，可按季度评价代办员（mandate not ended）", field="occasion")
    if occasion != MANDATE_END and _quarter_start(occasion) > today:
        raise Invalid("该季度尚未开始，不能评价（quarter not started）", field="occasion")
    return occasion


async def _approval(session: AsyncSession, actor: Actor, approval_id: int | None,
                    project_id: int | None) -> tuple[Approval, Project]:
    if approval_id is None:
        raise Invalid("须指明所评价的事项（approval_id is required）", field="approval_id")
    approval = await get_visible(session, Approval, approval_id, actor, what="事项")
    if project_id is not None and project_id != approval.project_id:
        raise Invalid("事项不属于该项目（approval is not of project_id）", field="project_id")
    if approval.status not in RATEABLE:
        raise Conflict("只能评价已办结（准予或不予许可）的事项（approval not completed）", field="approval_id")
    return approval, await session.get_one(Project, approval.project_id)


async def resolve(session: AsyncSession, actor: Actor, kind: str, approval_id: int | None, project_id: int | None,
                  occasion: str | None, today: date) -> Target:
    """The target the enterprise names, checked: visible to it, rateable now, and the person it rates."""
    if kind not in TARGETS:
        raise Invalid("评价对象须为事项、代办员或部门经办人之一（target）", field="target")
    if kind == "clerk":
        if project_id is None:
            raise Invalid("评价代办员须指明项目（project_id is required）", field="project_id")
        project = await get_visible(session, Project, project_id, actor, what="项目")
        return Target("clerk", project, None, _check_occasion(project, occasion, today), project.clerk_id, None)
    if occasion:
        raise Invalid("事项及其经办人各评价一次，不需注明时机（occasion is for a clerk only）", field="occasion")
    approval, project = await _approval(session, actor, approval_id, project_id)
    if kind == "approval":
        return of_approval(approval, project)
    department = await session.get(Department, approval.department_code)
    if department is None or department.mode != "online" or approval.handler_id is None:
        raise Conflict("线下或省系统办理的部门经办人不在本系统内，不能评价（officer not rateable）",
                       field="approval_id")
    return Target("officer", project, approval, "", approval.handler_id, approval.department_code)

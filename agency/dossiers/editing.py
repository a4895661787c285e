"""Editing a dossier's own details (name, investment, land, location, description, its clerk): not the
application-form facts (``service.set_facts``) nor the plan (``service.add_approval``/``remove_approval``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.accounts.models import User
from agency.audit import service as audit
from agency.calendar.service import RANGE_END, RANGE_START
from agency.dossiers.service import editable
from agency.errors import Invalid
from agency.obligations import service as obligations
from agency.projects.models import Project, ProjectMilestone

TEXT_FIELDS = ("name", "location", "description")
MONEY_FIELDS = ("investment_wan", "land_area_mu")


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


async def update_details(session: AsyncSession, actor: Actor, project_id: int, given: dict[str, Any],
                         version: int | None = None) -> Project:
    """Change the details given (None: unchanged); each change is audited with its value before and after."""
    project = await editable(session, actor, project_id, version)
    wanted: dict[str, Any] = {}
    for field in TEXT_FIELDS:
        if given.get(field) is not None:
            wanted[field] = str(given[field]).strip()
    for field in MONEY_FIELDS:
        if given.get(field) is not None:
            wanted[field] = _money(given[field])
    if "name" in wanted and len(wanted["name"]) < 2:
        raise Invalid("项目名称至少 2 个字（name too short）", field="name")
    if "location" in wanted and len(wanted["location"]) < 2:
        raise Invalid("建设地点至少 2 个字（location too short）", field="location")
    if given.get("clerk_id") is not None:
        clerk = (await session.execute(select(User).where(
            User.id == given["clerk_id"], User.role == "clerk", User.is_active.is_(True)))).scalar_one_or_none()
        if clerk is None:
            raise Invalid("负责代办员须为在岗的代办员账号（clerk_id is not an active clerk）", field="clerk_id")
        wanted["clerk_id"] = clerk.id
    changed = {field: value for field, value in wanted.items() if getattr(project, field) != value}
    if not changed:
        return project
    before = {field: _plain(getattr(project, field)) for field in changed}
    for field, value in changed.items():
        setattr(project, field, value)
    await session.flush()
    await audit.record(session, actor, "project.update", "project", project.id, project_id=project.id,
                       before=before, after={field: _plain(value) for field, value in changed.items()})
    return project


async def set_milestone(session: AsyncSession, actor: Actor, project_id: int, code: str,
                        expected_on: date | None, done_on: date | None, today: date) -> ProjectMilestone:
    project = await editable(session, actor, project_id)
    milestone = (await session.execute(select(ProjectMilestone).where(
        ProjectMilestone.project_id == project.id, ProjectMilestone.code == code))).scalar_one_or_none()
    if milestone is None:
        raise Invalid(f"项目没有节点 {code}（unknown milestone）", field="code")
    for field, value in (("expected_on", expected_on), ("done_on", done_on)):
        if value is not None and not RANGE_START <= value <= RANGE_END:
            raise Invalid(f"日期须在 {RANGE_START} 至 {RANGE_END} 之间（out of the calendar）", field=field)
    if done_on is not None and done_on > today:
        raise Invalid("完成日期不能晚于今天（done_on cannot be in the future）", field="done_on")
    before = {"expected_on": _iso(milestone.expected_on), "done_on": _iso(milestone.done_on)}
    milestone.expected_on, milestone.done_on = expected_on, done_on
    await session.flush()
    if done_on is not None:  # the obligations waiting on this milestone (开工 …) are met by it
        await obligations.milestone_done(session, actor, project.id, code, done_on)
    await audit.record(session, actor, "project.milestone", "project", project.id, project_id=project.id,
                       before=before, after={"code": code, "expected_on": _iso(expected_on),
                                             "done_on": _iso(done_on)})
    return milestone


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


async def active_clerks(session: AsyncSession) -> list[User]:
    """Who may be a dossier's clerk: the active clerk accounts, by name."""
    return list((await session.execute(select(User).where(User.role == "clerk", User.is_active.is_(True))
                                       .order_by(User.display_name, User.id))).scalars())

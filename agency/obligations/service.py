"""The enterprise's obligations after a decision: created by the decision from the catalog item's rules,
met by a milestone (开工), extended against the department's decision, listed with the time left.

Due dates follow 民法典 第二百零一条–第二百零三条: the day of the decision does not count; a period of months
ends on the corresponding day of the last month, or that month's last day when it has none (3 months from
2026-03-31 end on 2026-06-30); a period that ends on a rest day or holiday ends on the next working day.
Periods the law counts in working days use the work calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, and_, column, false, select, table, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.accounts.models import User
from agency.audit import service as audit
from agency.calendar.service import get_calendar
from agency.calendar.workdays import CalendarRangeError, WorkCalendar
from agency.catalog.models import CatalogItem
from agency.errors import Conflict, Forbidden, Invalid
from agency.files.models import StoredFile
from agency.notifications import service as notifications
from agency.notifications.service import Message
from agency.obligations.models import Obligation
from agency.projects.handover import held_by, require_holder_of, site_projects
from agency.projects.models import Project
from agency.sites import service as sites

# The approvals package creates obligations at its decision, so this one reads approvals without importing it.
_approvals = table("approvals", column("id"), column("name"), column("project_id"), column("status"))


def _visibility(actor: Actor) -> ColumnElement[bool]:
    site = site_projects(actor)  # a site's clerk: the obligations of the dossiers his site sees
    if site is not None:
        return Obligation.project_id.in_(site)
    if actor.role in (Role.ADMIN, Role.CLERK, Role.LEADER):
        return true()
    if actor.role is Role.DEPARTMENT:
        return Obligation.department_code == actor.department_code
    if actor.enterprise_id is None:
        return false()
    return Obligation.project_id.in_(select(Project.id).where(Project.enterprise_id == actor.enterprise_id))


Visibility.register(Obligation, _visibility)


def due_date(rule: dict[str, Any], start: date, calendar: WorkCalendar | None) -> date:
    """The last day of the period ``rule`` sets from ``start`` (the decision's day, which does not count)."""
    count, unit = int(rule["count"]), rule["unit"]
    if unit == "workday":
        if calendar is None:
            raise ValueError("working days need the calendar")
        return calendar.add_workdays(start, count)
    end = start + relativedelta(months=count) if unit == "month" else start + timedelta(days=count)
    if calendar is None:
        return end
    try:
        return calendar.workday_on_or_after(end)  # 民法典 第二百零三条
    except CalendarRangeError:
        return end  # beyond the calendar's years: the day itself (no holiday known there yet)


def status_of(obligation: Obligation, today: date) -> str:
    if obligation.status == "met":
        return "met"
    if obligation.due_on < today:
        return "overdue"
    return "extended" if obligation.extensions else "open"


def _status_condition(status: str, today: date) -> ColumnElement[bool]:
    is_open = Obligation.status == "open"
    extended = Obligation.times_extended > 0
    if status == "met":
        return Obligation.status == "met"
    if status == "overdue":
        return and_(is_open, Obligation.due_on < today)
    not_due = and_(is_open, Obligation.due_on >= today)
    return and_(not_due, extended) if status == "extended" else and_(not_due, ~extended)


# A certificate's validity (the decision's valid_until) is watched like an obligation: renew before it lapses.
VALIDITY = {"code": "valid_until", "name": "证照有效期届满（需延续的，应在届满三十日前申请）", "count": 0,
            "unit": "fixed", "met_by": None, "max_extensions": 0,
            "consequence": "有效期届满未延续的，证照失效。", "legal_basis": "《中华人民共和国行政许可法》第五十条"}


async def create_for_decision(session: AsyncSession, *, approval_id: int, project_id: int, department_code: str,
                              catalog_item_id: int, decided_on: date, valid_until: date | None = None,
                              item_rules: list[dict[str, Any]] | None = None) -> list[Obligation]:
    """The obligations the item's rules attach to an approving decision (and the certificate's validity, when
    the decision states one), in the decision's transaction. ``item_rules``: the item's rules, when the caller
    read them already (a catalog item does not change once imported)."""
    if item_rules is None:
        item = await session.get(CatalogItem, catalog_item_id)
        item_rules = list((item.definition if item else {}).get("obligations") or [])
    rules = list(item_rules)
    if valid_until is not None:
        rules.append(VALIDITY)
    if not rules:
        return []
    calendar = await get_calendar(session)
    now = timeutil.now()
    made = []
    for rule in rules:
        due = valid_until if rule is VALIDITY and valid_until is not None else due_date(rule, decided_on, calendar)
        obligation = Obligation(approval_id=approval_id, project_id=project_id, department_code=department_code,
                                code=rule["code"], name=rule["name"], rule=rule, starts_on=decided_on,
                                original_due_on=due, due_on=due, status="open", extensions=[], times_extended=0,
                                created_at=now)
        session.add(obligation)
        made.append(obligation)
    await session.flush()
    return made


@dataclass(frozen=True, slots=True)
class Listed:
    obligation: Obligation
    approval_name: str


async def search(session: AsyncSession, actor: Actor, *, project_id: int | None, due_before: date | None,
                 status: str | None, today: date, site_code: str | None = None) -> tuple[list[Listed], int]:
    """The obligations the actor may see, the soonest due first; ``site_code``: those of the dossiers that site
    holds."""
    query = visible(Obligation, actor)
    if site_code:
        query = query.where(Obligation.project_id.in_(held_by(site_code)))
    if project_id is not None:
        await get_visible(session, Project, project_id, actor, what="项目")
        query = query.where(Obligation.project_id == project_id)
    if due_before is not None:
        query = query.where(Obligation.due_on < due_before)
    if status is not None:
        query = query.where(_status_condition(status, today))
    rows = list((await session.execute(query.order_by(Obligation.due_on, Obligation.id))).scalars())
    await sites.require_known(session, site_code, len(rows))
    names = await _approval_names(session, [o.approval_id for o in rows])
    return [Listed(o, names.get(o.approval_id, "")) for o in rows], len(rows)


async def _approval_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = await session.execute(select(_approvals.c.id, _approvals.c.name).where(_approvals.c.id.in_(ids)))
    return {int(i): str(n) for i, n in found.all()}


async def _editable(session: AsyncSession, actor: Actor, obligation_id: int, version: int | None) -> Obligation:
    obligation = await get_visible(session, Obligation, obligation_id, actor, what="义务")
    if actor.role not in (Role.CLERK, Role.DEPARTMENT, Role.ADMIN):
        raise Forbidden("只有代办员或审批部门可以登记（only the clerk or the department）")
    await require_holder_of(session, actor, obligation.project_id)
    if version is not None and version != obligation.version:
        raise Conflict("义务已被他人更新，请刷新后重试（stale version）", field="version")
    if obligation.status == "met":
        raise Conflict("该义务已履行（the obligation is met）")
    return obligation


async def extend(session: AsyncSession, actor: Actor, obligation_id: int, *, until: date,
                 document_file_id: int | None, version: int | None, today: date) -> Obligation:
    """Records the department's decision to extend (施工许可证: at most twice, three months each)."""
    obligation = await _editable(session, actor, obligation_id, version)
    rule = obligation.rule
    allowed = int(rule.get("max_extensions") or 0)
    if len(obligation.extensions) >= allowed:
        raise Conflict(f"该义务最多延期 {allowed} 次，已用完（no extension left）" if allowed
                       else "该义务不得延期（the obligation cannot be extended）")
    if until <= obligation.due_on:
        raise Invalid("延期后的日期须晚于当前到期日（until must be after the due date）", field="until")
    months = rule.get("extension_months")
    if months and until > obligation.due_on + relativedelta(months=int(months)):
        raise Invalid(f"每次延期不得超过 {months} 个月（until too far）", field="until")
    if document_file_id is not None:
        paper = await get_visible(session, StoredFile, document_file_id, actor, what="文件")
        if paper.project_id != obligation.project_id:
            raise Invalid("延期决定须为本项目的文件（the file belongs to another project）", field="document_file_id")
    before = {"due_on": obligation.due_on.isoformat(), "extensions": len(obligation.extensions)}
    obligation.extensions = [*obligation.extensions, {
        "until": until.isoformat(), "document_file_id": document_file_id, "recorded_by": actor.user_id,
        "recorded_on": today.isoformat()}]
    obligation.due_on = until
    obligation.times_extended = len(obligation.extensions)
    await session.flush()
    await audit.record(session, actor, "obligation.extend", "obligation", obligation.id,
                       project_id=obligation.project_id, before=before,
                       after={"due_on": until.isoformat(), "document_file_id": document_file_id})
    await _tell(session, obligation, f"obligation:{obligation.id}:extend:{len(obligation.extensions)}",
                f"{obligation.name}已延期至 {until.isoformat()}")
    return obligation


async def meet(session: AsyncSession, actor: Actor, obligation_id: int, *, met_on: date, note: str,
               today: date) -> list[Obligation]:
    """The clerk enters the milestone (开工) on one obligation: every open obligation of the project waiting on
    the same milestone is met with it."""
    obligation = await _editable(session, actor, obligation_id, None)
    if met_on > today:
        raise Invalid("履行日期不能晚于今天（met_on cannot be in the future）", field="met_on")
    if met_on < obligation.starts_on:
        raise Invalid("履行日期不能早于审批决定日期（met_on before the decision）", field="met_on")
    milestone = obligation.rule.get("met_by")
    return await _meet_all(session, actor, obligation.project_id, milestone, met_on, note,
                           only=None if milestone else obligation.id)


async def milestone_done(session: AsyncSession, actor: Actor, project_id: int, code: str, done_on: date) -> None:
    """A project milestone entered on the dossier meets the obligations waiting on it."""
    await _meet_all(session, actor, project_id, code, done_on, "", only=None)


async def _meet_all(session: AsyncSession, actor: Actor, project_id: int, milestone: str | None, met_on: date,
                    note: str, *, only: int | None) -> list[Obligation]:
    query = select(Obligation).where(Obligation.project_id == project_id, Obligation.status == "open")
    if only is not None:
        query = query.where(Obligation.id == only)
    found = [o for o in (await session.execute(query.order_by(Obligation.id))).scalars()
             if only is not None or o.rule.get("met_by") == milestone]
    for o in found:
        o.status, o.met_on, o.met_note, o.met_by = "met", met_on, note or None, actor.user_id
    await session.flush()
    for o in found:
        await audit.record(session, actor, "obligation.meet", "obligation", o.id, project_id=project_id,
                           before={"status": "open"}, after={"status": "met", "met_on": met_on.isoformat(),
                                                              "milestone": milestone})
        await _tell(session, o, f"obligation:{o.id}:met", f"{o.name}已登记履行（{met_on.isoformat()}）")
    return found


async def _tell(session: AsyncSession, obligation: Obligation, key: str, text: str) -> None:
    """The project's clerk and the enterprise's users, in the app."""
    project = await session.get_one(Project, obligation.project_id)
    users = (User.id == project.clerk_id) | (User.enterprise_id == project.enterprise_id)
    await notifications.write(session, [Message(key=key, subject=text, body=f"{text}（项目 {project.code}）。",
                                                object_type="obligation", object_id=obligation.id,
                                                project_id=project.id, users=users)])

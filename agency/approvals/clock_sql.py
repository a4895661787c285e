"""The clock in SQL: every running approval's due date and level in one query.

The same rules as ``agency.approvals.clock`` (its docstring), for the case the sweep cares about —
a running clock with a working-day promised limit — through the ``workday_ordinals`` table, so
"n working days after d" is an indexed lookup and a million approvals are one statement:

    due ordinal  = ordinal(accepted) + promised + extensions + paused working days
    used         = ordinal(today) − ordinal(accepted) − paused working days
    remaining    = promised + extensions − used
    overdue      = ordinal(today) − due ordinal          (when today is after the due date)

A pause on P resumed on R excludes ordinal(R) − ordinal(P) working days: the days in (P, R].
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, Select, and_, case, cast, func, literal, select
from sqlalchemy.orm import aliased

from agency.approvals.clock import DEFAULT_THRESHOLDS, Thresholds
from agency.approvals.models import ClockEventRow
from agency.calendar.models import WorkdayOrdinal
from agency.projects.models import Approval, Project


def running_clocks(today: date, thresholds: Thresholds = DEFAULT_THRESHOLDS, *, route_id: int | None = None,
                   green_thresholds: Thresholds | None = None) -> Select[tuple[int, ...]]:
    """(approval_id, project_id, department_code, accepted_on, due_on, used, allowed, remaining, overdue,
    level, due_soon) per running clock; optionally only one route's, with the thresholds of its
    green-channel projects applied to those in the same pass."""
    started = (select(ClockEventRow.approval_id, func.max(ClockEventRow.id).label("started_id"))
               .where(ClockEventRow.kind == "started").group_by(ClockEventRow.approval_id).subquery("started"))
    start_event = aliased(ClockEventRow, name="start_event")
    since_start = (select(ClockEventRow.approval_id, ClockEventRow.kind, ClockEventRow.on, ClockEventRow.days,
                          func.row_number().over(partition_by=(ClockEventRow.approval_id, ClockEventRow.kind),
                                                 order_by=ClockEventRow.id).label("rn"))
                   .join(started, started.c.approval_id == ClockEventRow.approval_id)
                   .where(ClockEventRow.id > started.c.started_id).subquery("since_start"))
    extension = (select(since_start.c.approval_id, func.sum(since_start.c.days).label("days"))
                 .where(since_start.c.kind == "extended").group_by(since_start.c.approval_id).subquery("ext"))
    pause, resume = aliased(since_start, name="pause"), aliased(since_start, name="resume")
    pause_ord, resume_ord = aliased(WorkdayOrdinal, name="pause_ord"), aliased(WorkdayOrdinal, name="resume_ord")
    paused = (select(pause.c.approval_id, func.sum(resume_ord.ordinal - pause_ord.ordinal).label("days"))
              .join(resume, and_(resume.c.approval_id == pause.c.approval_id, resume.c.kind == "resumed",
                                 resume.c.rn == pause.c.rn))
              .join(pause_ord, pause_ord.day == pause.c.on).join(resume_ord, resume_ord.day == resume.c.on)
              .where(pause.c.kind == "paused").group_by(pause.c.approval_id).subquery("paused"))

    accepted_ord = aliased(WorkdayOrdinal, name="accepted_ord")
    today_ord = select(WorkdayOrdinal.ordinal).where(WorkdayOrdinal.day == today).scalar_subquery()
    promised = cast(Approval.snapshot["promised_limit"]["count"].as_integer(), Integer)
    ext_days = func.coalesce(extension.c.days, 0)
    paused_days = func.coalesce(paused.c.days, 0)
    due_ord = accepted_ord.ordinal + promised + ext_days + paused_days
    due_row = aliased(WorkdayOrdinal, name="due_row")
    due_on = due_row.day
    used = today_ord - accepted_ord.ordinal - paused_days
    allowed = promised + ext_days
    remaining = allowed - used
    overdue = today_ord - due_ord
    red = literal(today) > due_on
    green_channel = Project.green_channel_status == "approved"
    green = green_thresholds or thresholds

    def pick(name: str) -> Any:
        normal, strict = getattr(thresholds, name), getattr(green, name)
        return literal(normal) if normal == strict else case((green_channel, literal(strict)), else_=literal(normal))

    level = case(
        (and_(red, (overdue >= pick("l3_after_workdays")) | green_channel), literal("l3")),
        (red, literal("red")),
        (used * 1.0 >= allowed * pick("yellow_ratio") - 1e-9, literal("yellow")),
        (remaining <= pick("prompt_days"), literal("prompt")),
        else_=literal("none"),
    )
    due_soon = and_(literal(today) <= due_on, remaining <= pick("prompt_days"))
    query = (select(Approval.id.label("approval_id"), Approval.project_id.label("project_id"),
                    Approval.department_code.label("department_code"), start_event.on.label("accepted_on"),
                    due_on.label("due_on"), used.label("used"), allowed.label("allowed"),
                    remaining.label("remaining"), overdue.label("overdue"), level.label("level"),
                    due_soon.label("due_soon"))
             .join(started, started.c.approval_id == Approval.id)
             .join(start_event, start_event.id == started.c.started_id)
             .join(accepted_ord, accepted_ord.day == start_event.on)
             .join(Project, Project.id == Approval.project_id)
             .outerjoin(extension, extension.c.approval_id == Approval.id)
             .outerjoin(paused, paused.c.approval_id == Approval.id)
             .join(due_row, and_(due_row.ordinal == due_ord, due_row.workday))
             .where(Approval.status == "accepted",
                    Approval.snapshot["promised_limit"]["unit"].as_string() == "workday"))
    if route_id is not None:
        query = query.where(Project.route_id == route_id)
    return query

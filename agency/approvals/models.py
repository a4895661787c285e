"""Approvals — one catalog item inside one dossier, owned by one department — their prerequisites and
their clock events, and who may see them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, Text, exists, false, or_, select, true
from sqlalchemy.orm import Mapped, mapped_column

from agency.access import Actor, Role, Visibility, VisibilityRule
from agency.db.base import Base, IdType, IntPK, JSONType, TimestampMixin, UTCDateTime
from agency.enterprises.models import Enterprise
from agency.files.models import StoredFile
from agency.projects.handover import enterprise_scope, site_scope
from agency.projects.models import Project, in_values

APPROVAL_STATUSES = ("planned", "preparing", "submitted", "accepted", "supplement_requested", "suspended",
                     "approved", "rejected", "refused", "withdrawn", "terminated")
CLOCK_EVENT_KINDS = ("started", "paused", "resumed", "extended", "stopped")


class Approval(TimestampMixin, Base):
    """One catalog item inside one project, owned by one department."""

    __tablename__ = "approvals"
    __table_args__ = (CheckConstraint(in_values("status", APPROVAL_STATUSES), name="status"),)

    id: Mapped[IntPK]
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    catalog_item_id: Mapped[int] = mapped_column(IdType, ForeignKey("catalog_items.id"))
    item_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="planned", index=True)
    required: Mapped[bool] = mapped_column(default=True)
    # Limits, materials and rules as they were when the project was planned (the item snapshot).
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Route milestones this approval waits for, besides its prerequisite approvals.
    waits_for_milestones: Mapped[list[str]] = mapped_column(JSONType, default=list)
    handler_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    decided_on: Mapped[date | None]
    submitted_on: Mapped[date | None]
    # The open one-time notice (一次性告知): what the department asked for, each material's defect, and by when
    # the enterprise is to answer (due_on), until it is answered.
    pending_supplement: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Every one-time notice of this approval, answered or not (requested_on, requested_at, materials): a
    # later one that asks again for a material provided and unchanged since is a violation.
    supplement_rounds: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Accepted by law (行政许可法 第三十二条): the department neither accepted, refused nor asked for a
    # supplement within 5 working days of receiving the application.
    deemed: Mapped[bool] = mapped_column(default=False)
    # A commitment (告知承诺) of this approval was found false at the department's check: for the leader to act on.
    commitment_breached: Mapped[bool] = mapped_column(default=False)
    # The (effective) date of the last status change: the floor for a backdated act, and what the
    # stall rules measure ("preparing untouched for 5 working days").
    status_since: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ApprovalPrerequisite(Base):
    __tablename__ = "approval_prerequisites"

    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                             primary_key=True)
    prerequisite_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)


MATERIAL_STATES = ("missing", "provided", "deferred", "committed", "reused", "shared", "exempt")


class MaterialState(Base):
    """A material that stands without (or beside) its files, as decided for this approval: accepted for now
    against a promised date (容缺, ``deferred``), replaced by a signed commitment (告知承诺, ``committed``),
    satisfied by a decision issued earlier in the dossier (``reused``), obtained by the department through
    data sharing (``shared``) or exempt. ``missing`` and ``provided`` are not stored: they follow from the
    material's current files (agency/approvals/materials.py)."""

    __tablename__ = "material_states"
    __table_args__ = (CheckConstraint("state IN ('deferred','committed','reused','shared','exempt')", name="state"),)

    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"), primary_key=True)
    material_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(12))
    promised_on: Mapped[date | None]  # deferred: when the enterprise will bring it
    reused_from_approval_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("approvals.id"))
    source: Mapped[str | None] = mapped_column(String(200))  # shared: where the department obtained it
    reference: Mapped[str | None] = mapped_column(String(200))  # shared: its reference there
    reason: Mapped[str | None] = mapped_column(Text)  # exempt: why; the others: a note
    set_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


CHECK_STATUSES = ("open", "confirmed", "false")


class CommitmentCheck(Base):
    """The department's check (事后核查) of a commitment that stood in for a material (告知承诺, 国办发〔2020〕42号):
    opened when the approval is decided, due some months later (the catalog's ``verify_within_months``), and
    watched by the sweep like a clock (escalations with subject ``verification``)."""

    __tablename__ = "commitment_checks"
    __table_args__ = (CheckConstraint(in_values("status", CHECK_STATUSES), name="status"),
                      Index("uq_commitment_checks_material", "approval_id", "material_code", unique=True),
                      Index("ix_commitment_checks_open", "status", "due_on"))

    id: Mapped[IntPK]
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(IdType, ForeignKey("projects.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(32), ForeignKey("departments.code"), index=True)
    material_code: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="open")
    finding: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    checked_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ClockEventRow(Base):
    """Append-only facts about an approval's clock; due dates are derived from them and the calendar."""

    __tablename__ = "clock_events"
    __table_args__ = (CheckConstraint("kind IN ('started','paused','resumed','extended','stopped')", name="kind"),)

    id: Mapped[IntPK]
    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The date the act took effect; for an offline department, the date the clerk was told of.
    on: Mapped[date]
    days: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApprovalClock(Base):
    """The clock of one approval that runs or is paused, as the action that last moved it left it.

    Written explicitly, in the same transaction, by whatever changes it — an action on the approval
    (agency/approvals/service.py), the green-channel decision of its dossier, the calendar's background
    recompute — from the one pure reduction of its clock events (``clock.clock_constants``). Readers of
    many clocks at once (the worklist, the workbench counts, the sweep) add the day they ask for in SQL
    (clock_sql.py); one approval's page reads its events through the pure function. A clock that has not
    started or has stopped has no row.

    ``calendar_revision`` is the calendar the numbers were computed with: while a later change of the
    calendar falls inside ``[accepted_on, horizon_on]`` the row is stale, and readers compute that clock
    through the pure function until the recompute has reached it.
    """

    __tablename__ = "approval_clocks"
    # The day's urgency, most urgent first: the clerk's worklist and a department's inbox read a page of
    # it from these indexes instead of ranking every open clock.
    __table_args__ = (Index("ix_approval_clocks_urgency", "key_rank", "key_remaining", "approval_id"),
                      Index("ix_approval_clocks_department_urgency", "department_code", "key_rank", "key_remaining",
                            "approval_id"),
                      CheckConstraint("state IN ('running','paused')", name="state"))

    approval_id: Mapped[int] = mapped_column(IdType, ForeignKey("approvals.id", ondelete="CASCADE"),
                                             primary_key=True)
    # Copied from the approval and its project: what a worklist filters on, and what picks the thresholds.
    project_id: Mapped[int] = mapped_column(IdType, index=True)
    department_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))
    route_id: Mapped[int] = mapped_column(IdType)
    green: Mapped[bool]
    # False: the events form no sequence the life cycle can produce; the pure function says why (409).
    readable: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str | None] = mapped_column(String(8))
    unit: Mapped[str | None] = mapped_column(String(16))
    allowed: Mapped[int | None]
    accepted_on: Mapped[date | None]
    paused_on: Mapped[date | None]
    due_on: Mapped[date | None]  # None while paused and not yet reached: a projection that moves daily
    statutory_due_on: Mapped[date | None]
    anchor_on: Mapped[date | None]  # the day of the last clock event: the day the numbers below were read on
    remaining_at_anchor: Mapped[int | None]
    used_at_anchor: Mapped[int | None]
    horizon_on: Mapped[date | None]  # the last date the numbers depend on; None: they move every day
    calendar_revision: Mapped[int] = mapped_column(index=True)  # the rows a calendar change may have made stale
    # The worklist's key (level rank, remaining working days) on ``key_day``, as ``urgency.keys`` computes it;
    # rank NULL: this clock is read through the pure function. Set with every write and for each new day by
    # the sweep; a worklist asked for another day computes its keys itself.
    key_day: Mapped[date | None] = mapped_column(index=True)
    key_rank: Mapped[int | None]
    key_remaining: Mapped[int | None]


# Who may see what ------------------------------------------------------------------------------------
# A department officer sees his own department's approvals, and through them their dossiers, enterprises
# and files; that is why the rules of those models are registered here, with the approvals they go through.


def _project_visibility(actor: Actor) -> ColumnElement[bool]:
    scope = site_scope(actor)  # a site's clerk: his site's dossiers, those it handed over; the center: all
    if scope is not None:
        return scope
    if actor.role in (Role.ADMIN, Role.CLERK, Role.LEADER):
        return true()
    if actor.role is Role.ENTERPRISE:
        return Project.enterprise_id == actor.enterprise_id if actor.enterprise_id is not None else false()
    return exists(select(Approval.id).where(Approval.project_id == Project.id,
                                            Approval.department_code == actor.department_code))


def _approvals_visibility(project_id: Any, department_code: Any) -> VisibilityRule:
    """The rule for rows of approvals (or of what belongs to one approval), by their project and department."""

    def rule(actor: Actor) -> ColumnElement[bool]:
        if actor.role is Role.DEPARTMENT:
            # A department officer sees his own department's approvals, not the rest of the dossier.
            return department_code == actor.department_code  # type: ignore[no-any-return]
        if actor.role in (Role.ADMIN, Role.CLERK, Role.LEADER) and site_scope(actor) is None:
            return true()  # every dossier: no condition for the planner to join projects for
        return project_id.in_(select(Project.id).where(_project_visibility(actor)))  # type: ignore[no-any-return]

    return rule


def _enterprise_visibility(actor: Actor) -> ColumnElement[bool]:
    # A township hall's (or sub-center's) clerk: those registered at his site, those owning a dossier he sees.
    scope = enterprise_scope(actor, Enterprise.id, Enterprise.site_code)
    if scope is not None:
        return scope
    if actor.role in (Role.ADMIN, Role.CLERK, Role.LEADER):
        return true()
    if actor.role is Role.ENTERPRISE:
        return Enterprise.id == actor.enterprise_id if actor.enterprise_id is not None else false()
    # A department sees the enterprises whose projects hold one of its approvals.
    return exists(select(Approval.id).join(Project, Project.id == Approval.project_id).where(
        Project.enterprise_id == Enterprise.id, Approval.department_code == actor.department_code))


def _file_visibility(actor: Actor) -> ColumnElement[bool]:
    if site_scope(actor) is not None:
        projects_of_site = select(Project.id).where(_project_visibility(actor))
        return or_(StoredFile.project_id.in_(projects_of_site), StoredFile.approval_id.in_(
            select(Approval.id).where(Approval.project_id.in_(projects_of_site))))
    if actor.role in (Role.ADMIN, Role.CLERK, Role.LEADER):
        return true()
    approvals = select(Approval.id).where(Visibility.condition(Approval, actor))
    if actor.role is Role.DEPARTMENT:
        return StoredFile.approval_id.in_(approvals)
    projects = select(Project.id).where(Visibility.condition(Project, actor)) if actor.enterprise_id else None
    if projects is None:
        return false()
    return or_(StoredFile.approval_id.in_(approvals), StoredFile.project_id.in_(projects))


Visibility.register(Project, _project_visibility)
Visibility.register(Approval, _approvals_visibility(Approval.project_id, Approval.department_code))
Visibility.register(ApprovalClock, _approvals_visibility(ApprovalClock.project_id, ApprovalClock.department_code))
Visibility.register(Enterprise, _enterprise_visibility)
Visibility.register(StoredFile, _file_visibility)
# The enterprise sees the checks of its own dossiers too: it made the commitment.
Visibility.register(CommitmentCheck, _approvals_visibility(CommitmentCheck.project_id, CommitmentCheck.department_code))

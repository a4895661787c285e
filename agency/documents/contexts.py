"""From the dossier to the typed context of each paper: what the clerk used to retype by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
from agency.access import Actor, visible
from agency.accounts.models import User
from agency.approvals import materials as material_sets
from agency.approvals.clocks import limit_of, load_clocks
from agency.approvals.models import Approval
from agency.approvals.rules import DROPPED
from agency.calendar.service import get_calendar
from agency.catalog.format_model import STAGE_NAMES
from agency.catalog.models import Department
from agency.coordination.models import Problem
from agency.documents import notice_papers, office_contexts
from agency.dossiers.forecast import Forecast
from agency.dossiers.service import detail_of
from agency.enterprises.models import Enterprise
from agency.errors import Conflict, Invalid
from agency.files.models import StoredFile
from agency.projects.handover import holding_site
from agency.projects.models import Project
from agency.settings import Settings

UNIT_WORDS = {"workday": "个工作日", "calendar_day": "日"}


@dataclass(slots=True)
class Dossier:
    """What every paper of one project draws from, read once: as much of it as the paper's issuer may see."""

    project: Project
    enterprise: Enterprise
    clerk: User
    approvals: list[Approval]
    departments: dict[str, Department]
    today: date
    actor: Actor


async def load_dossier(session: AsyncSession, project: Project, today: date, actor: Actor) -> Dossier:
    """The dossier as ``actor`` sees it: a department's paper lists its own department's approvals only."""
    approvals = list((await session.execute(
        visible(Approval, actor).where(Approval.project_id == project.id).order_by(Approval.id))).scalars())
    departments = {d.code: d for d in (await session.execute(select(Department))).scalars()}
    return Dossier(project, await session.get_one(Enterprise, project.enterprise_id),
                   await session.get_one(User, project.clerk_id), approvals, departments, today, actor)


def _limit_words(approval: Approval) -> str:
    limit = limit_of(approval.snapshot, "promised_limit")
    return f"{limit.count}{UNIT_WORDS[limit.unit]}" if limit else ""


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def base_fields(d: Dossier, settings: Settings, doc_number: str) -> dict[str, Any]:
    facts = d.project.facts or {}
    return {
        "doc_number": doc_number,
        "issued_on": d.today,
        "center": paper.CenterFacts(name=settings.center_name, office_name=f"{settings.center_name}企业代办服务中心",
                                    reconsideration_body=settings.reconsideration_body, court=settings.court),
        "enterprise": paper.EnterpriseFacts(
            name=d.enterprise.name, credit_code=d.enterprise.credit_code,
            legal_representative=d.enterprise.legal_representative, contact_name=d.enterprise.contact_name,
            contact_phone=d.enterprise.contact_phone, address=d.enterprise.address, park=d.enterprise.park),
        "project": paper.ProjectFacts(
            code=d.project.code, investment_code=d.project.investment_code or "", name=d.project.name,
            location=d.project.location,
            investment_wan=d.project.investment_wan, land_area_mu=d.project.land_area_mu,
            description=d.project.description, construction_content=facts.get("construction_content", ""),
            building_area_m2=_decimal(facts.get("building_area_m2")),
            planned_start=_date(facts.get("planned_start")), planned_completion=_date(facts.get("planned_completion")),
            design_unit=facts.get("design_unit", ""), construction_unit=facts.get("construction_unit", ""),
            supervision_unit=facts.get("supervision_unit", ""), clerk_name=d.clerk.display_name,
            clerk_phone=d.clerk.phone or ""),
    }


def _planned(d: Dossier) -> tuple[paper.PlannedApproval, ...]:
    return tuple(paper.PlannedApproval(
        name=a.name, department=d.departments[a.department_code].name, stage=STAGE_NAMES.get(a.stage, a.stage),
        promised_limit=_limit_words(a)) for a in d.approvals if a.status not in DROPPED)


def _case_number(d: Dossier, approval: Approval) -> str:
    return f"{d.project.code}-{approval.id:05d}"


def _need(approval: Approval | None, template: str) -> Approval:
    if approval is None:
        raise Invalid(f"生成“{template}”须指定事项（approval_id is required）", field="approval_id")
    return approval


async def build(session: AsyncSession, template: str, d: Dossier, approval: Approval | None,
                settings: Settings, doc_number: str, facts: dict[str, Any] | None = None) -> msgspec.Struct:
    base = base_fields(d, settings, doc_number)
    if template in notice_papers.NOTICE_TEMPLATES:
        chosen = _need(approval, paper.get_spec(template).name_zh)
        base |= {"department": d.departments[chosen.department_code].name, "case_number": _case_number(d, chosen)}
        return await notice_papers.build(session, template, base, chosen, d.project, facts or {}, d.today)
    if template in office_contexts.OFFICE_TEMPLATES:
        return await office_contexts.build(session, template, base, d.project, d.approvals, d.departments, settings,
                                           facts or {}, d.today)
    if template == "supervision_notice" and (facts or {}).get("problem_id"):
        problem = await session.get_one(Problem, (facts or {})["problem_id"])
        return await office_contexts.problem_supervision(session, base, d.departments, problem, d.today)
    if template == "authorization_letter":
        return paper.AuthorizationLetterContext(**base, items=_planned(d))
    if template == "registration_form":
        return paper.RegistrationFormContext(**base, approvals=_planned(d), source="企业申请",
                                             green_channel=d.project.green_channel_status == "approved")
    if template == "one_time_notice":
        return await _one_time_notice(session, base, d, _need(approval, "一次性告知单"))
    if template == "refusal_notice":
        return _refusal(base, d, _need(approval, "不予受理/不予许可告知书"))
    if template == "supervision_notice":
        return await _supervision(session, base, d, _need(approval, "督办通知单"))
    if template == "completion_notice":
        return await _completion(session, base, d, approval)
    if template == "progress_report":
        return await _progress(session, base, d)
    if template.startswith("application_form"):
        chosen = _need(approval, "申请表")
        return paper.ApplicationFormContext(**base, item_code=chosen.item_code, item_name=chosen.name,
                                            department=d.departments[chosen.department_code].name)
    raise Invalid(f"“{template}”随报送批次生成，不能单独生成（generated with a bundle）", field="template")


def supplement_asked(approval: Approval) -> tuple[list[str], str] | None:
    """The materials and note of the supplement request the department recorded, if there is one."""
    pending = approval.pending_supplement or {}
    if not pending.get("missing_materials"):
        return None
    return list(pending["missing_materials"]), pending.get("reason") or ""


async def _one_time_notice(session: AsyncSession, base: dict[str, Any], d: Dossier,
                           approval: Approval) -> msgspec.Struct:
    asked = supplement_asked(approval)
    if asked is None:
        # Before a department asked: everything required still missing (consultation stage).
        codes = [m.code for m in await material_sets.views(session, approval) if m.required and m.state == "missing"]
        asked = codes, ""
    return await one_time_notice(session, base, d, approval, *asked)


async def one_time_notice(session: AsyncSession, base: dict[str, Any], d: Dossier, approval: Approval,
                          codes: list[str], note: str) -> paper.OneTimeNoticeContext:
    """The 一次性告知单 of these materials: what the flow stores, and what the officer previews before asking."""
    materials = {m["code"]: m for m in approval.snapshot.get("materials") or []}
    if not codes:
        raise Conflict("该事项没有缺少的材料，无需一次性告知（nothing is missing）", field="approval_id")
    calendar = await get_calendar(session)
    department = d.departments[approval.department_code]
    return paper.OneTimeNoticeContext(
        **base, item_name=approval.name, department=department.name, case_number=_case_number(d, approval),
        received_on=approval.submitted_on, deadline=calendar.add_workdays(d.today, 10),
        department_phone=(department.contacts.get("chief_representative") or {}).get("phone", ""),
        materials=tuple(paper.MissingMaterial(
            name=materials[c]["name"], copies=materials[c].get("copies", 1),
            original=materials[c].get("original", "original") != "copy", note=note) for c in codes if c in materials))


def _refusal(base: dict[str, Any], d: Dossier, approval: Approval) -> msgspec.Struct:
    decision = approval.decision or {}
    if decision.get("outcome") not in ("refused", "rejected"):
        raise Conflict("该事项没有不予受理或不予许可的决定（no refusal recorded）", field="approval_id")
    department = d.departments[approval.department_code]
    if department.reconsideration_body or department.court:
        # An authority names its own reconsideration body and court when they are configured for it.
        center = base["center"]
        base = base | {"center": msgspec.structs.replace(
            center, reconsideration_body=department.reconsideration_body or center.reconsideration_body,
            court=department.court or center.court)}
    return paper.RefusalNoticeContext(
        **base, utility=department.kind == "utility", complaint_channel=_complaint_channel(department),
        kind="intake_refusal" if decision["outcome"] == "refused" else "decision_refusal",
        item_name=approval.name, department=d.departments[approval.department_code].name,
        case_number=_case_number(d, approval), applied_on=approval.submitted_on,
        reason=decision.get("reason") or "", legal_basis=decision.get("legal_basis") or "")


def _complaint_channel(department: Department) -> str:
    """A utility's refusal names where to complain: its own service line, else the center."""
    contact = (department.contacts or {}).get("chief_representative") or {}
    return f"{department.name}服务热线 {contact['phone']}" if contact.get("phone") else ""


async def _supervision(session: AsyncSession, base: dict[str, Any], d: Dossier, approval: Approval) -> msgspec.Struct:
    calendar = await get_calendar(session)
    clock = (await load_clocks(session, [approval], {d.project.id: d.project}, calendar, d.today))[approval.id]
    if clock.level not in ("yellow", "red", "l3") or clock.due_on is None:
        raise Conflict("该事项未亮牌，无需督办（no yellow or red card）", field="approval_id")
    department = d.departments[approval.department_code]
    contacts = department.contacts or {}
    who = ["chief_representative"] + (["leader_in_charge"] if clock.level != "yellow" else []) + (
        ["main_leader"] if clock.level == "l3" else [])
    return paper.SupervisionNoticeContext(
        **base, item_name=approval.name, department=department.name, case_number=_case_number(d, approval),
        level=clock.level, accepted_on=clock.accepted_on, promised_limit=_limit_words(approval), due_on=clock.due_on,
        overdue_workdays=clock.overdue_workdays, respond_by=calendar.add_workdays(d.today, 2),
        targets=tuple(f"{department.name} {contacts[k]['name']}" for k in who if k in contacts))


def completion_span(d: Dossier, approved: list[Approval], *, one: bool) -> tuple[date | None, date]:
    """From when to when the finished approvals were handled: a single approval from its submission, the
    dossier from when it was opened or its first submission, whichever came first. When even that is later
    than the last decision (items recorded as decided before the dossier was opened: an offline department's
    act, an item taken over from before) the start is not known: None, and the paper names no duration
    rather than a negative one."""
    completed_on = max(a.decided_on or d.today for a in approved)
    submitted = [a.submitted_on for a in approved if a.submitted_on is not None]
    opened = d.project.created_at.date()
    started_on = min(submitted) if one and submitted else min([opened, *submitted])
    return (started_on if started_on <= completed_on else None), completed_on


async def _completion(session: AsyncSession, base: dict[str, Any], d: Dossier,
                      approval: Approval | None) -> msgspec.Struct:
    if approval is not None:
        if approval.status != "approved":
            raise Conflict("该事项尚未办结，不能出具办结通知书（approval not finished）", field="approval_id")
        approved = [approval]
    else:
        approved = [a for a in d.approvals if a.status == "approved"]
    if not approved:
        raise Conflict("尚无办结的事项，不能出具办结通知书（nothing approved yet）", field="template")
    started_on, completed_on = completion_span(d, approved, one=approval is not None)
    calendar = await get_calendar(session)
    holder = await holding_site(session, d.project)  # a township hall hands the certificates out itself
    return paper.CompletionNoticeContext(
        **base, completed_on=completed_on, started_on=started_on,
        pick_up_place=holder[1] if holder is not None and holder[2] == "township_hall" else "",
        elapsed_workdays=None if started_on is None else calendar.workdays_between(started_on, completed_on),
        items=tuple(paper.CompletedItem(
            name=a.name, department=d.departments[a.department_code].name,
            certificate_no=(a.decision or {}).get("certificate_no") or "", approved_on=a.decided_on,
            valid_until=_date((a.decision or {}).get("valid_until"))) for a in approved))


def _planned_finish(forecast: Forecast | None, approval: Approval) -> date | None:
    planned = forecast.schedule.get(f"a{approval.id}") if forecast else None
    return planned[1] if planned else None


async def _progress(session: AsyncSession, base: dict[str, Any], d: Dossier) -> msgspec.Struct:
    detail = await detail_of(session, d.actor, d.project, d.today)
    rows = tuple(paper.ProgressRow(
        name=a.name, department=d.departments[a.department_code].name, stage=STAGE_NAMES.get(a.stage, a.stage),
        status=a.status, due_on=detail.clocks[a.id].due_on or _planned_finish(detail.forecast, a),
        level=detail.clocks[a.id].level, remaining_workdays=detail.clocks[a.id].remaining_workdays,
        provisional=detail.clocks[a.id].provisional) for a in d.approvals if a.status != "withdrawn")
    forecast = detail.forecast
    return paper.ProgressReportContext(
        **base, as_of=d.today, rows=rows, green_channel=d.project.green_channel_status == "approved",
        forecast_completion=forecast.completion_date if forecast else None,
        forecast_workdays=forecast.working_days if forecast else None,
        forecast_provisional=forecast.provisional if forecast else False)



@dataclass(frozen=True, slots=True)
class PinnedFile:
    approval: Approval
    file: StoredFile
    material_name: str


def transmittal(d: Dossier, settings: Settings, doc_number: str, bundle_code: str, department_code: str,
                pinned: list[PinnedFile]) -> msgspec.Struct:
    by_approval: dict[int, list[PinnedFile]] = {}
    for item in pinned:
        by_approval.setdefault(item.approval.id, []).append(item)
    approvals = tuple(paper.TransmittalApproval(
        name=items[0].approval.name, case_number=_case_number(d, items[0].approval),
        files=tuple(paper.TransmittalFile(material=i.material_name, filename=i.file.original_name,
                                          size_bytes=i.file.size, sha256=i.file.sha256) for i in items))
        for items in by_approval.values())
    return paper.TransmittalListContext(
        **base_fields(d, settings, doc_number), bundle_code=bundle_code,
        department=d.departments[department_code].name, approvals=approvals, file_count=len(pinned),
        total_bytes=sum(i.file.size for i in pinned), sender_name=d.clerk.display_name)

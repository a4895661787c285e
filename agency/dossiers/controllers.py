from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.accounts.schemas import UserRef
from agency.approvals.clocks import limit_of
from agency.coordination import government, stages
from agency.dossiers import detail_cache, editing, exports, identity, mandate, service
from agency.dossiers.schemas import (
    AddApprovalIn,
    ApprovalSummary,
    ClockSummary,
    CloseIn,
    EventOut,
    FactsIn,
    ForecastOut,
    GreenChannelDecisionIn,
    GreenChannelIn,
    GreenChannelOut,
    MandateIn,
    MandateOut,
    MilestoneIn,
    MilestoneOut,
    ProjectIn,
    ProjectListItem,
    ProjectOut,
    ProjectPatch,
    StageOut,
)
from agency.enterprises.schemas import EnterpriseRef
from agency.schemas import Page, PageNo, PageSize
from agency.spreadsheets import xlsx_response
from agency.timeutil import today_local

ProjectStatus = Annotated[str | None, QueryParameter(pattern="^(open|planning|in_progress|completed|blocked|closed)$")]
Level = Annotated[str | None, QueryParameter(pattern="^(prompt|yellow|red|l3)$",
                                            description="worst open level of the dossier's clocks today")]
Format = Annotated[str, QueryParameter(pattern="^(json|xlsx)$")]
GreenStatus = Annotated[str | None, QueryParameter(pattern="^(none|requested|approved|refused)$")]


def project_out(d: service.ProjectDetail) -> ProjectOut:
    p = d.project
    schedule = d.forecast.schedule if d.forecast else {}
    approvals = []
    for a in d.approvals:
        clock = d.clocks[a.id]
        planned = schedule.get(f"a{a.id}")
        promised = limit_of(a.snapshot, "promised_limit")
        statutory = limit_of(a.snapshot, "statutory_limit")
        approvals.append(ApprovalSummary(
            id=a.id, item_code=a.item_code, name=a.name, department_code=a.department_code, stage=a.stage,
            status=a.status, required=a.required, version=a.version, prerequisites=d.prerequisites.get(a.id, []),
            waits_for_milestones=a.waits_for_milestones,
            promised_limit={"count": promised.count, "unit": promised.unit} if promised else {},
            statutory_limit={"count": statutory.count, "unit": statutory.unit} if statutory else None,
            clock=ClockSummary(accepted_on=clock.accepted_on, due_on=clock.due_on,
                               statutory_due_on=clock.statutory_due_on,
                               remaining_workdays=clock.remaining_workdays, level=clock.level,
                               provisional=clock.provisional),
            planned_start=planned[0] if planned else None, planned_finish=planned[1] if planned else None,
        ))
    forecast = None
    if d.forecast is not None:
        forecast = ForecastOut(completion_date=d.forecast.completion_date, working_days=d.forecast.working_days,
                               critical_path=[d.codes.get(k, k) for k in d.forecast.critical_path],
                               provisional=d.forecast.provisional,
                               unknown_milestones=[k.removeprefix("m:") for k in d.forecast.unknown_milestones],
                               late=[d.codes.get(k, k) for k in d.forecast.late])
    return ProjectOut(
        site_code=p.site_code,
        id=p.id, code=p.code, name=p.name, enterprise=EnterpriseRef(id=d.enterprise.id, name=d.enterprise.name),
        status=p.status, clerk=UserRef(id=d.clerk.id, display_name=d.clerk.display_name),
        route_code=p.route_code, catalog_version=p.catalog_version, investment_wan=float(p.investment_wan),
        location=p.location, land_area_mu=None if p.land_area_mu is None else float(p.land_area_mu),
        description=p.description,
        green_channel=GreenChannelOut(status=p.green_channel_status,  # type: ignore[arg-type]
                                      reason=p.green_channel_reason, note=p.green_channel_note,
                                      decided_by=d.decided_by.display_name if d.decided_by else None,
                                      decided_at=p.green_channel_decided_at),
        facts=p.facts or {}, forecast=forecast,
        milestones=[MilestoneOut(code=m.code, name=m.name, after=m.after, expected_on=m.expected_on,
                                 done_on=m.done_on) for m in d.milestones],
        approvals=approvals, created_at=p.created_at, version=p.version,
        open_escalations=[{"id": e.id, "approval_id": e.approval_id, "rule": e.rule, "level": e.level,
                           "status": e.status} for e in d.escalations],
        mandate=msgspec.convert(mandate.state_of(p), MandateOut), investment_code=p.investment_code,
    )


class ProjectController(Controller):
    path = "/api/projects"
    tags = ["项目档案 projects"]

    @post("", status_code=201, guards=[require_roles(Role.CLERK)])
    async def create(self, data: JSONBody[ProjectIn], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> ProjectOut:
        """Open a dossier: its approvals are planned from the route (status planned, prerequisites filled)."""
        project = await service.create(db, actor, data)
        return project_out(await service.detail(db, actor, project.id, today_local()))

    @get("")
    async def search(self, actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                     status: ProjectStatus = None,
                     green_channel: GreenStatus = None,
                     enterprise_id: FromQuery[int | None] = None, q: FromQuery[str | None] = None,
                     mine: FromQuery[bool] = False, level: Level = None, format: Format = "json",
                     page: PageNo = 1, page_size: PageSize = 20, site_code: FromQuery[str | None] = None
                     ) -> Page[ProjectListItem] | Response[bytes]:
        """Dossiers the caller may see, newest first. ``q``: enterprise name or credit code, project name or
        dossier code, item name, certificate number; ``status=open``: not completed or closed; ``level``: the
        worst open level; ``format=xlsx``: every dossier found (not one page) as a spreadsheet."""
        today = today_local()
        if format == "xlsx":
            return xlsx_response(await exports.project_workbook(
                db, actor, status=status, green_channel=green_channel, enterprise_id=enterprise_id, q=q, mine=mine,
                level=level, today=today, site_code=site_code), f"项目清单_{today.isoformat()}.xlsx",
                f"projects_{today.isoformat()}.xlsx")
        rows, total = await service.search(db, actor, status=status, green_channel=green_channel,
                                           enterprise_id=enterprise_id, q=q, mine=mine, page=page,
                                           page_size=page_size, level=level, today=today, site_code=site_code)
        return Page(items=[ProjectListItem(
            id=p.id, code=p.code, name=p.name, enterprise=EnterpriseRef(id=p.enterprise_id, name=name),
            status=p.status, green_channel=p.green_channel_status, clerk_id=p.clerk_id, route_code=p.route_code,
            approvals_total=count, approvals_approved=approved, created_at=p.created_at, site_code=p.site_code)
            for p, name, count, approved in rows], total=total, page=page, page_size=page_size)

    @get("/{project_id:int}")
    async def get_one(self, project_id: FromPath[int], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession], as_of: FromQuery[date | None] = None) -> ProjectOut:
        day = as_of or today_local()

        async def build() -> ProjectOut:
            detail = await service.detail(db, actor, project_id, day)
            spent = await government.of_project(db, detail.project, day)
            progress = await stages.of_project(db, detail.project, day)
            return msgspec.structs.replace(project_out(detail), government_workdays=spent.workdays,
                                           government_target_workdays=spent.target_workdays,
                                           stages=[msgspec.convert(s, StageOut, from_attributes=True)
                                                   for s in progress])

        return await detail_cache.read(db, actor, project_id, day, build)

    @patch("/{project_id:int}", guards=[require_roles(Role.CLERK)])
    async def update(self, project_id: FromPath[int], data: JSONBody[ProjectPatch], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> ProjectOut:
        """The dossier's own details (name, investment, land, location, description, its clerk); each change is
        audited. Not the application-form facts (``PUT /facts``);
        ``investment_code`` is the platform's code (\"\" clears it)."""
        given = {k: getattr(data, k) for k in data.__struct_fields__ if k not in ("version", "investment_code")}
        await editing.update_details(db, actor, project_id, given, data.version)
        if data.investment_code is not None:  # the 投资项目统一代码; "" clears it
            await identity.set_investment_code(db, actor, project_id, data.investment_code)
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @post("/{project_id:int}/approvals", status_code=201, guards=[require_roles(Role.CLERK)])
    async def add_approval(self, project_id: FromPath[int], data: JSONBody[AddApprovalIn],
                           actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> ProjectOut:
        await service.add_approval(db, actor, project_id, data.item_code)
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @delete("/{project_id:int}/approvals/{approval_id:int}", status_code=200, guards=[require_roles(Role.CLERK)])
    async def remove_approval(self, project_id: FromPath[int], approval_id: FromPath[int],
                              actor: NamedDependency[Actor], db: NamedDependency[AsyncSession],
                              reason: Annotated[str | None, QueryParameter(max_length=500)] = None) -> ProjectOut:
        """Only while the approval is still planned, with a ``reason`` (required, kept in the audit)."""
        await service.remove_approval(db, actor, project_id, approval_id, reason)
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @put("/{project_id:int}/facts", guards=[require_roles(Role.CLERK)])
    async def set_facts(self, project_id: FromPath[int], data: JSONBody[FactsIn], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> ProjectOut:
        """The facts the application forms need (construction content, area, dates, units, contacts)."""
        given = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in msgspec.structs.asdict(data).items()
                 if k in data.__struct_fields__ and v is not None}
        await service.set_facts(db, actor, project_id, given)
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @post("/{project_id:int}/close", status_code=200, guards=[require_roles(Role.CLERK)])
    async def close(self, project_id: FromPath[int], data: JSONBody[CloseIn], actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> ProjectOut:
        """Close the dossier with a reason (e.g. after a rejection the enterprise gives up the project)."""
        await service.close(db, actor, project_id, data.reason)
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @post("/{project_id:int}/mandate", status_code=200, guards=[require_roles(Role.CLERK)])
    async def mandate(self, project_id: FromPath[int], data: JSONBody[MandateIn], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> ProjectOut:
        """The enterprise pauses the agency service (中止) or renews it (续办); ending it is ``close``."""
        await mandate.change(db, actor, project_id, data.action, data.reason, today_local(), data.version)
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @post("/{project_id:int}/green-channel", status_code=200, guards=[require_roles(Role.CLERK)])
    async def request_green_channel(self, project_id: FromPath[int], data: JSONBody[GreenChannelIn],
                                    actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]
                                    ) -> ProjectOut:
        await service.request_green_channel(db, actor, project_id, data.reason)
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @post("/{project_id:int}/green-channel/decision", status_code=200, guards=[require_roles(Role.LEADER)])
    async def decide_green_channel(self, project_id: FromPath[int], data: JSONBody[GreenChannelDecisionIn],
                                   actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]
                                   ) -> ProjectOut:
        await service.decide_green_channel(db, actor, project_id, data.approve, data.note)
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @put("/{project_id:int}/milestones/{code:str}", guards=[require_roles(Role.CLERK)])
    async def set_milestone(self, project_id: FromPath[int], code: FromPath[str], data: JSONBody[MilestoneIn],
                            actor: NamedDependency[Actor], db: NamedDependency[AsyncSession]) -> ProjectOut:
        """The clerk's expected date of a milestone (for the forecast), or the real date it was reached."""
        await editing.set_milestone(db, actor, project_id, code, data.expected_on, data.done_on, today_local())
        return project_out(await service.detail(db, actor, project_id, today_local()))

    @get("/{project_id:int}/events")
    async def events(self, project_id: FromPath[int], actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession], page: PageNo = 1, page_size: PageSize = 50
                     ) -> Page[EventOut]:
        """The audit timeline of the project and its approvals, newest first."""
        rows, total = await service.events(db, actor, project_id, page=page, page_size=page_size)
        return Page(items=[EventOut(id=e.id, occurred_at=e.occurred_at, actor=e.actor_username, role=e.actor_role,
                                    action=e.action, object_type=e.object_type, object_id=e.object_id,
                                    result=e.result, before=e.before, after=e.after) for e in rows],
                    total=total, page=page, page_size=page_size)

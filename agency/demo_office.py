"""A living office for the demo: twelve dossiers at different stages, with scans and papers.

Every step goes through the same service functions a clerk and the departments use (acts of online
departments in the past are recorded as an administrator's corrections, with their real dates), so
the demo's audit log, clocks and escalations are what the real thing would show.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import SYSTEM, Actor
from agency.approvals import materials
from agency.approvals import service as approvals
from agency.approvals.models import Approval
from agency.approvals.schemas import ActionIn
from agency.calendar.service import get_calendar
from agency.catalog.models import Department
from agency.coordination import meetings
from agency.coordination import service as problems
from agency.documents.service import Papers
from agency.dossiers import service as projects
from agency.projects import handover
from agency.projects.models import Project

# A minimal, valid one-page PDF: enough for the sniffing, the sha256 and the archives.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class Step:
    item: str
    until: str  # submitted | accepted | supplement_requested | approved
    accepted_ago: int = 0  # working days before today
    certificate: str = ""


@dataclass
class Scenario:
    enterprise: int
    name: str
    route: str
    steps: list[Step] = field(default_factory=list)
    green: bool = False
    description: str = ""


SCENARIOS = [
    Scenario(0, "年产5万吨高性能复合材料生产线新建项目", "new_industrial", [
        Step("xmba", "approved", 30, "2026-330521-26-03-000418"),
        Step("tddj", "approved", 26, "浙(2026)示范县不动产权第0012345号"),
        Step("ydghxk", "approved", 25, "地字第330521202600031号"), Step("jnsc", "accepted", 2),
        Step("hp", "accepted", 3),
        Step("stbc", "supplement_requested", 4)], green=True,
        description="新建厂房及配套用房，总建筑面积约6.2万平方米，购置生产线4条。"),
    Scenario(1, "精密数控机床智能化技术改造项目", "tech_upgrade", [
        Step("xmba", "approved", 20, "2026-330521-34-03-000277"), Step("jnsc", "accepted", 4), Step("hp", "submitted")],
        description="利用现有厂房实施智能化改造，新增五轴加工中心等设备120台（套）。"),
    Scenario(2, "新能源汽车零部件产业园一期项目", "new_industrial", [
        Step("xmba", "approved", 28, "2026-330521-36-03-000512"), Step("tddj", "accepted", 12)],
        description="一期建设标准厂房8幢，配套研发楼及仓储用房。"),
    Scenario(3, "高端医疗器械研发及产业化基地项目", "new_industrial", [
        Step("xmba", "approved", 15, "2026-330521-35-03-000633"), Step("ydghxk", "accepted", 4),
        Step("tddj", "accepted", 1)],
        description="建设研发中心、洁净车间及配套设施。"),
    Scenario(4, "绿色建材智能工厂项目", "new_industrial", [Step("xmba", "submitted")],
             description="建设装配式建筑构件智能生产线3条。"),
    Scenario(5, "光伏组件封装材料扩产项目", "tech_upgrade", [Step("xmba", "supplement_requested", 2)],
             description="在现有厂区内扩建封装胶膜生产线。"),
    Scenario(0, "复合材料研发中心建设项目", "new_industrial", [],
             description="建设研发大楼一幢及中试车间。"),
    Scenario(2, "汽车零部件数字化车间改造项目", "tech_upgrade", [
        Step("xmba", "approved", 35, "2026-330521-36-03-000201"), Step("hp", "approved", 20, "示环建〔2026〕45号"),
        Step("jnsc", "approved", 22, "示发改能审〔2026〕12号"), Step("sgtsc", "accepted", 6)],
        description="对现有冲压、焊装车间实施数字化改造。"),
    Scenario(4, "建材产业园配套仓储物流项目", "new_industrial", [
        Step("xmba", "approved", 10, "2026-330521-59-03-000701"), Step("jnsc", "accepted", 7),
        Step("stbc", "accepted", 5)],
        description="建设仓储用房及物流分拣中心。"),
    Scenario(3, "医疗器械无菌包装车间改造项目", "tech_upgrade", [Step("xmba", "accepted", 0)],
             description="改造现有车间为十万级洁净包装车间。"),
    Scenario(5, "光伏组件封装材料研发楼新建项目", "new_industrial", [
        Step("xmba", "approved", 22, "2026-330521-38-03-000455"),
        Step("tddj", "approved", 18, "浙(2026)示范县不动产权第0013210号"),
        Step("ydghxk", "approved", 17, "地字第330521202600047号"), Step("gcghxk", "accepted", 3)],
        description="新建研发楼一幢，建筑面积约1.2万平方米。"),
    Scenario(1, "精密传动部件生产线扩建项目", "tech_upgrade", [
        Step("xmba", "approved", 12, "2026-330521-34-03-000588"), Step("jnsc", "submitted")],
        description="扩建精密齿轮及减速机生产线2条。"),
]

DEMO_ENTERPRISE_EXTRA = [  # credit code, name, legal representative, contact, phone, address
    ("91330521MA2JQ7W533", "示范县华联新能源汽车部件有限公司", "赵永刚", "钱丽", "13705721122",
     "示范县经济开发区兴业路9号"),
    ("91330521MA2H6R3T9H", "示范县康泰医疗器械有限公司", "孙志强", "周敏", "13605723344", "示范县高新园区健康路66号"),
    ("91330521MA2B8K2M1J", "示范县绿筑新型建材有限公司", "冯建军", "陈静", "13905725566",
     "示范县经济开发区建材园区2号"),
    ("91330521MA2C5N7Q9U", "示范县晶能光伏材料有限公司", "林海峰", "黄婷", "13505727788", "示范县高新园区光伏路18号"),
]


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _scan_all(session: AsyncSession, clerk: Actor, store: storage.BlobStore, approval: Approval) -> None:
    for material in approval.snapshot.get("materials") or []:
        if not material.get("required", True):
            continue
        blob = await store.put(_one(PDF + material["code"].encode()), max_size=1024 * 1024)
        await materials.record_upload(session, clerk, approval, material["code"], blob, f"{material['name']}.pdf")


async def _act(session: AsyncSession, actor: Actor, approval: Approval, action: str, today: date, papers: Papers,
               **fields: object) -> None:
    await session.refresh(approval)
    data = ActionIn(action=action, version=approval.version, **fields)  # type: ignore[arg-type]
    await approvals.act(session, actor, approval.id, data, today)


async def _walk(session: AsyncSession, clerk: Actor, admin: Actor, store: storage.BlobStore, papers: Papers,
                project: Project, step: Step, today: date) -> None:
    calendar = await get_calendar(session)
    approval = (await session.execute(select(Approval).where(
        Approval.project_id == project.id, Approval.item_code == step.item))).scalar_one()
    department = await session.get_one(Department, approval.department_code)
    accepted_on = calendar.add_workdays(today, -step.accepted_ago) if step.accepted_ago else today
    submitted_on = calendar.add_workdays(accepted_on, -1)
    # Earlier steps of the dossier may already be dated; never go back before them.
    await _act(session, clerk, approval, "prepare", today, papers, effective_on=calendar.add_workdays(submitted_on, -1))
    await _scan_all(session, clerk, store, approval)
    await _act(session, clerk, approval, "submit", today, papers, effective_on=submitted_on)
    if step.until == "submitted":
        return
    recorder = clerk if department.mode == "offline" else admin
    if step.until == "supplement_requested" and step.accepted_ago <= 2 and step.item == "xmba":
        codes = [m["code"] for m in approval.snapshot["materials"][:2]]
        await _act(session, recorder, approval, "request_supplement", today, papers, missing_materials=codes,
                   reason="营业执照复印件不清晰，项目备案申请表未加盖公章", effective_on=submitted_on)
        return
    await _act(session, recorder, approval, "accept", today, papers, effective_on=accepted_on)
    if step.until == "supplement_requested":
        codes = [m["code"] for m in approval.snapshot["materials"][:1]]
        await _act(session, recorder, approval, "request_supplement", today, papers, missing_materials=codes,
                   reason="方案缺少水土流失防治责任范围图", effective_on=calendar.add_workdays(accepted_on, 1))
    elif step.until == "approved":
        limit = int(approval.snapshot["promised_limit"]["count"])
        decided = min(calendar.add_workdays(accepted_on, max(1, limit - 1)), today)
        await _act(session, recorder, approval, "approve", today, papers, certificate_no=step.certificate,
                   effective_on=decided)


# Opened at a township hall and handed over to the center's agency office, whose clerk now works it.
HANDED_OVER = Scenario(3, "临溪镇农产品冷链仓储项目", "new_industrial",
                       description="建设冷藏库及分拣包装车间，企业在临溪镇便民服务中心申请代办。")
HANDOVER_NOTE = "企业申请由县中心代办，项目备案材料已收齐，移交县政务服务中心企业代办服务室。"


async def load_office(session: AsyncSession, clerk: Actor, admin: Actor, leader: Actor, papers: Papers,
                      enterprises: list[int], today: date, *, township: Actor | None = None) -> list[str]:
    opened: list[str] = []
    if township is not None and not (await session.execute(
            select(Project.id).where(Project.name == HANDED_OVER.name))).scalar_one_or_none():
        from agency.dossiers.schemas import ProjectIn

        project = await projects.create(session, township, ProjectIn(
            enterprise_id=enterprises[HANDED_OVER.enterprise % len(enterprises)], name=HANDED_OVER.name,
            route_code=HANDED_OVER.route, investment_wan=3200.0, location="示范县临溪镇",
            description=HANDED_OVER.description))
        await handover.hand_over(session, township, project.id, note=HANDOVER_NOTE)
        opened.append(HANDED_OVER.name)
    for scenario in SCENARIOS:
        exists = (await session.execute(select(Project.id).where(Project.name == scenario.name))).scalar_one_or_none()
        if exists:
            continue
        from agency.dossiers.schemas import ProjectIn

        project = await projects.create(session, clerk, ProjectIn(
            enterprise_id=enterprises[scenario.enterprise % len(enterprises)], name=scenario.name,
            route_code=scenario.route, investment_wan=8000.0 + 1500 * len(opened), location="示范县经济开发区",
            description=scenario.description,
            # 赋码 by the national platform the year before (备案), entered by the clerk when opening the dossier.
            investment_code=f"{today.year - 1}-339001-29-03-{900001 + len(opened):06d}"))
        if scenario.green:
            await projects.request_green_channel(session, clerk, project.id, "县重点招商引资项目，须按期投产")
            await projects.decide_green_channel(session, leader, project.id, True, "同意纳入绿色通道")
        for step in scenario.steps:
            await _walk(session, clerk, admin, papers.store, papers, project, step, today)
        if scenario.green:
            await _coordination(session, clerk, leader, project, today)
        opened.append(scenario.name)
    return opened


async def _coordination(session: AsyncSession, clerk: Actor, leader: Actor, project: Project, today: date) -> None:
    """The key project's problem ledger and one coordination meeting whose decision became a problem."""
    calendar = await get_calendar(session)
    await problems.log(session, clerk, project.id, title="厂区东侧3亩地块征收补偿未完成", category="land",
                       description="涉及2户，补偿协议尚未签订，影响土地交付。", department_code="zrzy",
                       due_on=calendar.add_workdays(today, 5), approval_ids=[], today=today)
    meeting = await meetings.call(session, leader, title=f"{project.name}协调会（第1次）", planned_on=today,
                                  project_ids=[project.id], today=today)
    await meetings.record_minutes(session, leader, meeting.id, held_on=today,
                                  attendees=["县政府分管副县长", "自然资源和规划局", "供电公司", "代办员"],
                                  decisions=[meetings.Decision("供电公司出具10kV专线接入方案并明确送电时间", "gdgs",
                                                               calendar.add_workdays(today, 10))], today=today)


__all__ = ["DEMO_ENTERPRISE_EXTRA", "HANDED_OVER", "SCENARIOS", "SYSTEM", "load_office"]

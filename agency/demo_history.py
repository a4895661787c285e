"""A year of the demo office's history, replayed day by day through the real services.

The process's clock (agency.timeutil) is set to each day from a year ago up to today, the day the demo
loads: on each day the clerks open the dossiers planned for it and the steps of agency/demo_history_acts.py
fall due, and on each working day the escalation sweep runs as the scheduler would have run it — so the
cards, the violations, the 督办通知单, the ratings and the league table are what that year would have left.
It ends on today, whatever day that is, and is loaded once: a second load finds its first enterprise. Each day is
committed with its papers rendered after it, as the worker renders them; an interrupted load leaves the days it
replayed (start again from an empty data folder).
"""

from __future__ import annotations

import random
import time as wall
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import SYSTEM, Actor, Role
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.calendar.service import get_calendar
from agency.catalog.models import Department
from agency.db.engine import create_sessionmaker
from agency.demo_history_acts import Office
from agency.documents.service import Papers
from agency.dossiers import service as projects
from agency.dossiers.schemas import ProjectIn
from agency.enterprises import service as enterprises
from agency.enterprises.credit_code import check_character, organization_check_character
from agency.enterprises.schemas import EnterpriseIn
from agency.escalation import service as escalations
from agency.escalation.models import Escalation
from agency.evaluations.models import Rectification
from agency.job_handlers import job_runner
from agency.jobs import service as jobs
from agency.settings import Settings
from agency.supervision import service as supervision

HISTORY_DAYS = 365
DOSSIERS = 30
# The sweep runs on Fridays over the year, and on every working day of its last five weeks (the dashboard's
# 30-day chart): earlier cards fire up to a week later than a daily sweep would have fired them, and loading stays
# short (a sweep is the costliest step of a simulated day).
SWEEP_WEEKDAYS = (4,)
DAILY_SWEEPS = timedelta(days=35)
SEED = 2026
FIRMS = ("恒远", "瑞达", "华诚", "金鼎", "宏泰", "鑫源", "博创", "天工", "嘉禾", "正邦", "海纳", "中科", "云帆",
         "新洲", "永盛", "立信", "远航", "润丰", "国泰", "万向", "德力", "星河", "融通", "聚能")
TRADES = ("新材料", "精密制造", "电子科技", "生物医药", "食品", "纺织", "汽车零部件", "环保科技", "智能装备", "包装")
PEOPLE = ("王志强", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴芳", "徐刚", "孙丽",
          "马骏", "朱琳", "胡斌", "郭燕")
PARKS = ("经济开发区", "高新技术产业园区", "临溪工业功能区")
WORKS = (("年产{n}万件{t}产品生产线新建项目", "new_industrial", "新建标准厂房及配套用房，购置生产设备。"),
         ("{t}智能化技术改造项目", "tech_upgrade", "利用现有厂房实施智能化改造，新增自动化生产线。"),
         ("{t}产业园一期项目", "new_industrial", "一期建设标准厂房及研发楼。"),
         ("{t}数字化车间改造项目", "tech_upgrade", "对现有车间实施数字化改造，建设MES系统。"))
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Opening:
    """A dossier the office opened on a day of the year."""

    day: date
    name: str
    route: str
    description: str
    enterprise: int
    green: bool
    township: bool


def _credit_code(n: int) -> str:
    org = f"MA2{n:05d}"
    first17 = "91330521" + org + organization_check_character(org)
    return first17 + check_character(first17)


def _firms() -> list[EnterpriseIn]:
    out = []
    for i, (firm, trade) in enumerate(zip(FIRMS, TRADES * 3, strict=False)):
        park = PARKS[i % len(PARKS)]
        out.append(EnterpriseIn(
            credit_code=_credit_code(70001 + i * 37), name=f"示范县{firm}{trade}有限公司",
            legal_representative=PEOPLE[i % len(PEOPLE)], contact_name=PEOPLE[(i + 5) % len(PEOPLE)],
            contact_phone=f"139{5720000 + i * 1317:08d}", address=f"示范县{park}{firm}路{10 + i}号", park=park,
            key_enterprise=i % 5 == 0))
    return out


def plan(first: date, last: date, firms: int, workdays: Callable[[date], bool]) -> list[Opening]:
    """The dossiers of the year, opened on working days spread over it (the last few weeks before today too)."""
    rng = random.Random(SEED)  # noqa: S311 — the same demo on every load, no secret
    span = (last - first).days - 3
    out = []
    for i in range(DOSSIERS):
        day = first + timedelta(days=1 + span * i // DOSSIERS)
        while not workdays(day):
            day += timedelta(days=1)
        pattern, route, description = WORKS[i % len(WORKS)]
        trade = TRADES[(i * 7) % len(TRADES)]
        out.append(Opening(day, f"{FIRMS[i % len(FIRMS)]}{pattern.format(n=rng.randint(2, 50), t=trade)}", route,
                           description, i % firms, green=i % 7 == 3, township=i % 4 == 1))
    return out


async def history_loaded(session: AsyncSession) -> bool:
    """The history's first enterprise exists: the demo's year was replayed already."""
    from agency.enterprises.models import Enterprise

    code = _firms()[0].credit_code
    return (await session.execute(select(Enterprise.id).where(Enterprise.credit_code == code))
            ).scalar_one_or_none() is not None


async def _officers(session: AsyncSession) -> dict[str, Actor]:
    rows = (await session.execute(select(User).where(User.role == "department", User.is_active.is_(True))
                                  .order_by(User.id))).scalars()
    out: dict[str, Actor] = {}
    for user in rows:
        if user.department_code and user.department_code not in out:
            out[user.department_code] = Actor(user_id=user.id, username=user.username, role=Role.DEPARTMENT,
                                              department_code=user.department_code)
    return out


async def load_history(session: AsyncSession, settings: Settings, papers: Papers, clerk: Actor, township: Actor,
                       leader: Actor, progress: Progress = print) -> dict[str, int] | None:
    """Replays the year; None if it was loaded before. Returns what was done, counted."""
    if await history_loaded(session):
        return None
    started = wall.monotonic()
    today = timeutil.today()
    first = today - timedelta(days=HISTORY_DAYS)
    calendar = await get_calendar(session)
    dice = random.Random(SEED)  # noqa: S311 — the same demo on every load, no secret
    office = Office(session, papers, calendar, leader, today, dice, await _officers(session), {}, {})
    office.departments = {d.code: d for d in (await session.execute(select(Department))).scalars()}
    openings: dict[date, list[Opening]] = {}
    for opening in plan(first, today, len(_firms()), calendar.is_workday):
        openings.setdefault(opening.day, []).append(opening)
    runner = job_runner(create_sessionmaker(session.bind), papers.store, settings)  # type: ignore[arg-type]
    original = timeutil.current_clock()
    clock = timeutil.FixedClock(_morning(first))
    timeutil.set_clock(clock)
    try:
        firms = [(await enterprises.create(session, SYSTEM, data)).id for data in _firms()]
        day = first
        while day <= today:
            if day == today:
                timeutil.set_clock(original)  # today's acts happen now, not at a morning of the past
            else:
                clock.move_to(_morning(day))
            for opening in openings.get(day, []):
                await _open(office, opening, firms, township if opening.township else clerk)
                _tick(clock)
            while steps := office.agenda.pop(day, []):
                for step in steps:
                    await step()
                    _tick(clock)
            if calendar.is_workday(day) and (day.weekday() in SWEEP_WEEKDAYS or today - day <= DAILY_SWEEPS):
                clock.move_to(_morning(day) + timedelta(hours=8))  # the evening sweep, after the day's acts
                if day == today:
                    timeutil.set_clock(original)
                await supervision.run(session, day, settings)
            if day.weekday() == 4 or day == today:
                await _supervise(office, day)
            # The day's papers are rendered on that day (as the worker would have done them after its commit).
            await session.commit()
            if pending := jobs.committed(session):
                await runner.run_many(pending)
                await runner.drain()
            if day.day == 1 or day == today:
                progress(f"演示历史：{day.isoformat()}，已用 {wall.monotonic() - started:.0f} 秒，"
                         + "，".join(f"{k} {v}" for k, v in office.counts.items()))
            day += timedelta(days=1)
    finally:
        timeutil.set_clock(original)
    return office.counts


def _morning(day: date) -> datetime:
    return datetime.combine(day, clock_time(9, 0), tzinfo=timeutil.CHINA).astimezone(UTC)


def _tick(clock: timeutil.FixedClock) -> None:
    """A few minutes pass between two acts of a day (later writes sort after earlier ones)."""
    if timeutil.current_clock() is clock:
        clock.move_to(clock.moment + timedelta(minutes=3))


async def _open(office: Office, opening: Opening, firms: list[int], clerk: Actor) -> None:
    session = office.session
    project = await projects.create(session, clerk, ProjectIn(
        enterprise_id=firms[opening.enterprise], name=opening.name, route_code=opening.route,
        investment_wan=float(3000 + 700 * (opening.enterprise % 13)), location=f"示范县{PARKS[opening.enterprise % 3]}",
        description=opening.description,
        investment_code=f"{opening.day.year}-330521-{opening.enterprise % 40 + 10:02d}-03-"
                        f"{500000 + len(office.clerks):06d}"))
    office.clerks[project.id] = clerk
    office.enterprises[project.id] = firms[opening.enterprise]
    office.count("项目")
    if opening.green:
        await projects.request_green_channel(session, clerk, project.id, "县重点招商引资项目，须按期投产")
        await projects.decide_green_channel(session, office.leader, project.id, True, "同意纳入绿色通道")
        office.count("绿色通道")
    first = (await session.execute(select(Approval).where(
        Approval.project_id == project.id, Approval.status == "planned", Approval.required.is_(True))
        .order_by(Approval.id))).scalars().all()
    from agency.approvals.models import ApprovalPrerequisite

    waiting = set((await session.execute(select(ApprovalPrerequisite.approval_id).where(
        ApprovalPrerequisite.approval_id.in_([a.id for a in first] or [0])))).scalars())
    for approval in first:
        if approval.id not in waiting and not approval.waits_for_milestones:
            office.later(opening.day, 0, _starting(office, approval.id))


def _starting(office: Office, approval_id: int) -> Callable[[], Awaitable[None]]:
    return lambda: office.start(approval_id)


async def _supervise(office: Office, day: date) -> None:
    """Friday's round: the leader closes the cards of approvals since finished; the departments sign for the
    red cards and 督办 still running."""
    session = office.session
    rows = (await session.execute(
        select(Escalation, Approval.status, Rectification.status).join(Approval, Approval.id == Escalation.approval_id)
        .outerjoin(Rectification, (Escalation.subject_type == "rectification")
                   & (Rectification.id == Escalation.subject_id))
        .where(Escalation.status.in_(("open", "acknowledged")),
               Escalation.subject_type.in_(("approval", "rectification")))
        .order_by(Escalation.id))).all()
    for escalation, status, rectified in rows:
        if escalation.subject_type == "rectification":
            if rectified != "open":
                await escalations.resolve(session, office.leader, escalation.id, "部门已答复整改情况，予以销号")
                office.count("督办销号")
        elif status in ("approved", "rejected", "refused", "withdrawn", "terminated"):
            if escalation.as_of <= day - timedelta(days=2):
                await escalations.resolve(session, office.leader, escalation.id,
                                          "事项已办结，经核实督办事项已落实，予以销号")
                office.count("督办销号")
        elif escalation.status == "open" and escalation.level in ("red", "l3") and \
                escalation.department_code in office.officers:
            await escalations.acknowledge(session, office.officers[escalation.department_code], escalation.id,
                                          "已签收，正在协调加快办理")
            office.count("督办签收")

"""What the people of the demo office do to one approval on the days of its history (agency/demo_history.py).

Each step is the service function a clerk, a department officer, the enterprise or the leader calls on that
day, with the process's clock set to it: no row is written by hand, no date is passed that the service would
not have taken. An approval's *fate* decides how the department treats it — on time, late, after a one-time
notice, refused at the counter, rejected, or left to stall until the sweep brings it to 督办.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.approvals import materials
from agency.approvals import service as approvals
from agency.approvals.models import Approval, ApprovalPrerequisite
from agency.approvals.schemas import ActionIn
from agency.bundles import service as bundles
from agency.calendar.workdays import WorkCalendar
from agency.catalog.models import Department
from agency.documents.service import Papers
from agency.evaluations import follow_ups, rectifications
from agency.evaluations import service as evaluations
from agency.evaluations.models import Rectification
from agency.fees import service as fees

# A minimal, valid one-page PDF: enough for the sniffing, the sha256 and the archives.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

# How departments treat what reaches them, with how often (the weights): most on time, some late, a few
# refused or rejected, and some left to stall into 督办.
FATES = {"on_time": 52, "supplement": 12, "pre_supplement": 6, "late": 14, "stalled": 6, "refused": 4,
         "rejected": 3, "slow_intake": 3}
REFUSAL = ("申请事项依法不属于本机关职权范围，且申请材料存在虚假内容",
           "《中华人民共和国行政许可法》第三十二条第一款第（二）项")
REJECTION = ("项目选址与国土空间规划确定的用途不符，经审查不予许可",
             "《中华人民共和国行政许可法》第三十八条第二款")
GOOD_WORDS = ("材料一次告知清楚，办理很快", "窗口服务热情，代办员全程跟进", "比承诺时限提前办结", "")
BAD_WORDS = ("超过承诺时限才办结，影响项目开工", "多次要求补充材料，前后说法不一", "办理进度无人告知")

# A dossier walks this many of its approvals in the year: it is mid-way, as the office's dossiers are.
STEPS_PER_DOSSIER = 6
Step = Callable[[], Awaitable[None]]


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


@dataclass
class Office:
    """The people, the calendar and the agenda of the demo office while its history is replayed."""

    session: AsyncSession
    papers: Papers
    calendar: WorkCalendar
    leader: Actor
    today: date  # the last day of the history: nothing is scheduled after it
    rng: random.Random
    officers: dict[str, Actor]  # department code → its window officer
    clerks: dict[int, Actor]  # project id → the clerk who owns it
    enterprises: dict[int, int]  # project id → its enterprise
    agenda: dict[date, list[Step]] = field(default_factory=dict)
    fates: dict[int, str] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def later(self, day: date, workdays: int, step: Step) -> None:
        """``step`` on the working day ``workdays`` after ``day``; nothing that would happen after today."""
        when = self.calendar.add_workdays(day, workdays) if workdays else day
        if when <= self.today:
            self.agenda.setdefault(when, []).append(step)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    async def approval(self, approval_id: int) -> Approval:
        approval = await self.session.get_one(Approval, approval_id)
        await self.session.refresh(approval)
        return approval

    async def act(self, actor: Actor, approval: Approval, action: str, day: date, **fields: object) -> None:
        await self.session.refresh(approval)
        data = ActionIn(action=action, version=approval.version, **fields)  # type: ignore[arg-type]
        await approvals.act(self.session, actor, approval.id, data, day)

    async def department_act(self, approval: Approval, action: str, day: date, **fields: object) -> None:
        """The department's own act online; an offline department's is recorded by the clerk, dated today."""
        department = self.departments[approval.department_code]
        if department.mode == "offline":
            await self.act(self.clerks[approval.project_id], approval, action, day, effective_on=day, **fields)
        else:
            await self.act(self.officers[approval.department_code], approval, action, day, **fields)

    async def upload(self, approval: Approval, codes: list[str] | None = None) -> None:
        clerk = self.clerks[approval.project_id]
        for material in approval.snapshot.get("materials") or []:
            wanted = material.get("required", True) if codes is None else material["code"] in codes
            if not wanted:
                continue
            content = PDF + f"{approval.id}:{material['code']}:{self.rng.random()}".encode()
            blob = await self.papers.store.put(_one(content), max_size=1024 * 1024)
            await materials.record_upload(self.session, clerk, approval, material["code"], blob,
                                          f"{material['name']}.pdf")

    # ---- the life of one approval ----------------------------------------------------------------------

    async def start(self, approval_id: int) -> None:
        """The clerk prepares the case, scans the materials and submits it; the department takes it in."""
        day = self.day()
        approval = await self.approval(approval_id)
        if approval.status != "planned":
            return
        clerk = self.clerks[approval.project_id]
        await self.act(clerk, approval, "prepare", day)
        await self.upload(approval)
        await self.act(clerk, approval, "submit", day)
        fate = self.rng.choices(list(FATES), weights=list(FATES.values()))[0]
        if self.today - timedelta(days=50) <= day <= self.today - timedelta(days=20) and \
                self.counts.get("停滞督办", 0) < 3:
            fate = "stalled"  # a few cases the leader finds under 督办 today, whatever the dice said
            self.count("停滞督办")
        self.fates[approval.id] = fate
        self.count("报送")
        # 第三十二条: five working days to answer; a slow counter gets the sweep's card, or is accepted by law.
        delay = {"slow_intake": 7}.get(fate, self.rng.choice((1, 1, 1, 2, 3)))
        self.later(day, delay, lambda: self.intake(approval_id))

    async def intake(self, approval_id: int) -> None:
        day = self.day()
        approval = await self.approval(approval_id)
        fate = self.fates[approval_id]
        if approval.status == "submitted":
            if fate == "refused":
                await self.department_act(approval, "refuse_intake", day, reason=REFUSAL[0], legal_basis=REFUSAL[1])
                self.count("不予受理")
                return
            if fate == "pre_supplement":
                codes = [m["code"] for m in approval.snapshot["materials"][:2]]
                await self.department_act(approval, "request_supplement", day, missing_materials=codes,
                                          reason="申请表未加盖公章，营业执照复印件不清晰")
                self.fates[approval_id] = "on_time"
                self.count("一次性告知")
                self.later(day, self.rng.choice((2, 3, 4)), lambda: self.resupply(approval_id, codes))
                return
            await self.department_act(approval, "accept", day)
        elif approval.status != "accepted":
            return
        self.count("受理")
        await self._assess_fees(approval, day)
        limit = int(approval.snapshot["promised_limit"]["count"])
        if fate == "supplement":
            self.later(day, 1, lambda: self.ask_supplement(approval_id))
            return
        if fate in ("late", "slow_intake"):
            after = limit + self.rng.randint(1, 5)
        elif fate == "stalled":
            after = limit + self.rng.randint(8, 25)
        else:
            after = self.rng.randint(max(0, limit // 3), max(0, limit - 1)) if limit else 0
        self.later(day, after, lambda: self.decide(approval_id))

    async def ask_supplement(self, approval_id: int) -> None:
        approval = await self.approval(approval_id)
        day = self.day()
        codes = [m["code"] for m in approval.snapshot["materials"][-1:]]
        await self.department_act(approval, "request_supplement", day, missing_materials=codes,
                                  reason="方案内容不完整，请补充相关图件及说明")
        self.fates[approval_id] = "on_time"
        self.count("一次性告知")
        self.later(day, self.rng.choice((3, 4, 6)), lambda: self.resupply(approval_id, codes))

    async def resupply(self, approval_id: int, codes: list[str]) -> None:
        """The enterprise brings what the notice asked for; the clerk sends it in a bundle (报送批次)."""
        approval = await self.approval(approval_id)
        day = self.day()
        await self.upload(approval, codes)
        offline = self.departments[approval.department_code].mode == "offline"
        await self.session.refresh(approval)
        await bundles.resubmit(self.session, self.clerks[approval.project_id], self.papers, approval.id,
                               ActionIn(action="resubmit", version=approval.version,
                                        effective_on=day if offline else None), day)
        approval = await self.approval(approval_id)
        if approval.status == "submitted":
            self.later(day, 1, lambda: self.intake(approval_id))
        elif approval.status == "accepted":
            limit = int(approval.snapshot["promised_limit"]["count"])
            self.later(day, self.rng.randint(1, max(1, limit - 2)), lambda: self.decide(approval_id))

    async def decide(self, approval_id: int) -> None:
        approval = await self.approval(approval_id)
        if approval.status != "accepted":
            return
        day = self.day()
        await self._pay_fees(approval, day)
        if self.fates.get(approval_id) == "rejected":
            await self.department_act(approval, "reject", day, reason=REJECTION[0], legal_basis=REJECTION[1])
            self.count("不予许可")
        else:
            number = f"示{approval.department_code.upper()}〔{day.year}〕{approval.id:04d}号"
            await self.department_act(approval, "approve", day, certificate_no=number)
            self.count("办结")
            await self.release(approval, day)
        if self.rng.random() < 0.8:
            self.later(day, self.rng.choice((0, 1, 1, 2, 4)), lambda: self.rate(approval_id))

    async def release(self, approval: Approval, day: date) -> None:
        """The approvals of the dossier that waited for this one start a few working days later."""
        waiting = (await self.session.execute(select(Approval).where(
            Approval.project_id == approval.project_id, Approval.status == "planned",
            Approval.required.is_(True)))).scalars().all()
        done = set((await self.session.execute(select(Approval.id).where(
            Approval.project_id == approval.project_id, Approval.status == "approved"))).scalars())
        started = (await self.session.execute(select(func.count()).select_from(Approval).where(
            Approval.project_id == approval.project_id, Approval.status != "planned"))).scalar_one()
        for candidate in waiting:
            if candidate.waits_for_milestones or started >= STEPS_PER_DOSSIER:
                continue
            needs = set((await self.session.execute(select(ApprovalPrerequisite.prerequisite_id).where(
                ApprovalPrerequisite.approval_id == candidate.id))).scalars())
            if needs <= done:
                started += 1
                self.later(day, self.rng.choice((1, 2, 3, 5)), self._starting(candidate.id))

    def _starting(self, approval_id: int) -> Step:
        return lambda: self.start(approval_id)

    # ---- fees, ratings and what follows them --------------------------------------------------------

    async def _assess_fees(self, approval: Approval, day: date) -> None:
        rules = await fees.catalog_fees(self.session, approval.catalog_item_id)
        officer = self.officers.get(approval.department_code)
        if rules and officer is not None and self.departments[approval.department_code].mode == "online":
            await fees.assess(self.session, officer, approval.id, fee_code=rules[0]["code"], amount_yuan=None,
                              reason=None, quantity=Decimal(1), today=day)
            self.count("收费")

    async def _pay_fees(self, approval: Approval, day: date) -> None:
        for line in await fees.unpaid_blocking(self.session, approval.id):
            officer = self.officers[approval.department_code]
            await fees.record_payment(self.session, officer, line.id, receipt_no=f"FS{day:%Y%m%d}{line.id:05d}",
                                      paid_on=day, amount_yuan=line.amount_yuan, channel="bank_transfer",
                                      version=line.version, today=day)
            self.count("缴款")

    async def rate(self, approval_id: int) -> None:
        approval = await self.approval(approval_id)
        fate = self.fates.get(approval_id, "on_time")
        scores = {"late": (4, 3, 2, 2, 1), "stalled": (2, 1, 1), "slow_intake": (3, 2),
                  "rejected": (3, 2, 1)}.get(fate, (5, 5, 5, 5, 4, 4, 3))
        score = self.rng.choice(scores)
        words = self.rng.choice(BAD_WORDS if score <= 3 else GOOD_WORDS)
        enterprise = Actor(user_id=None, username="demo-enterprise", role=Role.ENTERPRISE,
                           enterprise_id=self.enterprises[approval.project_id])
        _, rectification = await evaluations.rate(self.session, enterprise, approval_id, score, words)
        self.count("评价")
        if rectification is not None:
            self.count("差评回访")
            rectification_id, project_id = rectification.id, approval.project_id
            self.later(self.day(), self.rng.choice((2, 3, 5)),
                       lambda: self.close_follow_up(rectification_id, project_id))
            if approval.department_code in self.officers and self.rng.random() < 0.9:
                self.later(self.day(), self.rng.choice((1, 2, 4, 7)), lambda: self.rectify(rectification_id))

    async def rectify(self, rectification_id: int) -> None:
        """The rated department answers the bad rating with what it changed (整改答复); some answer late."""
        rectification = await self.session.get_one(Rectification, rectification_id)
        if rectification.status != "open" or rectification.department_code is None:
            return
        await rectifications.reply(self.session, self.officers[rectification.department_code], rectification.id,
                                   "已约谈经办人员，完善一次性告知清单并明确办理时限提醒", self.day())
        self.count("整改答复")

    async def close_follow_up(self, follow_up_id: int, project_id: int) -> None:
        if self.rng.random() < 0.15:
            return  # some return visits are still to be made
        await follow_ups.close(self.session, self.clerks[project_id], follow_up_id,
                                          "已电话回访企业，说明超时原因并协调部门加快后续事项，企业表示理解")

    @staticmethod
    def day() -> date:
        """The day being replayed: the process's clock is set to it."""
        return timeutil.today()

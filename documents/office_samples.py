"""Sample contexts of the mandate papers, the meeting minutes and the payment notice (documents/office_papers.py),
for the same fictional dossier as documents/samples.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import msgspec

from documents.contexts import CenterFacts, EnterpriseFacts, ProjectFacts
from documents.office_papers import (
    MandateEndContext,
    MandatePauseContext,
    MandateRenewalContext,
    MeetingMinutesContext,
    MinutesDecision,
    OpenItem,
    PaymentNoticeContext,
)
from documents.ranking_bulletin import RankedPerson, RankedWindow, RankingBulletinContext

_OPEN = (OpenItem(name="建设工程规划许可证", department="县自然资源和规划局", status="已受理"),
         OpenItem(name="施工图设计文件审查", department="县住房和城乡建设局", status="待补正"))


def office_samples(center: CenterFacts, enterprise: EnterpriseFacts,
                   project: ProjectFacts) -> Mapping[str, Callable[[], msgspec.Struct]]:
    def common(number: str, issued_on: date) -> dict[str, Any]:
        return {"doc_number": number, "issued_on": issued_on, "center": center, "enterprise": enterprise,
                "project": project}

    return {
        "mandate_pause": lambda: MandatePauseContext(
            **common("代办〔2026〕41号", date(2026, 12, 14)), paused_on=date(2026, 12, 14),
            reason="企业调整厂区总平面布置，暂停报批", mandated_on=date(2026, 9, 28), open_items=_OPEN),
        "mandate_end": lambda: MandateEndContext(
            **common("代办〔2026〕48号", date(2026, 12, 30)), ended_on=date(2026, 12, 30),
            reason="企业决定项目异地建设，不再委托代办", mandated_on=date(2026, 9, 28),
            finished_items=("企业投资项目备案", "建设用地规划许可证")),
        "mandate_renewal": lambda: MandateRenewalContext(
            **common("代办〔2026〕45号", date(2026, 12, 22)), resumed_on=date(2026, 12, 22),
            paused_on=date(2026, 12, 14), reason="总平面布置调整完成，企业申请继续代办",
            mandated_on=date(2026, 9, 28), open_items=_OPEN),
        "meeting_minutes": lambda: MeetingMinutesContext(
            **common("代办纪〔2026〕3号", date(2026, 12, 3)), title="重点项目协调会（第3次）",
            held_on=date(2026, 12, 3), convener="副县长 王建国", projects=(project.name,),
            attendees=("县政府副县长 王建国", "县自然资源和规划局 李明", "国网云溪县供电公司 赵强",
                       "县行政服务中心 刘晓燕"),
            decisions=(MinutesDecision(text="国网云溪县供电公司完成10kV专线接入方案", department="国网云溪县供电公司",
                                       due_on=date(2026, 12, 15), project=project.name),
                       MinutesDecision(text="县自然资源和规划局重新核定容积率并出具书面意见",
                                       department="县自然资源和规划局", due_on=date(2026, 12, 10),
                                       project=project.name)),
            recipients=("国网云溪县供电公司", "县自然资源和规划局")),
        "ranking_bulletin": lambda: RankingBulletinContext(
            issued_on=date(2026, 9, 2), center=center, month="2026年8月",
            criteria="得分 = 100 × 按时办结率×0.4、提速率×0.2、满意率×0.3、即办率×0.1 的加权平均",
            flags=(RankedWindow(rank=1, name="县住房和城乡建设局", score="96.5", completed=12, on_time_rate="100.0%",
                                speedup_rate="62.5%", satisfaction_rate="91.7%", rated=12, same_day_rate="—",
                                violations=0, rectifications_overdue=0),),
            models=(RankedPerson(rank=1, name="周敏", unit="县住房和城乡建设局", role="部门经办人", score="98.2",
                                 completed=7, on_time_rate="100.0%", speedup_rate="71.4%", satisfaction_rate="100.0%",
                                 rated=6, rectifications_overdue=0),
                    RankedPerson(rank=2, name="陈晓东", unit="企业代办服务中心", role="代办员", score="93.0",
                                 completed=9, on_time_rate="88.9%", speedup_rate="55.6%", satisfaction_rate="100.0%",
                                 rated=2, rectifications_overdue=0)),
            others=(RankedWindow(rank=2, name="县自然资源和规划局", score="71.3", completed=8, on_time_rate="75.0%",
                                 speedup_rate="20.0%", satisfaction_rate="66.7%", rated=6, same_day_rate="50.0%",
                                 violations=1, rectifications_overdue=1),)),
        "payment_notice": lambda: PaymentNoticeContext(
            **common("云不动产缴〔2026〕17号", date(2026, 5, 11)), item_name="不动产权证书（土地）",
            department="县不动产登记中心", fee_name="不动产登记费", basis="发改价格规〔2016〕2559号",
            standard="每件 550.00 元", amount_yuan="550.00", payment_ref="20260000000000000017",
            account_name="云溪县财政局非税收入汇缴结算户", bank="中国工商银行云溪县支行",
            account_no="1702025009200012345", due_on=date(2026, 5, 26)),
    }

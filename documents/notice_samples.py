"""Sample contexts of the statutory notices and the reform-era intake papers (documents/notices.py), for the
same fictional dossier as documents/samples.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Final

import msgspec

from documents.contexts import CenterFacts, EnterpriseFacts, ProjectFacts
from documents.notices import (
    AcceptanceNoticeContext,
    CommitmentLetterContext,
    CommittedMaterial,
    DeferralNoticeContext,
    DeferredMaterial,
    ExtensionNoticeContext,
    SpecialProcedureNoticeContext,
    TerminationNoticeContext,
)

_ITEM = {"item_name": "建筑工程施工许可证", "department": "县住房和城乡建设局", "case_number": "YX-ZJ-2026-0415",
         "received_on": date(2026, 12, 8)}


def notice_samples(center: CenterFacts, enterprise: EnterpriseFacts,
                   project: ProjectFacts) -> Mapping[str, Callable[[], msgspec.Struct]]:
    def common(number: str, issued_on: date) -> dict[str, Any]:
        return {"doc_number": number, "issued_on": issued_on, "center": center, "enterprise": enterprise,
                "project": project, **_ITEM}

    samples: Final[dict[str, Callable[[], msgspec.Struct]]] = {
        "acceptance_notice": lambda: AcceptanceNoticeContext(
            **common("云住建受〔2026〕52号", date(2026, 12, 10)), accepted_on=date(2026, 12, 10),
            promised_limit="5个工作日", due_on=date(2026, 12, 17)),
        "extension_notice": lambda: ExtensionNoticeContext(
            **common("云住建延〔2026〕3号", date(2026, 12, 16)), extended_on=date(2026, 12, 16), days=10,
            reason="需现场核查施工场地三通一平情况", due_on=date(2026, 12, 31), statutory_due_on=date(2027, 1, 20)),
        "special_procedure_notice": lambda: SpecialProcedureNoticeContext(
            **common("云住建特〔2026〕2号", date(2026, 12, 14)), suspended_on=date(2026, 12, 14),
            procedure="专家评审", days=7, reason="深基坑支护方案需经专家论证"),
        "deferral_notice": lambda: DeferralNoticeContext(
            **common("云住建容〔2026〕8号", date(2026, 12, 10)), accepted_on=date(2026, 12, 10),
            materials=(DeferredMaterial(name="建设资金已经落实承诺书", promised_on=date(2026, 12, 24)),
                       DeferredMaterial(name="质量安全措施及监理合同", promised_on=date(2026, 12, 31),
                                        note="监理招标进行中"))),
        "commitment_letter": lambda: CommitmentLetterContext(
            **common("云住建诺〔2026〕5号", date(2026, 12, 8)), verify_within_months=2,
            materials=(CommittedMaterial(name="施工场地已经具备施工条件的证明"),
                       CommittedMaterial(name="建设资金已经落实承诺书", note="到位资金不少于合同价的30%"))),
        "termination_notice": lambda: TerminationNoticeContext(
            **common("云住建终〔2026〕1号", date(2026, 12, 28)), terminated_on=date(2026, 12, 28),
            reason="补正期限届满，申请人未补正材料", supplement_requested_on=date(2026, 12, 10),
            supplement_due_on=date(2026, 12, 24)),
    }
    return samples

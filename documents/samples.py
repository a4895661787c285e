"""Realistic sample contexts for every template: one industrial project of a fictional county.

Used by the tests, ``scripts/render_samples.py`` (to look at every paper) and the benchmark. The
data follow the demo route of DOMAIN.md; names of people, firms and the county are invented.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Final, TypedDict

import msgspec

from documents.contexts import (
    AuthorizationLetterContext,
    CenterFacts,
    CompletedItem,
    CompletionNoticeContext,
    EnterpriseFacts,
    MissingMaterial,
    OneTimeNoticeContext,
    PlannedApproval,
    ProgressReportContext,
    ProgressRow,
    ProjectFacts,
    RefusalNoticeContext,
    RegistrationFormContext,
    SupervisionNoticeContext,
    TransmittalApproval,
    TransmittalFile,
    TransmittalListContext,
)
from documents.forms import APPLICATION_FORMS, ApplicationFormContext
from documents.notice_samples import notice_samples
from documents.office_samples import office_samples
from documents.registry import APPLICATION_FORM_PREFIX

__all__ = ["SAMPLES", "sample_context", "sample_route", "sample_transmittal"]

CENTER: Final = CenterFacts(
    name="云溪县行政服务中心",
    office_name="云溪县行政服务中心企业代办服务中心",
    address="云溪县人民大道88号行政服务中心二楼",
    phone="0570-7123456",
    reconsideration_body="云溪县人民政府",
    court="云溪县人民法院",
)

ENTERPRISE: Final = EnterpriseFacts(
    name="浙江恒远新材料科技有限公司",
    credit_code="91339001MA2HK7Q50G",
    legal_representative="陈建国",
    contact_name="王丽娟",
    contact_phone="138****6621",
    address="云溪县经济开发区纬三路18号",
    park="云溪经济开发区",
)

PROJECT: Final = ProjectFacts(
    code="DB-2026-0012",
    investment_code="2026-339001-29-03-051234",
    name="年产2万吨高性能改性塑料粒子生产线建设项目",
    location="云溪县经济开发区纬三路北侧、经五路东侧",
    investment_wan=Decimal("36000"),
    land_area_mu=Decimal("85.6"),
    description="项目利用出让国有建设用地，建设高性能改性塑料粒子生产线，达产后年产改性塑料粒子2万吨，年产值约8亿元。",
    construction_content="新建生产车间3幢、原料及成品仓库2幢、综合楼1幢及配套设施，总建筑面积52360.5平方米；"
    "购置双螺杆挤出机组、自动配料系统等主要设备86台（套）。",
    building_area_m2=Decimal("52360.5"),
    planned_start=date(2026, 12, 1),
    planned_completion=date(2028, 6, 30),
    design_unit="云州建筑设计研究院有限公司",
    construction_unit="云溪第一建设集团有限公司",
    supervision_unit="恒信工程管理咨询有限公司",
    clerk_name="刘晓燕",
    clerk_phone="0570-7123466",
)

# (stage, item, department, promised limit) — the demo route of DOMAIN.md.
_ROUTE: Final = (
    ("立项用地规划", "企业投资项目备案", "县发展和改革局", "1个工作日"),
    ("立项用地规划", "建设用地规划许可证", "县自然资源和规划局", "5个工作日"),
    ("立项用地规划", "不动产权证书（土地）", "县不动产登记中心", "5个工作日"),
    ("工程建设许可", "建设工程规划许可证（含设计方案审查）", "县自然资源和规划局", "7个工作日"),
    ("工程建设许可", "环境影响评价审批（报告表）", "市生态环境局云溪分局", "10个工作日"),
    ("工程建设许可", "节能审查", "县发展和改革局", "5个工作日"),
    ("工程建设许可", "水土保持方案审批", "县水利局", "5个工作日"),
    ("施工许可", "施工图审查（含消防、人防技术审查）", "县住房和城乡建设局", "7个工作日"),
    ("施工许可", "特殊建设工程消防设计审查", "县住房和城乡建设局", "5个工作日"),
    ("施工许可", "建筑工程施工许可证", "县住房和城乡建设局", "3个工作日"),
    ("施工许可", "电力接入", "国网云溪县供电公司", "10个工作日"),
    ("施工许可", "供水接入", "云溪县自来水公司", "5个工作日"),
    ("竣工验收", "特殊建设工程消防验收", "县住房和城乡建设局", "7个工作日"),
    ("竣工验收", "规划条件核实", "县自然资源和规划局", "5个工作日"),
    ("竣工验收", "联合验收及竣工验收备案", "县住房和城乡建设局", "5个工作日"),
    ("竣工验收", "不动产首次登记（房屋）", "县不动产登记中心", "5个工作日"),
)

# Status, due date, level and remaining working days of each item on 2027-01-15 (progress report).
_PROGRESS: Final = (
    ("approved", date(2026, 10, 9), "none", None),
    ("approved", date(2026, 10, 20), "none", None),
    ("approved", date(2026, 10, 21), "none", None),
    ("approved", date(2026, 11, 6), "none", None),
    ("accepted", date(2027, 1, 12), "red", -3),
    ("approved", date(2026, 10, 23), "none", None),
    ("approved", date(2026, 10, 27), "none", None),
    ("accepted", date(2027, 1, 18), "yellow", 1),
    ("planned", None, "none", None),
    ("planned", None, "none", None),
    ("planned", None, "none", None),
    ("planned", None, "none", None),
    ("planned", None, "none", None),
    ("planned", None, "none", None),
    ("planned", None, "none", None),
    ("planned", None, "none", None),
)


def sample_route() -> tuple[PlannedApproval, ...]:
    return tuple(
        PlannedApproval(name=name, department=dept, stage=stage, promised_limit=limit)
        for stage, name, dept, limit in _ROUTE
    )


def _digest(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def sample_transmittal(files_per_approval: int = 4) -> TransmittalListContext:
    """A bundle for the 住建局 with ``files_per_approval`` scans per approval (the benchmark scales it)."""
    materials = ("申请表", "建设工程规划许可证", "施工图设计文件", "中标通知书", "施工合同", "资金到位承诺书")
    approvals = []
    for name, case in (
        ("施工图审查（含消防、人防技术审查）", "YX-ZJ-2026-0412"),
        ("特殊建设工程消防设计审查", "YX-ZJ-2026-0413"),
    ):
        files = tuple(
            TransmittalFile(
                material=materials[i % len(materials)],
                filename=f"{materials[i % len(materials)]}_{i + 1:03d}.pdf",
                pages=None if i % 5 == 4 else 2 + (i * 7) % 40,
                size_bytes=180_000 + i * 431_017,
                sha256=_digest(f"{case}-{i}"),
            )
            for i in range(files_per_approval)
        )
        approvals.append(TransmittalApproval(name=name, case_number=case, files=files))
    every = [f for a in approvals for f in a.files]
    return TransmittalListContext(
        doc_number="云代办移〔2026〕58号",
        issued_on=date(2026, 12, 8),
        center=CENTER,
        enterprise=ENTERPRISE,
        project=PROJECT,
        bundle_code="BS-2026-0058",
        department="县住房和城乡建设局",
        approvals=tuple(approvals),
        file_count=len(every),
        total_bytes=sum(f.size_bytes for f in every),
        sender_name="刘晓燕",
        receiver_name="",
    )


class _Common(TypedDict):
    doc_number: str
    issued_on: date
    center: CenterFacts
    enterprise: EnterpriseFacts
    project: ProjectFacts


def _common(doc_number: str, issued_on: date) -> _Common:
    return {
        "doc_number": doc_number,
        "issued_on": issued_on,
        "center": CENTER,
        "enterprise": ENTERPRISE,
        "project": PROJECT,
    }


def _authorization_letter() -> AuthorizationLetterContext:
    return AuthorizationLetterContext(
        **_common("云代办委〔2026〕12号", date(2026, 9, 28)),
        items=sample_route(),
        valid_until=None,
    )


def _registration_form() -> RegistrationFormContext:
    route = sample_route()
    targets = (date(2026, 10, 9), date(2026, 10, 20), date(2026, 10, 21), date(2026, 11, 6))
    planned = tuple(
        msgspec.structs.replace(item, target_on=targets[i]) if i < len(targets) else item
        for i, item in enumerate(route)
    )
    return RegistrationFormContext(
        **_common("云代办登〔2026〕12号", date(2026, 9, 28)),
        approvals=planned,
        green_channel=True,
        source="招商引资",
        remarks="县重点工业项目，已申请绿色通道。",
    )


def _one_time_notice() -> OneTimeNoticeContext:
    return OneTimeNoticeContext(
        **_common("云住建告〔2026〕41号", date(2026, 12, 10)),
        item_name="建筑工程施工许可证",
        department="县住房和城乡建设局",
        case_number="YX-ZJ-2026-0415",
        received_on=date(2026, 12, 8),
        materials=(
            MissingMaterial(name="施工图审查合格书", copies=1, original=True, note="尚未取得，请审查合格后提交"),
            MissingMaterial(name="中标通知书或施工合同", copies=2, original=False, note="合同须加盖双方公章"),
            MissingMaterial(name="建设资金已经落实承诺书", copies=1, original=True, note="法定代表人签字并加盖公章"),
            MissingMaterial(name="质量安全措施及监理合同", copies=1, original=False, note=""),
        ),
        deadline=date(2026, 12, 24),
        department_phone="0570-7123501",
    )


def _supervision_notice() -> SupervisionNoticeContext:
    return SupervisionNoticeContext(
        **_common("云代办督〔2027〕3号", date(2027, 1, 15)),
        item_name="环境影响评价审批（报告表）",
        department="市生态环境局云溪分局",
        case_number="YX-HB-2026-0087",
        level="red",
        accepted_on=date(2026, 12, 28),
        promised_limit="10个工作日",
        due_on=date(2027, 1, 12),
        overdue_workdays=3,
        respond_by=date(2027, 1, 19),
        targets=("市生态环境局云溪分局分管领导", "县行政服务中心主任", "代办员 刘晓燕"),
    )


def _refusal_notice() -> RefusalNoticeContext:
    return RefusalNoticeContext(
        **_common("云资规不受〔2026〕5号", date(2026, 11, 3)),
        kind="intake_refusal",
        item_name="建设工程规划许可证（含设计方案审查）",
        department="县自然资源和规划局",
        case_number="YX-ZG-2026-0311",
        applied_on=date(2026, 10, 30),
        reason="申请建设的综合楼位于规划道路红线范围内，申请事项依法不属于本机关可以准予许可的范围；"
        "且申请人尚未取得该地块的不动产权证书。",
        legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项；《中华人民共和国城乡规划法》第四十条。",
    )


def _completion_notice() -> CompletionNoticeContext:
    certificates = (
        ("企业投资项目备案", "县发展和改革局", "2026-339001-29-03-051234", date(2026, 10, 9), None),
        ("建设用地规划许可证", "县自然资源和规划局", "地字第339001202600087号", date(2026, 10, 20), None),
        (
            "不动产权证书（土地）",
            "县不动产登记中心",
            "浙（2026）云溪县不动产权第0012876号",
            date(2026, 10, 21),
            date(2076, 10, 20),
        ),
        ("建设工程规划许可证", "县自然资源和规划局", "建字第339001202600132号", date(2026, 11, 6), None),
        ("建筑工程施工许可证", "县住房和城乡建设局", "339001202612150101", date(2026, 12, 15), None),
    )
    return CompletionNoticeContext(
        **_common("云代办结〔2026〕21号", date(2026, 12, 16)),
        items=tuple(
            CompletedItem(name=n, department=d, certificate_no=c, approved_on=a, valid_until=v)
            for n, d, c, a, v in certificates
        ),
        completed_on=date(2026, 12, 15),
        started_on=date(2026, 9, 28),
        elapsed_workdays=53,
    )


def _progress_report() -> ProgressReportContext:
    rows = tuple(
        ProgressRow(
            name=item.name,
            department=item.department,
            stage=item.stage,
            status=status,
            due_on=due,
            level=level,
            remaining_workdays=remaining,
            provisional=due is not None and due.year >= 2027,
        )
        for item, (status, due, level, remaining) in zip(sample_route(), _PROGRESS, strict=True)
    )
    return ProgressReportContext(
        **_common("云代办报〔2027〕2号", date(2027, 1, 15)),
        as_of=date(2027, 1, 15),
        rows=rows,
        green_channel=True,
        forecast_completion=date(2028, 9, 29),
        forecast_workdays=96,
        forecast_provisional=True,
        remarks="环评审批已超期3个工作日，已发督办通知单；施工图审查剩余1个工作日。",
    )


def _application_form(item_code: str) -> Callable[[], ApplicationFormContext]:
    form = APPLICATION_FORMS[item_code]

    def build() -> ApplicationFormContext:
        return ApplicationFormContext(
            **_common("", date(2026, 10, 8)),
            item_code=item_code,
            item_name=form.item_name,
            department=form.department,
        )

    return build


SAMPLES: Final[Mapping[str, Callable[[], msgspec.Struct]]] = {
    "authorization_letter": _authorization_letter,
    "registration_form": _registration_form,
    "one_time_notice": _one_time_notice,
    "transmittal_list": sample_transmittal,
    "supervision_notice": _supervision_notice,
    "refusal_notice": _refusal_notice,
    "completion_notice": _completion_notice,
    "progress_report": _progress_report,
    **notice_samples(CENTER, ENTERPRISE, PROJECT),
    **office_samples(CENTER, ENTERPRISE, PROJECT),
    **{f"{APPLICATION_FORM_PREFIX}{code}": _application_form(code) for code in APPLICATION_FORMS},
}


def sample_context(code: str) -> msgspec.Struct:
    """A filled-in context for template ``code`` (``KeyError`` for an unknown code)."""
    return SAMPLES[code]()

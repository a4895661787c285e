"""Every shipped template renders the sample dossier and shows what its paper exists for."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import msgspec
import pytest
from docx import Document

from documents import (
    APPLICATION_FORMS,
    REGISTRY,
    RefusalNoticeContext,
    builtin_template_bytes,
    cn_date,
    lint,
    render,
)
from documents.build import BUILDERS, build_bytes
from documents.filters import filesize, num
from documents.forms import ApplicationFormContext
from documents.samples import sample_context
from tests.documents.conftest import assert_valid_xml, docx_text

PAPERS = [
    "authorization_letter",
    "registration_form",
    "one_time_notice",
    "transmittal_list",
    "supervision_notice",
    "refusal_notice",
    "completion_notice",
    "progress_report",
]
ALL_CODES = sorted(REGISTRY)
# The statutory notices: each names its article of 行政许可法 and its dates.
NOTICES: dict[str, Callable[[Any], list[str]]] = {
    "acceptance_notice": lambda c: ["受理通知书", "第三十二条", cn_date(c.accepted_on), cn_date(c.due_on),
                                    c.promised_limit, c.item_name, c.department],
    "extension_notice": lambda c: ["延期告知书", "第四十二条", c.reason, f"延长{c.days}日", cn_date(c.due_on),
                                   cn_date(c.statutory_due_on)],
    "special_procedure_notice": lambda c: ["特别程序告知书", "第四十五条", c.procedure, f"预计需要{c.days}个工作日",
                                           cn_date(c.suspended_on), c.reason],
    "deferral_notice": lambda c: ["容缺受理通知书", cn_date(c.accepted_on)]
    + [t for m in c.materials for t in (m.name, cn_date(m.promised_on))],
    "commitment_letter": lambda c: ["告知承诺书", f"{c.verify_within_months}个月内", "法定代表人（签字）"]
    + [m.name for m in c.materials],
    "termination_notice": lambda c: ["终止办理告知书", cn_date(c.terminated_on), c.reason,
                                     cn_date(c.supplement_due_on)],
    # The mandate papers, the minutes and the payment notice (documents/office_papers.py).
    "mandate_pause": lambda c: ["代办服务中止单", cn_date(c.paused_on), c.reason, "不因代办服务的变化而停止计算"]
    + [i.name for i in c.open_items],
    "mandate_end": lambda c: ["代办服务终止单", cn_date(c.ended_on), c.reason, "委托关系随之解除", *c.finished_items],
    "mandate_renewal": lambda c: ["续办委托书", cn_date(c.resumed_on), cn_date(c.paused_on), c.reason],
    "meeting_minutes": lambda c: [f"{c.title}会议纪要", cn_date(c.held_on), *c.attendees[:1]]
    + [t for d in c.decisions for t in (d.text, d.department, cn_date(d.due_on))],
    # The center's 通报 of a month's rankings: every flagged window and model person with the figures.
    "ranking_bulletin": lambda c: [f"关于{c.month}红旗窗口和服务标兵评比情况的通报", c.criteria, c.center.name]
    + [t for w in (*c.flags, *c.others) for t in (w.name, w.score, w.on_time_rate, w.speedup_rate,
                                                  f"{w.satisfaction_rate}（{w.rated}）", w.same_day_rate)]
    + [t for s in c.models for t in (s.name, f"{s.unit}{s.role}", s.score, s.on_time_rate,
                                     f"{s.satisfaction_rate}（{s.rated}）")],
    "payment_notice": lambda c: ["非税收入缴款通知书", f"人民币 {c.amount_yuan} 元", c.payment_ref, c.account_name,
                                 c.bank, c.account_no, cn_date(c.due_on)],
}


def _expected(code: str, ctx: Any) -> list[str]:
    """The facts a clerk checks on each paper, besides the enterprise and project names."""
    common = [ctx.doc_number, cn_date(ctx.issued_on)] if ctx.doc_number else [cn_date(ctx.issued_on)]
    if code == "authorization_letter":
        return [*common, "代办服务委托书", ctx.center.office_name, ctx.enterprise.credit_code, "（盖章）"] + [
            item.name for item in ctx.items
        ]
    if code == "registration_form":
        return [*common, "代办服务登记表", ctx.enterprise.credit_code, "☑ 是", num(ctx.project.investment_wan)] + [
            a.name for a in ctx.approvals
        ]
    if code == "one_time_notice":
        return [*common, ctx.item_name, ctx.department, cn_date(ctx.deadline), "原件", "复印件"] + [
            text for m in ctx.materials for text in (m.name, m.note) if text
        ]
    if code == "transmittal_list":
        files = [f for a in ctx.approvals for f in a.files]
        return [*common, ctx.bundle_code, ctx.department, str(ctx.file_count), filesize(ctx.total_bytes)] + [
            text for f in files for text in (f.filename, f.sha256[:12])
        ]
    if code == "supervision_notice":
        return [
            *common,
            ctx.item_name,
            ctx.department,
            "红牌",
            cn_date(ctx.due_on),
            cn_date(ctx.respond_by),
            f"已超过承诺时限{ctx.overdue_workdays}个工作日",
            "、".join(ctx.targets),
        ]
    if code == "refusal_notice":
        return [
            *common,
            ctx.reason,
            ctx.legal_basis,
            f"六十日内向{ctx.center.reconsideration_body}申请行政复议",
            f"六个月内依法向{ctx.center.court}提起行政诉讼",
        ]
    if code == "completion_notice":
        return [*common, "办结通知书", cn_date(ctx.completed_on), "有效期至2076年10月20日"] + [
            item.certificate_no for item in ctx.items
        ]
    if code == "progress_report":
        return [
            *common,
            cn_date(ctx.as_of),
            "已办结",
            "已受理",
            "红牌",
            "黄牌",
            "超3",
            "（暂定）",
            "2027年1月12日*",
        ] + [row.name for row in ctx.rows]
    if code in NOTICES:
        return [*common, *NOTICES[code](ctx)]
    form = APPLICATION_FORMS[ctx.item_code]
    values = []
    for field in form.fields:
        if field.path is None:
            continue
        value: Any = ctx
        for part in field.path.split("."):
            value = getattr(value, part)
        formatters: dict[str, Callable[[Any], str]] = {"date": cn_date, "num": num, "text": str}
        values.append(formatters[field.format](value))
    return [*common, form.title, ctx.item_name, ctx.department, *values]


@pytest.mark.parametrize("code", ALL_CODES)
def test_sample_renders_with_every_fact_of_its_paper(code: str) -> None:
    ctx = sample_context(code)
    out = render(builtin_template_bytes(code), ctx)

    assert_valid_xml(out)
    text = docx_text(out)
    # A dossier's paper names its enterprise and project; the center's own (the 通报) has none.
    parties = [ctx.enterprise.name, ctx.project.name] if hasattr(ctx, "enterprise") else []  # type: ignore[attr-defined]
    for expected in [*parties, *_expected(code, ctx)]:
        assert expected in text, f"{code}: {expected!r} missing"
    # Nothing of the template machinery or of Python leaks onto the paper.
    assert not re.search(r"\{\{|\}\}|\{%|%\}|\bNone\b", text), text


def test_refusal_notice_titles_and_wording_follow_the_kind() -> None:
    template = builtin_template_bytes("refusal_notice")
    ctx = sample_context("refusal_notice")
    assert isinstance(ctx, RefusalNoticeContext)
    intake = docx_text(render(template, msgspec.structs.replace(ctx, kind="intake_refusal")))
    decision = docx_text(render(template, msgspec.structs.replace(ctx, kind="decision_refusal")))
    assert "不予受理告知书" in intake and "决定不予受理" in intake
    assert "不予许可告知书" in decision and "决定不予许可" in decision
    for text in (intake, decision):
        assert "六十日" in text and "六个月" in text


def test_a_utility_refusal_names_a_complaint_channel_and_no_appeal() -> None:
    ctx = sample_context("refusal_notice")
    assert isinstance(ctx, RefusalNoticeContext)
    text = docx_text(render(builtin_template_bytes("refusal_notice"),
                            msgspec.structs.replace(ctx, utility=True, complaint_channel="县能源主管部门")))
    assert "行政复议" not in text and "行政诉讼" not in text
    assert "向县能源主管部门投诉" in text and ctx.reason in text


def test_a_deemed_acceptance_says_the_law_accepted_it_on_the_day_received() -> None:
    ctx = sample_context("acceptance_notice")
    received = date(2026, 9, 24)
    text = docx_text(render(builtin_template_bytes("acceptance_notice"),
                            msgspec.structs.replace(ctx, deemed=True, received_on=received, accepted_on=received)))
    assert "五个工作日内未作出受理" in text and "第三十二条" in text
    assert "自收到申请材料之日即2026年9月24日起即为受理" in text


def test_a_problem_supervision_notice_speaks_of_the_problem_on_the_same_template() -> None:
    ctx = sample_context("supervision_notice")
    text = docx_text(render(builtin_template_bytes("supervision_notice"), msgspec.structs.replace(
        ctx, subject="problem", item_name="10kV专线接入方案未出", category="水电气等配套", promised_limit="")))
    assert "督办问题" in text and "负责解决" in text and "协调问题“10kV专线接入方案未出”" in text
    assert "水电气等配套" in text and "已超过解决期限3个工作日" in text and "督办事项" not in text


def test_a_payment_notice_of_nothing_to_pay_says_so() -> None:
    ctx = sample_context("payment_notice")
    text = docx_text(render(builtin_template_bytes("payment_notice"), msgspec.structs.replace(
        ctx, charged=False, amount_yuan="0.00", payment_ref="")))
    assert "本事项不收费" in text and "人民币" not in text


def test_lists_may_be_empty() -> None:
    ctx = sample_context("one_time_notice")
    text = docx_text(render(builtin_template_bytes("one_time_notice"), msgspec.structs.replace(ctx, materials=())))
    assert "材料名称" in text  # the header row stays, no data rows, no error


def test_multiline_value_becomes_line_breaks() -> None:
    ctx = sample_context("refusal_notice")
    out = render(
        builtin_template_bytes("refusal_notice"), msgspec.structs.replace(ctx, reason="第一条理由\n第二条理由")
    )
    body = Document(io.BytesIO(out)).element.xml
    assert re.search(r"第一条理由</w:t>\s*<w:br/>\s*<w:t[^>]*>第二条理由", body)


@pytest.mark.parametrize("code", ALL_CODES)
def test_shipped_template_passes_lint(code: str) -> None:
    spec = REGISTRY[code]
    assert lint(builtin_template_bytes(code), spec.context_type) == []


@pytest.mark.parametrize("code", ALL_CODES)
def test_shipped_template_is_what_the_builder_makes(code: str) -> None:
    # documents/templates is generated: run scripts/build_templates.py after changing documents/build.
    assert build_bytes(code) == builtin_template_bytes(code)


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_tag_is_written_in_one_run(code: str) -> None:
    document = Document(io.BytesIO(builtin_template_bytes(code)))
    for run in document.element.body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}r"):
        text = "".join(t.text or "" for t in run.iter() if t.tag.endswith("}t"))
        assert text.count("{{") == text.count("}}"), text
        assert text.count("{%") == text.count("%}"), text


@pytest.mark.parametrize("code", ALL_CODES)
def test_page_is_a4_with_official_margins(code: str) -> None:
    section = Document(io.BytesIO(builtin_template_bytes(code))).sections[0]
    lengths = (
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    )
    width, height, top, bottom, left, right = (round(x.mm) if x is not None else 0 for x in lengths)
    assert sorted((width, height)) == [210, 297]
    if width < height:  # portrait papers keep GB/T 9704's margins
        assert (top, bottom, left, right) == (37, 35, 28, 26)


def test_templates_are_small() -> None:
    for code in ALL_CODES:
        assert len(builtin_template_bytes(code)) < 20_000, code


def test_registry_and_builders_cover_the_same_templates() -> None:
    assert set(BUILDERS) == set(REGISTRY)
    assert set(PAPERS) <= set(REGISTRY)
    assert {code for code in REGISTRY if code.startswith("application_form/")} == {
        f"application_form/{item}" for item in APPLICATION_FORMS
    }
    for code in APPLICATION_FORMS:
        assert REGISTRY[f"application_form/{code}"].context_type is ApplicationFormContext


def test_concurrent_renders_do_not_mix_contexts() -> None:
    template = builtin_template_bytes("completion_notice")
    base = sample_context("completion_notice")
    names = [f"并发测试企业{i}有限公司" for i in range(16)]

    def one(name: str) -> str:
        ctx = msgspec.structs.replace(base, enterprise=msgspec.structs.replace(base.enterprise, name=name))  # type: ignore[attr-defined]
        return docx_text(render(template, ctx))

    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(one, names))
    for name, text in zip(names, texts, strict=True):
        assert name in text
        assert sum(other in text for other in names) == 1


def test_the_library_stays_pure() -> None:
    # documents/ is used by the service and by scripts; it must never pull the service in.
    import subprocess
    import sys

    code = (
        "import sys, documents, documents.build, documents.samples, documents.lint;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'agency', 'litestar', 'sqlalchemy'});"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

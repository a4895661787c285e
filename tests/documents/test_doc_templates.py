"""Every shipped template renders the sample dossier and shows what its paper exists for."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
    for expected in [ctx.enterprise.name, ctx.project.name, *_expected(code, ctx)]:  # type: ignore[attr-defined]
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

"""Lint finds what an administrator's upload gets wrong, and says where."""

from __future__ import annotations

from collections.abc import Callable

from documents import (
    AuthorizationLetterContext,
    LintProblem,
    ProgressReportContext,
    TransmittalListContext,
    lint,
)


def _kinds(problems: list[LintProblem]) -> set[str]:
    return {p.kind for p in problems}


def test_clean_template_has_no_problems(docx: Callable[..., bytes]) -> None:
    template = docx(
        "{{ enterprise.name }}：{{ issued_on|cn_date }}",
        "{% for item in items %}{{ loop.index }}. {{ item.name }}（{{ item.department }}）{% endfor %}",
        "{% if valid_until %}{{ valid_until|cn_date }}{% endif %}{{ project.investment_wan|num }}",
    )
    assert lint(template, AuthorizationLetterContext) == []


def test_undeclared_variable(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("正文", "委托方：{{ enterprize.name }}"), AuthorizationLetterContext)
    assert [(p.kind, p.variable) for p in problems] == [("undeclared", "enterprize")]
    assert "委托方" in problems[0].where


def test_unknown_field_of_a_nested_struct(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("{{ enterprise.nmae }}"), AuthorizationLetterContext)
    assert [(p.kind, p.variable) for p in problems] == [("unknown_field", "enterprise.nmae")]
    assert "EnterpriseFacts" in problems[0].message and "name" in problems[0].message


def test_unknown_field_of_loop_items_at_any_depth(docx: Callable[..., bytes]) -> None:
    template = docx(
        "{% for a in approvals %}{{ a.name }}{% for f in a.files %}{{ f.sha }}{{ f.sha256 }}{% endfor %}{% endfor %}"
    )
    problems = lint(template, TransmittalListContext)
    assert [(p.kind, p.variable) for p in problems] == [("unknown_field", "f.sha")]


def test_fields_through_set_filters_and_subscripts(docx: Callable[..., bytes]) -> None:
    template = docx(
        "{% set e = enterprise %}{{ e.nam }}",
        "{{ (rows|first).stat }}{{ rows[0].name }}{{ project['cod'] }}",
        "{{ enterprise.get('name') }}{{ rows|selectattr('level', 'equalto', 'red')|list|length }}",
    )
    variables = {p.variable for p in lint(template, ProgressReportContext)}
    assert variables == {"e.nam", "(rows|first).stat", "project.cod"}


def test_loop_variable_does_not_leak_or_shadow(docx: Callable[..., bytes]) -> None:
    template = docx("{% for enterprise in items %}{{ enterprise.department }}{% endfor %}{{ enterprise.park }}")
    assert lint(template, AuthorizationLetterContext) == []


def test_broken_tag_is_a_syntax_error_with_its_place(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("第一段", "{% if valid_until %}有期限", "第三段"), AuthorizationLetterContext)
    syntax = [p for p in problems if p.kind == "syntax"]
    assert syntax and "endif" in syntax[0].message


def test_tag_left_open_in_its_paragraph(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("委托方：{{ enterprise.name }", "}"), AuthorizationLetterContext)
    assert "unclosed_tag" in _kinds(problems)
    assert any("委托方" in p.where for p in problems)


def test_smart_quotes_inside_tags(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("{{ issued_on|cn_date(“—”) }}"), AuthorizationLetterContext)
    assert "smart_quotes" in _kinds(problems)


def test_smart_quotes_outside_tags_are_just_text(docx: Callable[..., bytes]) -> None:
    assert lint(docx("“{{ project.name }}”项目"), AuthorizationLetterContext) == []


def test_fullwidth_braces_typed_with_a_chinese_ime(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("｛｛ enterprise.name ｝｝"), AuthorizationLetterContext)
    assert _kinds(problems) == {"fullwidth_braces"}


def test_unknown_filter(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("{{ issued_on|chinese_date }}"), AuthorizationLetterContext)
    assert [p.kind for p in problems] == ["syntax"] and "chinese_date" in problems[0].message


def test_escape_hatches_are_reported(docx: Callable[..., bytes]) -> None:
    for template in ("{{ enterprise.name|safe }}", "{% autoescape false %}x{% endautoescape %}"):
        assert _kinds(lint(docx(template), AuthorizationLetterContext)) == {"syntax"}


def test_footer_is_checked_too(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("正文", footer="{{ center.nmae }}"), AuthorizationLetterContext)
    assert [(p.kind, p.where.split("：")[0]) for p in problems] == [("unknown_field", "页脚")]


def test_trial_render_catches_runtime_errors(docx: Callable[..., bytes]) -> None:
    problems = lint(docx("{{ issued_on + 1 }}"), AuthorizationLetterContext)
    assert [p.kind for p in problems] == ["render"]
    assert lint(docx("{{ issued_on + 1 }}"), AuthorizationLetterContext, trial_render=False) == []


def test_not_a_docx() -> None:
    assert [p.kind for p in lint(b"%PDF-1.7 not a docx", AuthorizationLetterContext)] == ["not_docx"]


def test_problems_serialise_for_the_api(docx: Callable[..., bytes]) -> None:
    import msgspec

    problems = lint(docx("{{ enterprize }}"), AuthorizationLetterContext)
    decoded = msgspec.json.decode(msgspec.json.encode(problems))
    assert decoded[0]["kind"] == "undeclared" and decoded[0]["variable"] == "enterprize"

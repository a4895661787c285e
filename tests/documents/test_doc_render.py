"""Rendering is sandboxed, escapes values and explains what went wrong."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import msgspec
import pytest

from documents import REGISTRY, AuthorizationLetterContext, RenderError, builtin_template_bytes, render
from documents.render import context_to_dict
from documents.samples import sample_context
from tests.documents.conftest import assert_valid_xml, docx_text

HOSTILE = "A&B <新材料> 有限公司 & \"引号\" 'x' </w:t></w:r><w:r><w:t>]]>"


def _with_hostile_names(ctx: msgspec.Struct) -> msgspec.Struct:
    if not hasattr(ctx, "enterprise"):  # the center's own paper (the 通报): the center and a window are named
        flags = (msgspec.structs.replace(ctx.flags[0], name=f"项目<{HOSTILE}>"), *ctx.flags[1:])  # type: ignore[attr-defined]
        center = msgspec.structs.replace(ctx.center, name=HOSTILE)  # type: ignore[attr-defined]
        return msgspec.structs.replace(ctx, center=center, flags=flags)
    enterprise = msgspec.structs.replace(ctx.enterprise, name=HOSTILE)  # type: ignore[attr-defined]
    project = msgspec.structs.replace(ctx.project, name=f"项目<{HOSTILE}>")  # type: ignore[attr-defined]
    return msgspec.structs.replace(ctx, enterprise=enterprise, project=project)


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_markup_characters_come_out_intact_and_the_docx_stays_valid(code: str) -> None:
    out = render(builtin_template_bytes(code), _with_hostile_names(sample_context(code)))
    assert_valid_xml(out)
    text = docx_text(out)
    assert HOSTILE in text
    assert f"项目<{HOSTILE}>" in text
    assert "&amp;" not in text and "&lt;" not in text  # escaped once, not twice


def test_context_keeps_dates_and_amounts_as_objects_for_the_filters() -> None:
    data = context_to_dict(sample_context("authorization_letter"))
    assert isinstance(data["issued_on"], date)
    assert isinstance(data["project"]["investment_wan"], Decimal)
    assert isinstance(data["items"][0], dict)  # nested Structs become plain dicts


def test_context_must_be_a_struct(docx: Callable[..., bytes]) -> None:
    with pytest.raises(TypeError):
        render(docx("{{ x }}"), {"x": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "attack",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ enterprise.__class__ }}",
        "{{ items.__class__.__base__.__subclasses__() }}",
        "{{ ''|attr('__class__') }}",
        "{{ '{0.__class__}'.format(enterprise) }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
    ],
)
def test_sandbox_keeps_templates_away_from_python_internals(docx: Callable[..., bytes], attack: str) -> None:
    ctx = sample_context("authorization_letter")
    with pytest.raises(RenderError, match=r"沙箱|unsafe") as caught:
        render(docx(attack), ctx)
    assert "object" not in caught.value.message.split("：", 1)[0]  # the headline is ours, in Chinese


def test_escaping_cannot_be_switched_off(docx: Callable[..., bytes]) -> None:
    ctx = sample_context("authorization_letter")
    for template in (
        "{% autoescape false %}{{ enterprise.name }}{% endautoescape %}",
        "{{ enterprise.name|safe }}",
    ):
        with pytest.raises(RenderError):
            render(docx(template), ctx)


def test_huge_ranges_are_refused(docx: Callable[..., bytes]) -> None:
    with pytest.raises(RenderError, match=r"[Rr]ange"):
        render(docx("{% for i in range(10**9) %}x{% endfor %}"), sample_context("authorization_letter"))


def test_undefined_variable_is_named(docx: Callable[..., bytes]) -> None:
    ctx = sample_context("authorization_letter")
    with pytest.raises(RenderError) as caught:
        render(docx("正文", "{{ enterprize.name }}"), ctx)
    assert caught.value.variable == "enterprize"
    assert "enterprize" in caught.value.message


def test_undefined_attribute_is_named_with_its_path_and_place(docx: Callable[..., bytes]) -> None:
    ctx = sample_context("authorization_letter")
    with pytest.raises(RenderError) as caught:
        render(docx("委托方：{{ enterprise.nmae }}"), ctx)
    assert caught.value.variable == "enterprise.nmae"
    assert "委托方" in caught.value.message  # the words around it, to find it in Word


def test_undefined_field_of_a_loop_item_is_named(docx: Callable[..., bytes]) -> None:
    ctx = sample_context("authorization_letter")
    with pytest.raises(RenderError) as caught:
        render(docx("{% for item in items %}{{ item.dept }}{% endfor %}"), ctx)
    assert caught.value.variable == "item.dept"


def test_syntax_error_says_where(docx: Callable[..., bytes]) -> None:
    with pytest.raises(RenderError, match="语法错误") as caught:
        render(docx("第一段", "委托方：{{ enterprise.name }", "第三段"), sample_context("authorization_letter"))
    assert "委托方" in caught.value.message


def test_not_a_docx_is_a_render_error() -> None:
    with pytest.raises(RenderError):
        render(b"PK\x03\x04 not really a zip", sample_context("authorization_letter"))


def test_a_filter_fed_the_wrong_type_is_a_render_error(docx: Callable[..., bytes]) -> None:
    with pytest.raises(RenderError, match="cn_date"):
        render(docx("{{ items|cn_date }}"), sample_context("authorization_letter"))


def test_none_prints_as_nothing(docx: Callable[..., bytes]) -> None:
    ctx = sample_context("authorization_letter")
    assert isinstance(ctx, AuthorizationLetterContext) and ctx.valid_until is None
    assert docx_text(render(docx("期限[{{ valid_until }}]"), ctx)).strip() == "期限[]"


def test_split_runs_render_like_one(docx: Callable[..., bytes]) -> None:
    # Word splits a tag over runs when the author edits it; docxtpl joins them again.
    ctx = sample_context("authorization_letter")
    out = render(docx(["{{ enter", "prise.na", "me }}"]), ctx)
    assert ctx.enterprise.name in docx_text(out)  # type: ignore[attr-defined]

"""Sandboxed rendering of a Word template with a typed context.

Templates can be uploaded by an administrator, so they are treated as untrusted code:

- Jinja runs in a ``SandboxedEnvironment`` (no ``__class__``/``__globals__`` walks), with
  ``autoescape=True`` so ``<``, ``>`` and ``&`` in a value become XML entities and cannot break or
  inject WordprocessingML, and ``StrictUndefined`` so a misspelt variable is an error, not a blank;
- ``{% autoescape false %}`` and the ``safe`` filter are refused: either would let a value write raw
  XML into the document;
- a new ``DocxTemplate`` is built from the bytes for every render (docxtpl keeps state on it);
- the rendered body is parsed strictly before docxtpl's own, forgiving (``recover=True``) parser
  could silently drop whatever made it invalid.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

import msgspec
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # no stubs in the venv

from documents.filters import FILTERS

__all__ = ["RenderError", "context_to_dict", "environment", "render"]


class RenderError(Exception):
    """The template could not be filled; ``message`` says why in words an administrator can act on."""

    def __init__(self, message: str, *, variable: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.variable = variable


class _DocumentEnvironment(SandboxedEnvironment):
    """The sandbox, minus the two ways a template could switch escaping off."""

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for node in tree.find_all(nodes.EvalContextModifier):
            raise TemplateSyntaxError(
                "{% autoescape %} is not allowed in document templates: values must stay escaped",
                node.lineno,
                name,
                filename,
            )
        return tree


def _finalize(value: Any) -> Any:
    # An unknown optional fact prints as nothing; the word "None" on a government form is a bug.
    return "" if value is None else value


@cache
def environment() -> SandboxedEnvironment:
    """The one Jinja environment every render and lint uses. Shared, so never modify it."""
    env = _DocumentEnvironment(
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
    )
    del env.filters["safe"]
    env.filters.update(FILTERS)
    return env


_KEEP_AS_OBJECTS = (date, datetime, time, Decimal)


def context_to_dict(context: msgspec.Struct) -> dict[str, Any]:
    """The context as Jinja sees it: builtins, but dates and amounts kept as objects for the filters."""
    if not isinstance(context, msgspec.Struct):
        raise TypeError(f"context must be a msgspec.Struct, got {type(context).__name__}")
    data = msgspec.to_builtins(context, builtin_types=_KEEP_AS_OBJECTS)
    assert isinstance(data, dict)
    return data


class _CheckedDocxTemplate(DocxTemplate):  # type: ignore[misc]
    def fix_tables(self, xml: str) -> Any:
        try:
            etree.fromstring(xml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise RenderError(f"填充后的文档不是有效的 XML（模板结构有误）：{exc}") from exc
        return super().fix_tables(xml)


_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined")
_UNDEFINED_ATTR = re.compile(r"has no attribute '([^']+)'")


def _describe(exc: TemplateError) -> RenderError:
    text = exc.message or str(exc)
    if isinstance(exc, SecurityError):
        return RenderError(f"模板试图访问不允许的内容（沙箱拒绝）：{text}")
    if isinstance(exc, UndefinedError):
        match = _UNDEFINED_NAME.search(text) or _UNDEFINED_ATTR.search(text)
        variable = match.group(1) if match else None
        return RenderError(f"模板使用了未定义的变量 {variable or ''}：{text}", variable=variable)
    if isinstance(exc, TemplateSyntaxError):
        # docxtpl attaches the paragraph text around the error; it is the only place an admin can find.
        around = " ".join(s.strip() for s in getattr(exc, "docx_context", ()) if s.strip())
        where = f"（附近文字：{around[:120]}）" if around else ""
        return RenderError(f"模板标签有语法错误：{text}{where}")
    return RenderError(f"模板填充失败：{text}")


def _locate(template_bytes: bytes, context: msgspec.Struct, error: RenderError) -> RenderError:
    """Jinja says "'dict object' has no attribute 'nmae'"; lint can say "enterprise.nmae", and where."""
    from documents.lint import lint  # lint renders too: imported here to keep the modules acyclic

    for problem in lint(template_bytes, type(context), trial_render=False):
        if (
            problem.kind in ("undeclared", "unknown_field")
            and problem.variable
            and error.variable
            and (problem.variable == error.variable or problem.variable.endswith(f".{error.variable}"))
        ):
            return RenderError(f"{problem.message}（{problem.where}）", variable=problem.variable)
    return error


def render(template_bytes: bytes, context: msgspec.Struct) -> bytes:
    """Fill a .docx template with ``context`` and return the new .docx.

    Raises ``RenderError`` for anything wrong with the template (syntax, undefined variable,
    sandbox violation, not a .docx) and ``TypeError`` when ``context`` is not a Struct.
    """
    try:
        return render_unexplained(template_bytes, context)
    except RenderError as exc:
        if exc.variable is None:
            raise
        raise _locate(template_bytes, context, exc) from exc.__cause__


def render_unexplained(template_bytes: bytes, context: msgspec.Struct) -> bytes:
    """``render`` without the second look that names a missing variable's full path (lint uses it)."""
    data = context_to_dict(context)
    try:
        template = _CheckedDocxTemplate(io.BytesIO(template_bytes))
        template.render(data, jinja_env=environment())
        out = io.BytesIO()
        template.save(out)
    except RenderError:
        raise
    except TemplateError as exc:
        raise _describe(exc) from exc
    except Exception as exc:
        # A filter fed the wrong type, a corrupt zip, a part python-docx cannot read: all are the
        # template's (or its uploader's) fault, never a reason for a 500.
        raise RenderError(f"模板填充失败：{type(exc).__name__}: {exc}") from exc
    return out.getvalue()

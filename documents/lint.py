"""Check a Word template against its context type before anyone relies on it.

An administrator uploads a .docx edited in Word or WPS; the usual accidents are a tag Word split
over two paragraphs, quotes turned into “smart” ones, braces typed with a Chinese IME (｛｛ ｝｝),
and a variable that does not exist (``enterprise.nmae``). Each is reported with the words around
it, because "line 412 of document.xml" means nothing to the person who has to fix it.

The checks, in order: the text of every paragraph (smart quotes, full-width braces, tags left
open), Jinja syntax and unknown filters on the XML exactly as docxtpl patches it, variables the
context type does not declare (including fields of nested Structs and of loop items), and finally
a trial render with an example context, which catches what only shows at run time.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any, Literal

import msgspec
from docx import Document
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, meta, nodes
from lxml import etree  # no stubs in the venv

from documents.examples import example_context
from documents.lint_types import AttributeChecker
from documents.render import RenderError, environment, render_unexplained

__all__ = ["LintProblem", "ProblemKind", "lint"]

ProblemKind = Literal[
    "not_docx",
    "syntax",
    "unclosed_tag",
    "smart_quotes",
    "fullwidth_braces",
    "undeclared",
    "unknown_field",
    "render",
]


class LintProblem(msgspec.Struct, frozen=True, kw_only=True):
    kind: ProblemKind
    message: str
    where: str = ""  # "正文：…{{ enterprise.nmae }}…"
    variable: str | None = None


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PART_LABELS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "正文",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml": "页眉",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml": "页脚",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml": "脚注",
}
# The core properties docxtpl renders too (see DocxTemplate.render_properties).
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_OPEN = re.compile(r"\{\{|\{%|\{#")
_SMART = re.compile("[“”‘’„‟「」]")
_FULLWIDTH = re.compile(r"[｛{][｛％]|[｝％][｝}]|｛｛|｝｝")
_XML_TAG = re.compile(r"<[^>]+>")

# An instance only to reach docxtpl's patch_xml, so lint sees exactly the XML render() will parse.
_PATCHER = DocxTemplate(io.BytesIO())


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _paragraph_texts(xml: bytes) -> Iterator[str]:
    root = etree.fromstring(xml)
    for paragraph in root.iter(f"{{{_W}}}p"):
        yield "".join(t.text or "" for t in paragraph.iter(f"{{{_W}}}t"))


def _text_problems(label: str, xml: bytes) -> list[LintProblem]:
    problems: list[LintProblem] = []
    for text in _paragraph_texts(xml):
        where = f"{label}：{_snippet(text)}"
        for tag in _TAG.findall(text):
            if _SMART.search(tag):
                problems.append(
                    LintProblem(
                        kind="smart_quotes",
                        message=f"标签 {tag} 中有中文/弯引号，请改成英文直引号 \" 或 '",
                        where=where,
                    )
                )
        if _FULLWIDTH.search(text):
            problems.append(
                LintProblem(
                    kind="fullwidth_braces",
                    message="标签用了全角括号或百分号（｛｛ ｝｝ ％），请在英文输入法下重打为 {{ }} 或 {% %}",
                    where=where,
                )
            )
        leftover = _TAG.sub("", text)
        if _OPEN.search(leftover):
            problems.append(
                LintProblem(
                    kind="unclosed_tag",
                    message="标签没有在同一段落内闭合（缺少 }} 或 %}，或标签被回车分成了两段）",
                    where=where,
                )
            )
    return problems


def _line_snippet(lines: list[str], lineno: int | None) -> str:
    if not lineno or lineno > len(lines):
        return ""
    return _snippet(_XML_TAG.sub("", lines[lineno - 1]))


def _first_use(tree: nodes.Template, name: str) -> int | None:
    for node in tree.find_all(nodes.Name):
        if node.name == name:
            return node.lineno
    return None


def _source_problems(
    label: str, source: str, context_type: type[msgspec.Struct], declared: set[str]
) -> list[LintProblem]:
    env = environment()
    lines = source.splitlines()
    try:
        tree = env.parse(source)
        env.compile(tree)  # unknown filters and tests surface only when compiling
    except TemplateSyntaxError as exc:
        return [
            LintProblem(
                kind="syntax",
                message=f"标签语法错误：{exc.message}",
                where=f"{label}：{_line_snippet(lines, exc.lineno)}",
            )
        ]
    problems = [
        LintProblem(
            kind="undeclared",
            message=f"变量 {name} 不在 {context_type.__name__} 中",
            where=f"{label}：{_line_snippet(lines, _first_use(tree, name))}",
            variable=name,
        )
        for name in sorted(meta.find_undeclared_variables(tree) - declared)
    ]
    checker = AttributeChecker(context_type)
    checker.visit(tree)
    problems.extend(
        LintProblem(
            kind="unknown_field",
            message=finding.message,
            where=f"{label}：{_line_snippet(lines, finding.lineno)}",
            variable=finding.path,
        )
        for finding in checker.findings
    )
    return problems


def _parts(document: Any) -> Iterator[tuple[str, bytes]]:
    for part in document.part.package.iter_parts():
        label = _PART_LABELS.get(part.content_type)
        if label is not None:
            yield label, part.blob


def lint(template_bytes: bytes, context_type: type[msgspec.Struct], *, trial_render: bool = True) -> list[LintProblem]:
    """Problems of a .docx template for ``context_type``; an empty list means it is fit to use.

    ``trial_render=False`` skips filling the template with an example context (static checks only).
    """
    try:
        document = Document(io.BytesIO(template_bytes))
    except Exception as exc:  # python-docx raises a zoo of errors for a file that is not a .docx
        return [LintProblem(kind="not_docx", message=f"不是有效的 Word（.docx）文件：{exc}")]

    declared = {field.name for field in msgspec.structs.fields(context_type)}
    problems: list[LintProblem] = []
    for label, blob in _parts(document):
        problems.extend(_text_problems(label, blob))
        xml = _PATCHER.patch_xml(blob.decode("utf-8"))
        # One paragraph per line, as docxtpl renders it, so a line number points at a paragraph.
        xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
        problems.extend(_source_problems(label, xml, context_type, declared))
    for name in _PROPERTIES:
        value = getattr(document.core_properties, name) or ""
        if _OPEN.search(value):
            problems.extend(_source_problems(f"文档属性 {name}", value, context_type, declared))

    if not problems and trial_render:
        # Static checks cannot see everything (a filter fed the wrong type, XML broken by a
        # tag that swallows a paragraph end): fill the template once with an example.
        try:
            render_unexplained(template_bytes, example_context(context_type))
        except RenderError as exc:
            problems.append(LintProblem(kind="render", message=exc.message, variable=exc.variable))
    return list(dict.fromkeys(problems))

"""Read and check a catalog file: the one entry point for the import service and the demo seed.

``load_catalog(text)`` is all-or-nothing: it returns a fully valid ``CatalogFile`` or raises one
``CatalogError`` that lists every problem found, each labelled by the item (or department, or
route) it belongs to, the field, and the line — what an admin needs to fix the file in one pass.
The format and every rule are described in docs/catalog-format.md.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, NoReturn

import msgspec

from agency.catalog.format_messages import describe
from agency.catalog.format_model import (
    STAGE_NAMES,
    CatalogFile,
    Department,
    Item,
    Route,
)
from agency.catalog.format_rules import check_catalog
from agency.catalog.format_yaml import Issue, Path, convert, convert_struct, line_of, read_yaml

__all__ = [
    "STAGE_NAMES",
    "CatalogError",
    "CatalogFile",
    "CatalogProblem",
    "load_catalog",
    "load_demo_catalog",
    "parse_catalog",
    "validate_catalog",
]

DEMO_CATALOG = "demo_catalog.yaml"

# Top-level lists are converted element by element so that one bad item does not hide the rest.
_ENTITIES: dict[str, tuple[str, type[msgspec.Struct]]] = {
    "departments": ("部门", Department),
    "items": ("事项", Item),
    "routes": ("路线", Route),
}
CATALOG = "目录"


class CatalogProblem(msgspec.Struct, frozen=True, kw_only=True):
    where: str
    field: str
    message: str
    line: int | None = None
    # The code of the department, item or route the problem is in (none: the catalog's header, or no code).
    code: str | None = None

    def __str__(self) -> str:
        """第 12 行，事项 xmba 的字段 promised_limit：须为不小于 1 的整数."""
        text = f"第 {self.line} 行，" if self.line is not None else ""
        text += self.where
        if self.field:
            text += f"{' ' if self.where[-1:].isascii() else ''}的字段 {self.field}"
        return f"{text}：{self.message}"


class CatalogError(ValueError):
    def __init__(self, problems: list[CatalogProblem]) -> None:
        self.problems = problems
        heading = f"目录文件有 {len(problems)} 处错误："
        super().__init__("\n".join([heading, *(f"  - {p}" for p in problems)]))


def load_catalog(text: str) -> CatalogFile:
    """Parse and validate; raise ``CatalogError`` with every problem, or return the catalog."""
    return _load(text, semantic=True)


def parse_catalog(text: str) -> CatalogFile:
    """Only the shape (YAML syntax, fields, types, value ranges); ``validate_catalog`` does the rest."""
    return _load(text, semantic=False)


def validate_catalog(cf: CatalogFile) -> None:
    """The cross-value rules on an already built catalog (no line numbers: there is no text)."""
    issues = check_catalog(list(enumerate(cf.departments)), list(enumerate(cf.items)), list(enumerate(cf.routes)))
    if issues:
        raw = msgspec.to_builtins(cf)
        raise CatalogError([_label(issue, raw, {}) for issue in issues])


def load_demo_catalog() -> CatalogFile:
    text = resources.files("agency.catalog").joinpath("data", DEMO_CATALOG).read_text(encoding="utf-8")
    return load_catalog(text)


def _load(text: str, *, semantic: bool) -> CatalogFile:
    data, lines, issues = read_yaml(text)
    if data is None:
        _raise(issues or [Issue((), "目录文件为空")], data, lines)
    if not isinstance(data, dict):
        _raise([*issues, Issue((), f"目录文件的顶层须为映射（键: 值），实为{describe(data)}")], data, lines)

    # Header fields (version, effective_from …) are checked on a copy with the lists emptied; a
    # missing list stays missing so that it is reported.
    header = {key: [] if key in _ENTITIES else value for key, value in data.items()}
    convert_struct(header, CatalogFile, (), issues)
    parts: dict[str, list[tuple[int, Any]]] = {}
    known: dict[str, set[str]] = {}
    for key, (_, cls) in _ENTITIES.items():
        parts[key], known[key] = [], set()
        value = data.get(key, [])
        if not isinstance(value, list):
            issues.append(Issue((key,), f"应为列表，实为{describe(value)}"))
            continue
        for i, element in enumerate(value):
            ok, obj = convert(element, cls, (key, i), issues)
            if ok:
                parts[key].append((i, obj))
            elif isinstance(element, dict) and isinstance(element.get("code"), str):
                known[key].add(element["code"])

    if semantic:
        issues += check_catalog(
            parts["departments"],
            parts["items"],
            parts["routes"],
            known_departments=known["departments"],
            known_items=known["items"],
        )
    if issues:
        _raise(issues, data, lines)
    return msgspec.convert(data, CatalogFile)


def _raise(issues: list[Issue], raw: Any, lines: dict[Path, int]) -> NoReturn:
    problems = [_label(issue, raw, lines) for issue in issues]
    # Stable sort: the list reads top to bottom like the file; problems without a line go last.
    problems.sort(key=lambda p: p.line if p.line is not None else 1 << 30)
    raise CatalogError(problems)


def _label(issue: Issue, raw: Any, lines: dict[Path, int]) -> CatalogProblem:
    """Turn ``("items", 3, "materials", 1, "copies")`` into ``事项 sgxk`` + ``materials[sqb].copies``."""
    path = issue.path
    line = issue.line if issue.line is not None else line_of(path, lines)
    if len(path) >= 2 and path[0] in _ENTITIES and isinstance(path[1], int):
        noun = _ENTITIES[str(path[0])][0]
        element = _child(raw, path[0], path[1])
        code = _code_of(element)
        where = f"{noun} {code}" if code is not None else f"第 {path[1] + 1} 个{noun}"
        rest, node, owner = path[2:], element, code
    else:
        where, rest, node, owner = CATALOG, path, raw, None
    field = ""
    for part in rest:
        if isinstance(part, int):
            node = _child(node, part)
            code = _code_of(node)
            field += f"[{code if code is not None else part}]"
        else:
            node = _child(node, part)
            field += f".{part}" if field else part
    return CatalogProblem(where=where, field=field, message=issue.message, line=line, code=owner)


def _child(node: Any, *parts: str | int) -> Any:
    for part in parts:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _code_of(node: Any) -> str | None:
    # Route items are named by the item they place, everything else by its own code.
    if isinstance(node, dict):
        for key in ("code", "item"):
            if isinstance(node.get(key), str):
                return str(node[key])
    return None

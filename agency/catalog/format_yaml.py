"""YAML text → plain data with line numbers, then plain data → Structs, collecting every problem.

msgspec stops at the first error of a document, but an admin fixing a 2,000-line catalog needs
all of them at once; so the Structs are converted field by field (``convert``), and the YAML is
composed first so that every path can be traced back to its line (``read_yaml``).
"""

from __future__ import annotations

import types
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

import msgspec
import yaml

from agency.catalog.format_messages import choices, describe, leaf_message, split_path, syntax_message

Path = tuple[str | int, ...]

# Aliases let a small document describe an exponentially large tree ("billion laughs"); the walk
# that indexes lines expands aliases, so it stops after this many nodes.
MAX_NODES = 200_000
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem before it is given a human label: the path of the offending value and why."""

    path: Path
    message: str
    line: int | None = None


class _TooLarge(Exception):
    pass


def read_yaml(text: str) -> tuple[Any, dict[Path, int], list[Issue]]:
    """Parse with the safe loader; return the data, the 1-based line of each path, and problems.

    When the text cannot be read at all the data is None and the one problem says why, with the
    line where possible.
    """
    try:
        # The reader refuses control characters already in the constructor.
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        return None, {}, [_yaml_issue(exc)]
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [Issue((), "目录文件为空")]
        lines: dict[Path, int] = {}
        issues: list[Issue] = []
        # Indexed before construction: constructing flattens merge keys ("<<") in place, and then
        # an override of a merged key would look like a duplicate key.
        _index(node, (), lines, issues, [0])
        try:
            data = loader.construct_document(node)
        except (ValueError, TypeError):
            # The timestamp constructor lets e.g. "2026-02-30" through to datetime, which raises.
            path = _bad_timestamp(loader, node)
            return None, {}, [Issue(path or (), "日期无效：没有这一天，请检查年、月、日", line_of(path or (), lines))]
        return data, lines, issues
    except yaml.YAMLError as exc:
        return None, {}, [_yaml_issue(exc)]
    except _TooLarge:
        return None, {}, [Issue((), f"文档展开后超过 {MAX_NODES} 个节点（锚点引用过多），拒绝读取")]
    except RecursionError:
        return None, {}, [Issue((), "嵌套层级过深")]
    finally:
        loader.dispose()


def _yaml_issue(exc: yaml.YAMLError) -> Issue:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        return Issue((), f"YAML 语法错误：{syntax_message(exc)}", mark.line + 1 if mark else None)
    return Issue((), f"YAML 语法错误：{syntax_message(exc)}")


def _index(node: yaml.Node, path: Path, lines: dict[Path, int], issues: list[Issue], count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _TooLarge
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Hashable, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            key_line = key_node.start_mark.line + 1
            if key in seen:
                issues.append(Issue((*path, key), f"键重复（第 {seen[key]} 行已给出）", key_line))
                continue
            seen[key] = key_line
            # The key's line, not the value's: a block value starts on the next line.
            lines[(*path, key)] = key_line
            _index(value_node, (*path, key), lines, issues, count)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _index(child, (*path, i), lines, issues, count)


def _bad_timestamp(loader: yaml.SafeLoader, node: yaml.Node, path: Path = ()) -> Path | None:
    """The path of the first date-like scalar that is not a real date, to give its line."""
    if isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP_TAG:
        try:
            loader.construct_yaml_timestamp(node)
        except (ValueError, TypeError):
            return path
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                found = _bad_timestamp(loader, value_node, (*path, key_node.value))
                if found is not None:
                    return found
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            found = _bad_timestamp(loader, child, (*path, i))
            if found is not None:
                return found
    return None


def line_of(path: Path, lines: dict[Path, int]) -> int | None:
    """The line of the path, or of its nearest ancestor (a missing field → its mapping's line)."""
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def _struct_type(tp: Any) -> tuple[type[msgspec.Struct], bool] | None:
    """(Struct class, whether None is allowed) when the annotation is a Struct or Struct | None."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return tp, False
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            inner = _struct_type(args[0])
            if inner is not None:
                return inner[0], True
    return None


def _list_of_struct(tp: Any) -> type[msgspec.Struct] | None:
    if get_origin(tp) is list:
        (arg,) = get_args(tp)
        found = _struct_type(arg)
        if found is not None and not found[1]:
            return found[0]
    return None


def convert(value: Any, tp: Any, path: Path, issues: list[Issue]) -> tuple[bool, Any]:
    """Convert ``value`` to ``tp``; on failure append every problem found and return (False, None)."""
    struct = _struct_type(tp)
    if struct is not None:
        cls, optional = struct
        if value is None and optional:
            return True, None
        return convert_struct(value, cls, path, issues)
    element = _list_of_struct(tp)
    if element is not None:
        if not isinstance(value, list):
            issues.append(Issue(path, f"应为列表，实为{describe(value)}"))
            return False, None
        results = [convert(v, element, (*path, i), issues) for i, v in enumerate(value)]
        if all(ok for ok, _ in results):
            return True, [obj for _, obj in results]
        return False, None
    try:
        return True, msgspec.convert(value, tp)
    except msgspec.ValidationError as exc:
        issues.append(_leaf_issue(str(exc), path, tp))
        return False, None


def convert_struct(value: Any, cls: type[msgspec.Struct], path: Path, issues: list[Issue]) -> tuple[bool, Any]:
    if not isinstance(value, dict):
        issues.append(Issue(path, f"应为映射（键: 值），实为{describe(value)}"))
        return False, None
    fields = msgspec.structs.fields(cls)
    known = {f.encode_name for f in fields}
    ok = True
    for key in value:
        if key not in known:
            expected = "、".join(f.encode_name for f in fields)
            issues.append(Issue((*path, str(key)), f"未知字段（可用字段：{expected}）"))
            ok = False
    kwargs: dict[str, Any] = {}
    for f in fields:
        if f.encode_name in value:
            field_ok, converted = convert(value[f.encode_name], f.type, (*path, f.encode_name), issues)
            ok = ok and field_ok
            kwargs[f.name] = converted
        elif f.required:
            issues.append(Issue((*path, f.encode_name), "缺少必填字段"))
            ok = False
    if not ok:
        return False, None
    # Every field was checked against its annotation above, so direct construction is safe.
    return True, cls(**kwargs)


def _leaf_issue(message: str, path: Path, tp: Any) -> Issue:
    message, below = split_path(message)
    return Issue((*path, *below), leaf_message(message, choices(tp)))

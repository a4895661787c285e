"""Type-aware walk of a Jinja AST: is ``enterprise.nmae`` a field of ``EnterpriseFacts``?

Jinja's own ``meta.find_undeclared_variables`` sees only top-level names. This walker follows the
context Struct's annotations through attribute access, ``[...]`` with a constant key, ``for`` loops
(the loop variable gets the element type of the sequence), ``set``/``with`` and the filters that
keep a sequence's element type, and reports an attribute that the Struct does not declare.
Anything it cannot type (a scalar, a macro argument, a filter result) is left alone: the walker
only reports what it is sure of.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec
from jinja2 import nodes

__all__ = ["AttributeChecker", "Finding", "element_type", "struct_fields", "unwrap_optional"]


class _Unknown:
    """The type of an expression the walker cannot follow."""


UNKNOWN: Final = _Unknown()
# The Python methods of a dict, reachable as attributes in Jinja: ``{{ project.get("name") }}``.
_DICT_METHODS: Final = frozenset({"get", "items", "keys", "values"})
# Filters whose result is the same sequence type (or an element of it, for first/last).
_SAME_SEQUENCE: Final = frozenset({"list", "reverse", "rejectattr", "selectattr", "sort", "unique"})
_ONE_ELEMENT: Final = frozenset({"first", "last", "random"})


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    message: str
    lineno: int


def unwrap_optional(annotation: Any) -> Any:
    """``X | None`` → ``X``; any other union is not something the walker can follow."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else UNKNOWN
    return annotation


def element_type(annotation: Any) -> Any:
    """The item type of ``tuple[X, ...]``, ``list[X]`` or another sequence annotation."""
    annotation = unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset) or (isinstance(origin, type) and issubclass(origin, Sequence)):
        return args[0] if args else UNKNOWN
    return UNKNOWN


def _is_struct(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)


def struct_fields(struct_type: type[msgspec.Struct]) -> dict[str, Any]:
    return {field.name: field.type for field in msgspec.structs.fields(struct_type)}


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_dotted(node.node)}[{node.arg.value!r}]"
    if isinstance(node, nodes.Filter) and node.node is not None:
        return f"({_dotted(node.node)}|{node.name})"
    return "…"


class AttributeChecker:
    def __init__(self, context_type: type[msgspec.Struct]) -> None:
        self._root: dict[str, Any] = struct_fields(context_type)
        self.findings: list[Finding] = []

    def visit(self, node: nodes.Node, scope: dict[str, Any] | None = None) -> None:
        scope = dict(self._root) if scope is None else scope
        if isinstance(node, nodes.For):
            self._visit_for(node, scope)
            return
        if isinstance(node, nodes.Assign):
            self.visit(node.node, scope)
            self._bind(node.target, self.type_of(node.node, scope), scope)
            return
        if isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=False):
                self.visit(value, scope)
                self._bind(target, self.type_of(value, scope), inner)
            for child in node.body:
                self.visit(child, inner)
            return
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = UNKNOWN
            inner.update(caller=UNKNOWN, varargs=UNKNOWN, kwargs=UNKNOWN)
            for child in node.body:
                self.visit(child, inner)
            return
        if isinstance(node, nodes.Getattr):
            self._check(node.node, node.attr, node, scope)
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            self._check(node.node, node.arg.value, node, scope)
        for child in node.iter_child_nodes():
            self.visit(child, scope)

    def _visit_for(self, node: nodes.For, scope: dict[str, Any]) -> None:
        self.visit(node.iter, scope)
        inner = dict(scope)
        self._bind(node.target, element_type(self.type_of(node.iter, scope)), inner)
        inner["loop"] = UNKNOWN
        if node.test is not None:
            self.visit(node.test, inner)
        for child in node.body:
            self.visit(child, inner)
        for child in node.else_:
            self.visit(child, scope)

    def _bind(self, target: nodes.Node, annotation: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = annotation
        else:  # tuple unpacking: {% for key, value in … %}
            for name in target.find_all(nodes.Name):
                scope[name.name] = UNKNOWN

    def type_of(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        if isinstance(node, nodes.Name):
            return unwrap_optional(scope.get(node.name, UNKNOWN))
        if isinstance(node, nodes.Getattr):
            return self._field(self.type_of(node.node, scope), node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            base = self.type_of(node.node, scope)
            if isinstance(node.arg.value, str):
                return self._field(base, node.arg.value)
            return unwrap_optional(element_type(base))
        if isinstance(node, nodes.Filter) and node.node is not None:
            if node.name in _SAME_SEQUENCE:
                return self.type_of(node.node, scope)
            if node.name in _ONE_ELEMENT:
                return unwrap_optional(element_type(self.type_of(node.node, scope)))
        return UNKNOWN

    @staticmethod
    def _field(base: Any, name: str) -> Any:
        if _is_struct(base):
            return unwrap_optional(struct_fields(base).get(name, UNKNOWN))
        return UNKNOWN

    def _check(self, base_node: nodes.Node, attr: str, node: nodes.Node, scope: dict[str, Any]) -> None:
        base = self.type_of(base_node, scope)
        if not _is_struct(base) or attr in _DICT_METHODS:
            return
        if attr not in struct_fields(base):
            path = f"{_dotted(base_node)}.{attr}"
            known = "、".join(struct_fields(base))
            self.findings.append(
                Finding(
                    path=path,
                    message=f"{path}：{base.__name__} 没有字段 {attr}（可用：{known}）",
                    lineno=node.lineno,
                )
            )

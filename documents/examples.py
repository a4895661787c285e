"""An example instance of any context type, built from its annotations alone.

Lint fills an uploaded template with it once, to catch what static checks cannot see. Every
optional fact gets a value (so ``{% if %}`` branches that print it are exercised), every sequence
one item, and strings carry ``<&>`` so escaping is exercised too.
"""

from __future__ import annotations

import typing
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from documents.lint_types import element_type, unwrap_optional

__all__ = ["example_context"]

S = TypeVar("S", bound=msgspec.Struct)

_EXAMPLE_DAY = date(2026, 11, 25)


def _example(annotation: Any, name: str) -> Any:
    annotation = unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin in (tuple, list, set, frozenset):
        item = _example(element_type(annotation), name)
        return (item,) if origin is tuple else origin([item])
    if isinstance(annotation, type):
        if issubclass(annotation, msgspec.Struct):
            return example_context(annotation)
        if issubclass(annotation, bool):
            return True
        if issubclass(annotation, int):
            return 3
        if issubclass(annotation, Decimal | float):
            return annotation("12.5")
        if issubclass(annotation, datetime):
            return datetime(2026, 11, 25, 9, 30)
        if issubclass(annotation, date):
            return _EXAMPLE_DAY
    # str, and whatever else: text exercises escaping and is what most facts are.
    return f"示例{name}<&>"


def example_context(context_type: type[S]) -> S:
    values = {field.name: _example(field.type, field.name) for field in msgspec.structs.fields(context_type)}
    return context_type(**values)

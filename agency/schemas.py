"""Base classes for every request and response body (msgspec Structs)."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")


class RequestBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Unknown fields are refused (422 naming the field) rather than silently ignored."""


class ResponseBody(msgspec.Struct, kw_only=True):
    pass


class Page(ResponseBody, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


MAX_PAGE_SIZE = 200

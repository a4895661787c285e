"""Base classes for every request and response body (msgspec Structs)."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

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


# The largest id a row can have (a signed 64-bit column): a bigger number names nothing and is refused
# as input (422 naming the field), never sent to the database.
MAX_ID = 2**63 - 1
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]

MAX_PAGE_SIZE = 200

# The pagination query parameters every list endpoint takes.
PageNo = Annotated[int, QueryParameter(ge=1, le=100_000)]
PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)]

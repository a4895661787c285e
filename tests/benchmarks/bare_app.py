"""A bare Litestar route returning a fixed msgspec Struct: the yardstick every benchmark quotes."""

from __future__ import annotations

import msgspec
from litestar import Litestar, get


class Fixed(msgspec.Struct):
    status: str
    items: list[int]


FIXED = Fixed(status="ok", items=list(range(10)))


@get("/bare", sync_to_thread=False)
def bare() -> Fixed:
    return FIXED


def create_bare_app() -> Litestar:
    return Litestar([bare], debug=False)


app = create_bare_app()

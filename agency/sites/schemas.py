"""Request and response bodies of the county's service sites."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from agency.schemas import RequestBody, ResponseBody

SiteCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
SiteKind = Literal["center", "sub_center", "township_hall"]


class SiteOut(ResponseBody):
    code: str
    name: str
    kind: str
    kind_name: str


class SiteIn(RequestBody):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    kind: SiteKind

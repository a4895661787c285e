from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from agency.schemas import RequestBody, ResponseBody

Short = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class EnterpriseIn(RequestBody):
    credit_code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
    legal_representative: Short
    contact_name: Short
    contact_phone: Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9][0-9 -]{4,19}$")]
    address: Annotated[str, msgspec.Meta(min_length=2, max_length=300)]
    park: Annotated[str, msgspec.Meta(max_length=100)] = ""
    key_enterprise: bool = False


class EnterprisePatch(RequestBody):
    """An enterprise's name and contacts; a field left out (or null) stays. The credit code never changes.
    ``version``, if given, must be the current one (409 otherwise)."""

    name: Annotated[str, msgspec.Meta(min_length=2, max_length=200)] | None = None
    legal_representative: Short | None = None
    contact_name: Short | None = None
    contact_phone: Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9][0-9 -]{4,19}$")] | None = None
    address: Annotated[str, msgspec.Meta(min_length=2, max_length=300)] | None = None
    park: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    key_enterprise: bool | None = None
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class EnterpriseOut(ResponseBody):
    id: int
    credit_code: str
    name: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    address: str
    park: str
    key_enterprise: bool
    created_at: datetime
    version: int = 1
    site_code: str | None = None  # the site whose clerk registered it (none: the center, or before sites)


class EnterpriseRef(ResponseBody):
    id: int
    name: str

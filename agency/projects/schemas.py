"""Request and response bodies of a dossier's handover (移交) between service sites."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from agency.schemas import RequestBody, ResponseBody


class HandoverIn(RequestBody):
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    # The receiving site; by default the center (its agency office).
    site_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None
    # The receiving site's clerk who takes the dossier over; by default its least loaded active clerk.
    clerk_id: Annotated[int, msgspec.Meta(ge=1)] | None = None


class HandoverOut(ResponseBody):
    id: int
    project_id: int
    from_site_code: str | None
    to_site_code: str
    note: str
    handed_by: int | None
    handed_at: datetime
    received_by: int | None = None  # the receiving clerk, now the dossier's clerk

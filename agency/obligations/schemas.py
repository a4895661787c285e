"""Request and response bodies of the enterprise's obligations after a decision."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from agency.schemas import RequestBody, ResponseBody


class ExtendIn(RequestBody):
    until: date
    # The department's decision to extend (its scan, uploaded to the dossier first).
    document_file_id: Annotated[int, msgspec.Meta(ge=1, le=2**53)] | None = None
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class MeetIn(RequestBody):
    met_on: date
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class ExtensionOut(ResponseBody):
    until: date
    document_file_id: int | None
    recorded_on: date


class ObligationOut(ResponseBody):
    id: int
    approval_id: int
    project_id: int
    department_code: str
    kind: str
    name: str
    due_on: date
    status: str
    status_name: str
    extensions: list[ExtensionOut]
    extensions_left: int
    days_left: int
    starts_on: date
    original_due_on: date
    met_on: date | None
    met_by_milestone: str | None
    consequence: str
    legal_basis: str
    version: int


class ObligationPage(ResponseBody):
    items: list[ObligationOut]
    total: int

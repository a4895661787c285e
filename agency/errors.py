"""Errors the services raise. They know nothing of HTTP frameworks; ``agency.http`` maps them.

Each carries the status code of API.md, a ``detail`` a person can act on and, where one field is at
fault, that field's name, so every error body is ``{status_code, detail, extra}``.
"""

from __future__ import annotations

from typing import Any


class AgencyError(Exception):
    status_code = 400

    def __init__(self, detail: str, *, field: str | None = None, extra: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if extra is None and field is not None:
            extra = [{"field": field, "message": detail}]
        self.extra = extra
        self.headers = headers or {}


class BadRequest(AgencyError):
    status_code = 400


class NotAuthenticated(AgencyError):
    status_code = 401


class Forbidden(AgencyError):
    status_code = 403


class NotFound(AgencyError):
    """Also what a user gets for an object he may not see: its existence is not revealed."""

    status_code = 404


class Conflict(AgencyError):
    """A stale ``version``, an action not allowed in the current state, or a duplicate."""

    status_code = 409


class TooLarge(AgencyError):
    status_code = 413


class UnsupportedMediaType(AgencyError):
    status_code = 415


class Invalid(AgencyError):
    """A field fails validation (422)."""

    status_code = 422


class Locked(AgencyError):
    status_code = 423


class TooManyRequests(AgencyError):
    status_code = 429


class ServiceUnavailable(AgencyError):
    status_code = 503

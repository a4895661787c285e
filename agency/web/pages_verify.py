"""The public verification page (no login, no session, no CSRF): anyone checks a paper by its code, and may
upload a copy to learn whether it is the genuine file and whether its seal validates."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.documents import verify
from agency.documents.verify_controllers import MAX_CHECKED_BYTES, limit, uploaded
from agency.errors import AgencyError
from agency.timeutil import CHINA
from agency.web.csrf import EXCLUDE
from agency.web.render import page, zh


def _unknown(request: Request[Any, Any, Any], code: str) -> Template:
    return page(request, "verify.html", status_code=404, code=code, found=None, check=None, error=None,
                unknown=True)


def _shown(request: Request[Any, Any, Any], found: verify.Verdict, *, check: verify.FileCheck | None = None,
           error: str | None = None, status_code: int = 200) -> Template:
    return page(request, "verify.html", status_code=status_code, code=found.code, found=found, check=check,
                error=error, unknown=False, status_name=verify.STATUS_ZH[found.status],
                issued_on=found.issued_at.astimezone(CHINA).strftime("%Y年%m月%d日"),
                revoked_on=found.revoked_at.astimezone(CHINA).strftime("%Y年%m月%d日") if found.revoked_at else None)


@get("/verify/{code:str}")
async def verify_page(request: Request[Any, Any, Any], code: FromPath[str], state: State,
                      db: NamedDependency[AsyncSession]) -> Template:
    limit(request, state)
    try:
        found = await verify.verdict(db, code)
    except AgencyError as error:
        if error.status_code != 404:
            raise
        return _unknown(request, code)
    return _shown(request, found)


@post("/verify/{code:str}", opt={EXCLUDE: True}, request_max_body_size=MAX_CHECKED_BYTES + 64 * 1024)
async def verify_file(request: Request[Any, Any, Any], code: FromPath[str], state: State,
                      db: NamedDependency[AsyncSession]) -> Template:
    limit(request, state)
    try:
        found = await verify.verdict(db, code)
    except AgencyError as error:
        if error.status_code != 404:
            raise
        return _unknown(request, code)
    try:
        data = await uploaded(request)
    except AgencyError as error:
        return _shown(request, found, error=zh(error.detail), status_code=error.status_code)
    found, result = await verify.check_file(db, code, data)
    return _shown(request, found, check=result)


HANDLERS: list[Any] = [verify_page, verify_file]

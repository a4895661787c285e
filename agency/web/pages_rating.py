"""The rating link of the SMS (no login): five levels and a comment, once; a used or expired link says so."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from agency.errors import AgencyError
from agency.evaluations import service as evaluations
from agency.evaluations.models import SCORE_WORDS
from agency.web.render import page, zh

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
LEVELS = sorted(SCORE_WORDS.items(), reverse=True)  # 非常满意 … 非常不满意


def _unusable(request: Request[Any, Any, Any], error: AgencyError) -> Template:
    if error.status_code == 404:
        return page(request, "rate_gone.html", status_code=404, title="评价链接无效",
                    detail="该评价链接无效，请核对短信中的链接是否完整。")
    return page(request, "rate_gone.html", status_code=410, title="评价链接已失效", detail=zh(error.detail))


async def _form(request: Request[Any, Any, Any], db: AsyncSession, token: str, *, status_code: int = 200,
                error: str | None = None, values: dict[str, str] | None = None) -> Template:
    try:
        target = await evaluations.rating_link(db, token)
    except AgencyError as failed:
        if failed.status_code not in (404, 410):
            raise
        return _unusable(request, failed)
    return page(request, "rate.html", status_code=status_code, t=target, levels=LEVELS, error=error,
                values=values or {}, token=token)


@get("/rate/{token:str}")
async def rate_form(request: Request[Any, Any, Any], token: FromPath[str],
                    db: NamedDependency[AsyncSession]) -> Template:
    return await _form(request, db, token)


@post("/rate/{token:str}")
async def rate(request: Request[Any, Any, Any], token: FromPath[str], data: Form,
               db: NamedDependency[AsyncSession]) -> Template:
    score, comment = data.get("score", ""), data.get("comment", "").strip()
    if score not in {str(k) for k in SCORE_WORDS} or len(comment) > 1000:
        message = "请选择满意程度。" if len(comment) <= 1000 else "意见不超过 1000 字。"
        return await _form(request, db, token, status_code=422, error=message, values=dict(data))
    try:
        evaluation, _ = await evaluations.rate_with_token(db, token, int(score), comment)
    except AgencyError as error:
        if error.status_code not in (404, 409, 410):
            raise
        await db.rollback()
        return _unusable(request, error)
    return page(request, "rate_done.html", score=SCORE_WORDS[evaluation.score])


HANDLERS: list[Any] = [rate_form, rate]

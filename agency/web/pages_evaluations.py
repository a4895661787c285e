"""The 好差评 loop on the pages: the rated department (the leaders for a clerk's) replies to a rectification (整改),
the rated officer or clerk appeals (申诉) an unfair rating, the enterprise rates the reply, a leader decides the
appeals — the same service functions as /api/rectifications and /api/evaluations/{id}/appeal."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.catalog.models import Department
from agency.errors import AgencyError
from agency.evaluations import rectifications
from agency.evaluations.models import (
    APPEAL_WORDS,
    OFFICE_WORDS,
    RECTIFICATION_WORDS,
    SCORE_WORDS,
    TARGET_WORDS,
    occasion_words,
    reason_words,
)
from agency.sites import service as sites
from agency.web.forms import SiteCode
from agency.web.render import page, see_other, zh

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Status = Annotated[str | None, QueryParameter(pattern="^(open|replied|closed|)$")]
AppealStatus = Annotated[str | None, QueryParameter(pattern="^(pending|upheld|rejected|all|)$")]
RECTIFICATIONS, APPEALS = "/app/rectifications", "/app/appeals"


def _back(path: str, key: str, message: str) -> Redirect:
    return see_other(f"{path}?{key}={quote(message)}")


async def _department_names(db: AsyncSession) -> dict[str, str]:
    return {code: name for code, name in (await db.execute(select(Department.code, Department.name))).all()}


def _text(data: dict[str, Any], name: str) -> str:
    return str(data.get(name, ""))[:1000]


@get(RECTIFICATIONS)
async def rectifications_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                              db: NamedDependency[AsyncSession], status: Status = None,
                              site: SiteCode = None) -> Template:
    """Every role sees the rectifications it may see (the department its own, the enterprise its ratings');
    ``site``: those of the dossiers that site holds (the API's ``site_code=``)."""
    rows = await rectifications.search(db, actor, status or None, site or None)
    return page(request, "rectifications.html", actor, rows=rows, status=status or "", site=site or "",
                sites=await sites.readable_by(db, actor) if actor.role is not Role.ENTERPRISE else [],
                names=await _department_names(db), SCORE_WORDS=SCORE_WORDS, STATUS_WORDS=RECTIFICATION_WORDS,
                APPEAL_WORDS=APPEAL_WORDS, TARGET_WORDS=TARGET_WORDS, OFFICE_WORDS=OFFICE_WORDS,
                occasion_words=occasion_words, reason_words=reason_words, may_answer=rectifications.may_answer,
                may_appeal=rectifications.may_appeal, today=timeutil.today(),
                ok=request.query_params.get("ok"), err=request.query_params.get("err"))


async def _act(db: AsyncSession, path: str, done: str, action: Any) -> Redirect:
    """Runs one service call; a refusal of the input or the state comes back on the page, in Chinese."""
    try:
        await action
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return _back(path, "err", zh(error.detail))
    return _back(path, "ok", done)


@post(RECTIFICATIONS + "/{rectification_id:int}/reply")
async def reply_form(rectification_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                     db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.DEPARTMENT, Role.ADMIN, Role.LEADER)  # as the API's guard; the service checks the rest
    note = _text(data, "note")
    if not note.strip():
        return _back(RECTIFICATIONS, "err", "请填写整改情况。")
    return await _act(db, RECTIFICATIONS, "已答复整改，企业将收到答复并评价。",
                      rectifications.reply(db, actor, rectification_id, note, timeutil.today()))


@post(RECTIFICATIONS + "/{rectification_id:int}/verdict")
async def verdict_form(rectification_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.ENTERPRISE)
    choice = data.get("satisfied")
    if choice not in ("yes", "no"):
        return _back(RECTIFICATIONS, "err", "请选择对整改答复满意或不满意。")
    return await _act(db, RECTIFICATIONS, "已评价整改答复：" + ("满意" if choice == "yes" else "不满意"),
                      rectifications.verdict(db, actor, rectification_id, choice == "yes", timeutil.today()))


@post("/app/evaluations/{evaluation_id:int}/appeal")
async def appeal_form(evaluation_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.DEPARTMENT, Role.CLERK)
    reason = _text(data, "reason")
    if not reason.strip():
        return _back(RECTIFICATIONS, "err", "请填写申诉理由。")
    return await _act(db, RECTIFICATIONS, "已提出申诉，等待领导审核。",
                      rectifications.appeal(db, actor, evaluation_id, reason, timeutil.today()))


@get(APPEALS)
async def appeals_page(request: Request[Any, Any, Any], actor: NamedDependency[Actor],
                       db: NamedDependency[AsyncSession], status: AppealStatus = None) -> Template:
    """The leader's list of appeals to decide (and the decided ones); a department sees its own, a clerk his."""
    actor.require(Role.LEADER, Role.ADMIN, Role.DEPARTMENT, Role.CLERK)
    chosen = status or "pending"
    rows = await rectifications.appeals(db, actor, None if chosen == "all" else chosen)
    return page(request, "appeals.html", actor, rows=rows, status=chosen, names=await _department_names(db),
                SCORE_WORDS=SCORE_WORDS, APPEAL_WORDS=APPEAL_WORDS, TARGET_WORDS=TARGET_WORDS,
                OFFICE_WORDS=OFFICE_WORDS, ok=request.query_params.get("ok"), err=request.query_params.get("err"))


@post("/app/evaluations/{evaluation_id:int}/appeal/decision")
async def decide_appeal_form(evaluation_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                             db: NamedDependency[AsyncSession]) -> Redirect:
    actor.require(Role.LEADER)
    decision, note = data.get("decision"), _text(data, "note")
    if decision not in ("uphold", "reject"):
        return _back(APPEALS, "err", "请选择申诉成立或不成立。")
    if decision == "reject" and not note.strip():
        return _back(APPEALS, "err", "驳回申诉须写明理由。")
    done = "申诉成立，该评价不再计入满意率和排名。" if decision == "uphold" else "已驳回申诉。"
    return await _act(db, APPEALS, done, rectifications.decide_appeal(
        db, actor, evaluation_id, decision == "uphold", note, timeutil.today()))


HANDLERS: list[Any] = [rectifications_page, reply_form, verdict_form, appeal_form, appeals_page, decide_appeal_form]

"""The monthly 通报 of the rankings as a paper (template ``ranking_bulletin``, DOCX or PDF): the month's 红旗窗口
and 服务标兵 with their figures, the criteria they were ranked on and the other windows' standing. It is the
center's paper, of no dossier (``documents.project_id`` empty: leaders and administrators read it), made from the
ranking it is given (the one function of agency/reports/rankings.py, passed in by the caller).

Like every paper it is recorded: numbered in the office's series, with its verification code on the DOCX and on
its sealed PDF (agency/documents/pdf_copies.py). A month's 通报 is issued the first time it is asked for and kept;
it is issued again (the later one superseding it at /verify) only when the ranking it reports has changed, or
after an administrator revoked it."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
from agency.access import Actor, Role
from agency.documents.models import Document
from agency.documents.pdf_copies import pdf_copy, stored_bytes
from agency.documents.service import Papers, next_doc_number, render_and_store
from agency.files import service as files
from agency.settings import Settings

TEMPLATE = "ranking_bulletin"
SUBJECT = "ranking_month"  # documents.subject_id: the month as 202608
NOT_MEASURED = "—"


def percent(rate: float | None) -> str:
    return NOT_MEASURED if rate is None else f"{rate * 100:.1f}%"


def month_words(month: str) -> str:
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月"


def _window(w: dict[str, Any]) -> paper.RankedWindow:
    f = w["figures"]
    return paper.RankedWindow(
        rank=w["rank"], name=w["department_name"], score=str(w["score"]), completed=f["completed"],
        on_time_rate=percent(f["on_time_rate"]), speedup_rate=percent(f["speedup_rate"]),
        satisfaction_rate=percent(f["satisfaction_rate"]), rated=f["rated"], same_day_rate=percent(f["same_day_rate"]),
        violations=f["violations"], rectifications_overdue=f["rectifications_overdue"])


def _person(s: dict[str, Any]) -> paper.RankedPerson:
    f = s["figures"]
    return paper.RankedPerson(
        rank=s["rank"], name=s["name"], unit=s["unit_name"], role=s["role_name"], score=str(s["score"]),
        completed=f["completed"], on_time_rate=percent(f["on_time_rate"]), speedup_rate=percent(f["speedup_rate"]),
        satisfaction_rate=percent(f["satisfaction_rate"]), rated=f["rated"],
        rectifications_overdue=f["rectifications_overdue"])


def context_of(result: dict[str, Any], settings: Settings, today: date) -> paper.RankingBulletinContext:
    """``result`` is what ``rankings.rankings`` answers."""
    windows = result["windows"]
    return paper.RankingBulletinContext(
        issued_on=today, month=month_words(result["month"]), criteria=result["criteria"]["text"],
        center=paper.CenterFacts(name=settings.center_name, office_name=f"{settings.center_name}企业代办服务中心",
                                 reconsideration_body=settings.reconsideration_body, court=settings.court),
        flags=tuple(_window(w) for w in windows if w["flag"]),
        models=tuple(_person(s) for s in result["staff"] if s["model"]),
        others=tuple(_window(w) for w in windows if not w["flag"] and w["figures"]["completed"]))


async def ranking_bulletin(session: AsyncSession, actor: Actor, papers: Papers, result: dict[str, Any], today: date,
                           output: str = "docx") -> tuple[bytes, str]:
    """The month's 通报 as its recorded paper: the DOCX, or its sealed PDF; and the file name (通报-2026年8月.docx)."""
    actor.require(Role.LEADER, Role.ADMIN)
    document = await _issued(session, actor, papers, result, today)
    if output == "pdf":
        return await pdf_copy(session, actor, papers, document.id)
    row = await files.visible_file(session, actor, document.file_id)
    await files.record_download(session, actor, row)
    return await stored_bytes(papers.store, row), row.original_name


async def _issued(session: AsyncSession, actor: Actor, papers: Papers, result: dict[str, Any], today: date
                  ) -> Document:
    """The month's standing 通报, or a new one when there is none or the ranking has changed since."""
    month = int(result["month"].replace("-", ""))
    context = context_of(result, papers.settings, today)
    standing = await standing_bulletin(session, actor, result["month"])
    as_stored = msgspec.json.decode(msgspec.json.encode(context))  # lists, not tuples, as the JSON column holds
    if standing is not None and _reported(standing.context) == _reported(as_stored):
        return standing
    number = await next_doc_number(session, today)
    document = await render_and_store(session, actor, papers, None, None, TEMPLATE,
                                      msgspec.structs.replace(context, doc_number=number), number,
                                      name_suffix=f"-{month_words(result['month'])}")
    document.subject_type, document.subject_id = SUBJECT, month
    await session.flush()
    return document


async def standing_bulletin(session: AsyncSession, actor: Actor, month: str) -> Document | None:
    """The month's (``2026-08``) 通报 that stands, if one was issued: its number and code for the rankings page."""
    actor.require(Role.LEADER, Role.ADMIN)
    return (await session.execute(select(Document).where(
        Document.template_code == TEMPLATE, Document.subject_type == SUBJECT,
        Document.subject_id == int(month.replace("-", "")), Document.revoked_at.is_(None))
        .order_by(Document.id.desc()).limit(1))).scalar_one_or_none()


def _reported(context: dict[str, Any]) -> dict[str, Any]:
    """What a 通报 reports, without its number and date."""
    return {key: value for key, value in context.items() if key not in ("doc_number", "issued_on")}

"""The monthly 通报 of the rankings as a paper (template ``ranking_bulletin``, DOCX or PDF): the month's 红旗窗口
and 服务标兵 with their figures, the criteria they were ranked on and the other windows' standing. It is the
center's paper, of no dossier: rendered on demand from the ranking it is given (the one function of
agency/reports/rankings.py, passed in by the caller), with the template version in force; not numbered nor kept."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
from agency.documents.service import Papers, render_paper
from agency.settings import Settings

TEMPLATE = "ranking_bulletin"
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


async def ranking_bulletin(session: AsyncSession, papers: Papers, result: dict[str, Any], today: date,
                           output: str = "docx") -> tuple[bytes, str]:
    """The paper's bytes and its file name (通报-2026年8月.docx)."""
    data, _ = await render_paper(session, papers, TEMPLATE, context_of(result, papers.settings, today), output)
    return data, f"{paper.get_spec(TEMPLATE).name_zh}-{month_words(result['month'])}.{output}"

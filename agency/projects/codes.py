"""The national investment project code (投资项目统一代码), as the 投资项目在线审批监管平台 issues it."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.errors import Conflict, Invalid
from agency.projects.models import Project

# YYYY-AAAAAA-BB-CC-NNNNNN: year of issue, administrative division, industry, kind, serial.
_FORMAT = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(\d{2})-(\d{6})$")
KIND_NAMES = {"01": "审批", "02": "核准", "03": "备案"}
FIRST_YEAR = 2014  # the platform began issuing codes in 2014


def normalized(code: str) -> str:
    return code.strip()


def problem_of(code: str, today: date) -> str | None:
    """Why ``code`` is not a project code the platform could have issued by ``today`` (None: it could)."""
    found = _FORMAT.match(normalized(code))
    if found is None:
        return "项目代码格式应为 YYYY-AAAAAA-BB-CC-NNNNNN（如 2025-341502-47-03-012345）"
    year, _, _, kind, _ = found.groups()
    if kind not in KIND_NAMES:
        return f"项目代码的类别“{kind}”未知（01 审批、02 核准、03 备案）"
    if not FIRST_YEAR <= int(year) <= today.year:
        return f"项目代码的年份 {year} 不可能（{FIRST_YEAR} 年至今年）"
    return None


async def free_code(session: AsyncSession, given: str | None, project_id: int | None, today: date) -> str | None:
    """The code as stored, once it is well formed (422) and no other dossier holds it (409)."""
    if given is None or not given.strip():
        return None
    problem = problem_of(given, today)
    if problem is not None:
        raise Invalid(f"{problem}（investment_code）", field="investment_code")
    code = normalized(given)
    holder = (await session.execute(select(Project.id, Project.code).where(Project.investment_code == code))).first()
    if holder is not None and holder.id != project_id:
        raise Conflict(f"项目代码 {code} 已用于项目档案 {holder.code}（investment_code taken）",
                       field="investment_code")
    return code

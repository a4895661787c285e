"""The administrator's ranking criteria (评比标准): weights of the rates, the penalty, the thresholds of 红旗窗口 and
服务标兵 and the minimum of completed items, kept in the database; until first saved, the AGENCY_RANKING_*
settings are the criteria (and remain the defaults the page shows). Every change writes an audit line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.audit import service as audit
from agency.errors import Conflict, Invalid
from agency.reports.models import THE_CRITERIA, RankingCriteriaRow
from agency.reports.rankings import RATE_NAMES, Criteria
from agency.settings import Settings


@dataclass(frozen=True, slots=True)
class Stored:
    criteria: Criteria
    # None: never saved, the settings hold.
    version: int | None


async def current(session: AsyncSession, settings: Settings) -> Stored:
    row = await session.get(RankingCriteriaRow, THE_CRITERIA)
    if row is None:
        return Stored(Criteria.of(settings), None)
    weights = tuple((rate, float(row.weights.get(rate, 0.0))) for rate in RATE_NAMES)
    return Stored(Criteria(weights=weights, penalty=row.penalty, flag_at_least=row.flag_at_least,
                           model_at_least=row.model_at_least, min_completed=row.min_completed), row.version)


def _number(form: dict[str, str], field: str, words: str, high: float) -> float:
    raw = form.get(field, "").strip()
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"{words}须为数字（{field}）", field=field) from None
    if not 0 <= value <= high:
        raise Invalid(f"{words}须在 0 到 {high:g} 之间（{field}）", field=field)
    return value


def parse(form: dict[str, str]) -> Criteria:
    """The page's form (the field names are the criteria's keys), checked; the message names the field."""
    weights = tuple((rate, _number(form, rate, f"{name}权重", 1)) for rate, name in RATE_NAMES.items())
    if not sum(w for _, w in weights):
        raise Invalid("各项权重不能全为 0（weights）", field="on_time_rate")
    minimum = _number(form, "min_completed", "最少办结件数", 10_000)
    if minimum != int(minimum):
        raise Invalid("最少办结件数须为整数（min_completed）", field="min_completed")
    return Criteria(weights=weights, penalty=_number(form, "penalty", "每项扣分", 100),
                    flag_at_least=_number(form, "flag_at_least", "红旗窗口最低得分", 100),
                    model_at_least=_number(form, "model_at_least", "服务标兵最低得分", 100),
                    min_completed=int(minimum))


def _facts(criteria: Criteria) -> dict[str, Any]:
    return {key: value for key, value in criteria.as_dict().items() if key != "text"}


async def save(session: AsyncSession, actor: Actor, settings: Settings, criteria: Criteria,
               version: int | None) -> Stored:
    """The administrator sets the criteria; ``version`` is the one the form showed (None: the settings)."""
    actor.require(Role.ADMIN)
    before = await current(session, settings)
    if before.version != version:
        raise Conflict("评比标准已被他人修改，请刷新后重试（criteria changed meanwhile）", field="version")
    row = await session.get(RankingCriteriaRow, THE_CRITERIA)
    if row is None:
        row = RankingCriteriaRow(id=THE_CRITERIA)
        session.add(row)
    row.weights = dict(criteria.weights)
    row.penalty, row.flag_at_least, row.model_at_least = criteria.penalty, criteria.flag_at_least, \
        criteria.model_at_least
    row.min_completed, row.updated_by, row.updated_at = criteria.min_completed, actor.user_id, timeutil.now()
    await session.flush()
    await audit.record(session, actor, "ranking_criteria.update", "ranking_criteria", THE_CRITERIA,
                       before=_facts(before.criteria), after=_facts(criteria))
    return Stored(criteria, row.version)

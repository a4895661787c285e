"""The monthly rankings (红旗窗口, 服务标兵) on stated criteria (国办发〔2019〕51号, DOMAIN.md "好差评").

score = 100 × the weighted mean of the rates the month measured (按时办结率 0.4, 提速率 0.2 (below zero counts as
zero), 满意率 0.3 with upheld appeals left out, 即办率 0.1 for items with a zero limit), the weights of the
rates with nothing to measure left out of the mean; minus 5 per violation and per rectification overdue.
A window (department) or officer with at least one completed item and a score of at least 90 is flagged
(红旗窗口 / 服务标兵). These are the defaults: the administrator sets the weights, the penalty, the thresholds
and the minimum through the AGENCY_RANKING_* settings (docs/obligations.md). The criteria are printed with the result.
Staff (服务标兵 among officers and clerks) are the departments' officers, by the approvals they handled (首问负责),
and the agency clerks, by the approvals of their projects decided in the month; a person's satisfaction counts
the ratings of him (target officer or clerk) and, for an officer, of the approvals he handled; his overdue
rectifications are those of these ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.errors import Invalid
from agency.evaluations.models import OFFICE_WORDS, Evaluation, Rectification
from agency.reports import service
from agency.settings import DEFAULT_RANKING_WEIGHTS, Settings

STAFF_ROLES = {"department": "部门经办人", "clerk": "代办员"}
RATE_NAMES = {"on_time_rate": "按时办结率", "speedup_rate": "提速率", "satisfaction_rate": "满意率",
              "same_day_rate": "即办率"}


@dataclass(frozen=True, slots=True)
class Criteria:
    """The stated criteria: set by the administrator (AGENCY_RANKING_* settings, docs/obligations.md "Monthly
    rankings"), printed with every ranking."""

    weights: tuple[tuple[str, float], ...] = DEFAULT_RANKING_WEIGHTS
    penalty: float = 5.0
    flag_at_least: float = 90.0
    model_at_least: float = 90.0
    min_completed: int = 1

    @classmethod
    def of(cls, settings: Settings) -> Criteria:
        return cls(weights=settings.ranking_weights, penalty=float(settings.ranking_penalty),
                   flag_at_least=float(settings.ranking_flag_at_least),
                   model_at_least=float(settings.ranking_model_at_least),
                   min_completed=settings.ranking_min_completed)

    def text(self) -> str:
        rates = "、".join(f"{RATE_NAMES[k]}{'（申诉成立的评价不计）' if k == 'satisfaction_rate' else ''}×{w:g}"
                         for k, w in self.weights if w)
        return (f"得分 = 100 × {rates} 的加权平均（当月无可计量的指标不计入）－ 每项违法情形及逾期未整改 "
                f"{self.penalty:g} 分；办结 {self.min_completed} 件以上且得分不低于 {self.flag_at_least:g} 分的"
                f"部门为红旗窗口，不低于 {self.model_at_least:g} 分的工作人员为服务标兵。")

    def as_dict(self) -> dict[str, Any]:
        return {"weights": dict(self.weights), "penalty_per_violation_or_overdue_rectification": self.penalty,
                "flag_window_at_least": self.flag_at_least, "model_staff_at_least": self.model_at_least,
                "min_completed": self.min_completed, "text": self.text()}


DEFAULT = Criteria()


def month_bounds(month: str) -> tuple[date, date]:
    try:
        year, number = (int(part) for part in month.split("-"))
        start = date(year, number, 1)
    except ValueError:
        raise Invalid("月份格式应为 YYYY-MM（month）", field="month") from None
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start, end


def score_of(figures: dict[str, Any], criteria: Criteria = DEFAULT) -> float:
    measured = {k: w for k, w in criteria.weights if figures.get(k) is not None}
    total = sum(measured.values())
    mean = sum(max(0.0, float(figures[k])) * w for k, w in measured.items()) / total if total else 0.0
    penalties = int(figures.get("violations", 0)) + int(figures.get("rectifications_overdue", 0))
    return round(100 * mean - criteria.penalty * penalties, 2)


def _rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows.sort(key=lambda r: (-r["score"], -r["figures"]["completed"], str(r.get("user_id") or r["department_code"])))
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return rows


def _late(end: date) -> ColumnElement[bool]:
    """A rectification due by the month's end and still open after its date, or answered late."""
    return and_(or_(and_(Rectification.status == "open", Rectification.due_on < end),
                    Rectification.replied_on > Rectification.due_on), Rectification.due_on <= end)


async def _overdue_rectifications(session: AsyncSession, end: date) -> dict[str, int]:
    rows = await session.execute(select(Rectification.department_code, func.count()).where(
        _late(end), Rectification.department_code.is_not(None)).group_by(Rectification.department_code))
    return {code: int(n) for code, n in rows.all()}


# Whom a rating counts for among the staff: the rated person, else (a department's service) the approval's handler.
_PERSON = func.coalesce(Evaluation.rated_user_id, Approval.handler_id)


async def _staff_ratings(session: AsyncSession, start: date, end: date) -> dict[int, tuple[int, int]]:
    rows = await session.execute(
        select(_PERSON, func.count(), func.count().filter(Evaluation.score >= 4)).select_from(Evaluation)
        .outerjoin(Approval, Approval.id == Evaluation.approval_id)
        .where(Evaluation.rated_on.between(start, end), Evaluation.appeal_status.is_distinct_from("upheld"),
               _PERSON.is_not(None)).group_by(_PERSON))
    return {int(uid): (int(n), int(good)) for uid, n, good in rows.all()}


async def _staff_overdue(session: AsyncSession, end: date) -> dict[int, int]:
    rows = await session.execute(
        select(_PERSON, func.count()).select_from(Rectification)
        .join(Evaluation, Evaluation.id == Rectification.evaluation_id)
        .outerjoin(Approval, Approval.id == Evaluation.approval_id)
        .where(_late(end), _PERSON.is_not(None)).group_by(_PERSON))
    return {int(uid): int(n) for uid, n in rows.all()}


async def rankings(session: AsyncSession, actor: Actor, month: str, criteria: Criteria = DEFAULT) -> dict[str, Any]:
    actor.require(Role.LEADER, Role.ADMIN)
    start, end = month_bounds(month)
    departments, tallies = await service.department_rows(session, start, end)
    overdue = await _overdue_rectifications(session, end)
    windows = []
    for d in departments:
        tally = tallies.by_department.get(d.department_code)
        figures = {"completed": d.completed, "on_time_rate": d.on_time_rate, "speedup_rate": d.speedup_rate,
                   "satisfaction_rate": d.satisfaction_rate, "rated": d.rated,
                   "same_day_rate": service._rate(tally.same_day, tally.immediate) if tally else None,
                   "violations": sum(d.violations.values()),
                   "rectifications_overdue": overdue.get(d.department_code, 0)}
        score = score_of(figures, criteria)
        windows.append({"department_code": d.department_code, "department_name": d.department_name, "score": score,
                        "flag": d.completed >= criteria.min_completed and score >= criteria.flag_at_least,
                        "figures": figures})
    staff = await _staff(session, start, end, criteria, {d.department_code: d.department_name for d in departments},
                         {**tallies.by_handler, **tallies.by_clerk})
    return {"month": month, "criteria": criteria.as_dict(), "windows": _rank(windows), "staff": _rank(staff)}


async def _staff(session: AsyncSession, start: date, end: date, criteria: Criteria, names: dict[str, str],
                 tallies: dict[int, service._Tally]) -> list[dict[str, Any]]:
    """Officers by the approvals they handled, clerks by those of their projects, decided in the month."""
    if not tallies:
        return []
    ratings, overdue = await _staff_ratings(session, start, end), await _staff_overdue(session, end)
    users = {u.id: u for u in (await session.execute(select(User).where(User.id.in_(list(tallies))))).scalars()}
    rows = []
    for uid, tally in tallies.items():
        user = users.get(uid)
        if user is None:
            continue
        rated, satisfied = ratings.get(uid, (0, 0))
        figures = {"completed": tally.completed, "on_time_rate": service._rate(tally.on_time, tally.completed),
                   "speedup_rate": service._rate(sum(tally.speedups), len(tally.speedups)),
                   "satisfaction_rate": service._rate(satisfied, rated), "rated": rated,
                   "same_day_rate": service._rate(tally.same_day, tally.immediate),
                   "violations": 0, "rectifications_overdue": overdue.get(uid, 0)}
        score = score_of(figures, criteria)
        rows.append({"user_id": uid, "name": user.display_name, "role": user.role,
                     "role_name": STAFF_ROLES.get(user.role, user.role), "department_code": user.department_code,
                     "unit_name": names.get(user.department_code or "", OFFICE_WORDS), "score": score,
                     "model": tally.completed >= criteria.min_completed and score >= criteria.model_at_least,
                     "figures": figures})
    return rows

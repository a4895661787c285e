"""Typed context of the monthly 通报 of the rankings: the 红旗窗口 and 服务标兵 of a month with their figures, the
criteria they were ranked on and the other windows' standing. It is the center's paper, of no dossier: it
carries the center, not an enterprise or a project. Figures arrive worded ("100.0%", "—" where nothing was
measured), as the ranking page prints them."""

from __future__ import annotations

from datetime import date

from documents.contexts import CenterFacts, _Facts

__all__ = ["RankedPerson", "RankedWindow", "RankingBulletinContext"]


class RankedWindow(_Facts, frozen=True, kw_only=True):
    rank: int
    name: str
    score: str
    completed: int
    on_time_rate: str
    speedup_rate: str
    satisfaction_rate: str
    rated: int
    same_day_rate: str
    violations: int
    rectifications_overdue: int


class RankedPerson(_Facts, frozen=True, kw_only=True):
    rank: int
    name: str
    unit: str  # the department, or the agency office for a clerk
    role: str  # 部门经办人 / 代办员
    score: str
    completed: int
    on_time_rate: str
    speedup_rate: str
    satisfaction_rate: str
    rated: int
    rectifications_overdue: int


class RankingBulletinContext(_Facts, frozen=True, kw_only=True):
    doc_number: str = ""
    issued_on: date
    center: CenterFacts
    month: str  # 2026年8月
    criteria: str  # the criteria in words, as printed with the ranking
    flags: tuple[RankedWindow, ...] = ()
    models: tuple[RankedPerson, ...] = ()
    others: tuple[RankedWindow, ...] = ()  # the windows not flagged that completed something

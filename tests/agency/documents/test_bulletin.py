"""The 通报 paper of a month's rankings (template ranking_bulletin): the flagged windows and the model staff with
their figures as the ranking computed them, the criteria printed, the other windows that completed something; a
window with nothing completed is left out; a rate with nothing to measure prints as —."""

from __future__ import annotations

from datetime import date
from typing import Any

import documents as paper
from agency.documents.bulletin import context_of, month_words, percent
from agency.settings import Settings
from tests.documents.conftest import docx_text


def _figures(completed: int, on_time: float | None, speedup: float | None, satisfaction: float | None, rated: int,
             same_day: float | None, violations: int = 0, overdue: int = 0) -> dict[str, Any]:
    return {"completed": completed, "on_time_rate": on_time, "speedup_rate": speedup,
            "satisfaction_rate": satisfaction, "rated": rated, "same_day_rate": same_day, "violations": violations,
            "rectifications_overdue": overdue}


RESULT: dict[str, Any] = {
    "month": "2026-08",
    "criteria": {"text": "得分 = 100 × 按时办结率×0.4、提速率×0.2、满意率×0.3、即办率×0.1 的加权平均"},
    "windows": [
        {"department_code": "zjj", "department_name": "住房和城乡建设局", "score": 100.0, "rank": 1, "flag": True,
         "figures": _figures(3, 1.0, 0.857, 1.0, 2, None)},
        {"department_code": "zrzy", "department_name": "自然资源和规划局", "score": 61.67, "rank": 2, "flag": False,
         "figures": _figures(1, 1.0, 0.5, 0.0, 1, None, violations=1)},
        {"department_code": "sthj", "department_name": "生态环境分局", "score": 0.0, "rank": 3, "flag": False,
         "figures": _figures(0, None, None, None, 0, None)},
    ],
    "staff": [
        {"user_id": 7, "name": "周敏", "role": "department", "role_name": "部门经办人",
         "unit_name": "住房和城乡建设局", "score": 100.0, "rank": 1, "model": True,
         "figures": _figures(3, 1.0, 0.857, 1.0, 2, None)},
        {"user_id": 9, "name": "陈晓东", "role": "clerk", "role_name": "代办员", "unit_name": "代办服务中心",
         "score": 95.0, "rank": 2, "model": True, "figures": _figures(4, 0.75, 0.5, None, 0, 1.0)},
        {"user_id": 11, "name": "李强", "role": "clerk", "role_name": "代办员", "unit_name": "代办服务中心",
         "score": 40.0, "rank": 3, "model": False, "figures": _figures(1, 0.0, 0.0, 1.0, 1, None)},
    ],
}


def test_the_bulletin_names_the_flag_windows_and_model_staff_with_their_figures(settings: Settings) -> None:
    ctx = context_of(RESULT, settings, date(2026, 9, 2))
    assert (ctx.month, [w.name for w in ctx.flags], [w.name for w in ctx.others], [s.name for s in ctx.models]) == (
        "2026年8月", ["住房和城乡建设局"], ["自然资源和规划局"], ["周敏", "陈晓东"])
    text = docx_text(paper.render(paper.builtin_template_bytes("ranking_bulletin"), ctx))
    for words in ("关于2026年8月红旗窗口和服务标兵评比情况的通报", RESULT["criteria"]["text"], settings.center_name,
                  "2026年9月2日",
                  # 住建: 100 points, 3 completed, on time 100.0%, sped up 85.7%, satisfied 100.0% of 2 ratings.
                  "住房和城乡建设局", "100.0", "85.7%", "100.0%（2）",
                  # The clerk: 95 points, 75.0% on time, no rating of him (—), same-day 100.0% is a window figure only.
                  "陈晓东", "代办服务中心代办员", "95.0", "75.0%", "—（0）",
                  "周敏", "住房和城乡建设局部门经办人",
                  # The other window: 61.67 points, one violation.
                  "自然资源和规划局", "61.67", "0.0%（1）"):
        assert words in text, words
    assert "生态环境分局" not in text and "李强" not in text
    assert (percent(None), percent(0.8571), month_words("2027-01")) == ("—", "85.7%", "2027年1月")


def test_a_month_without_flags_or_models_says_so(settings: Settings) -> None:
    quiet = {**RESULT, "windows": [{**w, "flag": False} for w in RESULT["windows"]],
             "staff": [{**s, "model": False} for s in RESULT["staff"]]}
    text = docx_text(paper.render(paper.builtin_template_bytes("ranking_bulletin"),
                                  context_of(quiet, settings, date(2026, 9, 2))))
    assert "本月没有达到红旗窗口标准的窗口。" in text and "本月没有达到服务标兵标准的工作人员。" in text
    assert "住房和城乡建设局" in text and "周敏" not in text

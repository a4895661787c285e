"""The project forecast over the 16-item route of DOMAIN.md, worked out by hand."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

import pytest

from agency.approvals.clock import Limit
from agency.calendar.seed import default_calendar
from agency.dossiers.forecast import ForecastError, NodeKind, PlanNode, forecast

CAL = default_calendar()
MONDAY = date(2026, 3, 2)


def wd(n: int) -> Limit:
    return Limit(n, "workday")


def route(completion_expected: date | None = date(2026, 9, 15)) -> list[PlanNode]:
    """DOMAIN.md's route of a new industrial project: promised limits, "after" as prerequisites.

    "竣工" (construction complete) is a milestone after the construction permit (10).
    """
    a: NodeKind = "approval"
    return [
        PlanNode("1", a, wd(1)),  # 企业投资项目备案
        PlanNode("2", a, wd(5), ["1"]),  # 建设用地规划许可证
        PlanNode("3", a, wd(5), ["1"]),  # 不动产权证书（土地）
        PlanNode("4", a, wd(7), ["2", "3"]),  # 建设工程规划许可证
        PlanNode("5", a, wd(10), ["1"]),  # 环境影响评价审批
        PlanNode("6", a, wd(5), ["1"]),  # 节能审查
        PlanNode("7", a, wd(5), ["1"]),  # 水土保持方案审批
        PlanNode("8", a, wd(7), ["4"]),  # 施工图审查
        PlanNode("9", a, wd(5), ["8"]),  # 特殊建设工程消防设计审查
        PlanNode("10", a, wd(3), ["3", "5", "6", "8", "9"]),  # 建筑工程施工许可证
        PlanNode("11", a, wd(10), ["10"]),  # 电力接入
        PlanNode("12", a, wd(5), ["10"]),  # 供水接入
        PlanNode("竣工", "milestone", None, ["10"], expected_on=completion_expected),
        PlanNode("13", a, wd(7), ["竣工"]),  # 特殊建设工程消防验收
        PlanNode("14", a, wd(5), ["竣工"]),  # 规划条件核实
        PlanNode("15", a, wd(5), ["13", "14"]),  # 联合验收及竣工验收备案
        PlanNode("16", a, wd(5), ["15"]),  # 不动产首次登记（房屋）
    ]


def test_sixteen_item_route_with_construction_expected_mid_september() -> None:
    # Today Mon 2 Mar 2026, nothing started. Each item is accepted on its ready date and finishes
    # its promised working days later:
    #   1: 3 Mar.  2, 3, 6, 7: 4, 5, 6, 9, 10 Mar → 10 Mar.  5: ten days → 17 Mar.
    #   4 (after 2, 3 on 10 Mar): 11–13, 16–19 Mar → 19 Mar.   8: 20, 23–27, 30 Mar → 30 Mar.
    #   9: 31 Mar, 1–3 Apr, (6 Apr 清明), 7 Apr → 7 Apr.      10: 8, 9, 10 Apr → 10 Apr.
    #   竣工 expected 15 Sep (later than 10 Apr, so the estimate rules).
    #   13: 16, 17, 18 Sep, Sun 20 Sep (make-up), 21, 22, 23 Sep → 23 Sep.  14: … 21 Sep.
    #   15 (after 23 Sep): 24 Sep, (25–27 中秋), 28, 29, 30 Sep, (1–7 Oct 国庆), 8 Oct → 8 Oct.
    #   16: 9 Oct, Sat 10 Oct (make-up), 12, 13, 14 Oct → 14 Oct.
    result = forecast(route(), MONDAY, CAL)
    assert result.completion_date == date(2026, 10, 14)
    assert result.critical_path == ["竣工", "13", "15", "16"]
    s = result.schedule
    assert s["1"] == (date(2026, 3, 3), date(2026, 3, 3))
    assert s["4"] == (date(2026, 3, 11), date(2026, 3, 19))
    assert s["9"][1] == date(2026, 4, 7)
    assert s["10"] == (date(2026, 4, 8), date(2026, 4, 10))
    assert s["11"][1] == date(2026, 4, 24) and s["12"][1] == date(2026, 4, 17)
    assert s["竣工"][1] == date(2026, 9, 15)
    assert s["13"][1] == date(2026, 9, 23) and s["14"][1] == date(2026, 9, 21)
    assert s["15"][1] == date(2026, 10, 8)
    assert result.working_days == CAL.workdays_between(MONDAY, date(2026, 10, 14))
    assert not result.provisional
    assert result.unknown_milestones == [] and result.late == []


def test_unknown_construction_date_is_assumed_immediate_and_flagged() -> None:
    # 竣工 happens on 10 Apr (when 10 finishes). 13: 13–17, 20, 21 Apr → 21 Apr. 15: 22–24, 27,
    # 28 Apr → 28 Apr. 16: 29, 30 Apr, (1–5 May 劳动节), 6, 7, 8 May → 8 May.
    result = forecast(route(completion_expected=None), MONDAY, CAL)
    assert result.completion_date == date(2026, 5, 8)
    assert result.unknown_milestones == ["竣工"]
    # 4 waits for 2 and 3 (both 10 Mar): the first listed is taken.
    assert result.critical_path == ["1", "2", "4", "8", "9", "10", "竣工", "13", "15", "16"]


def test_milestone_gates_its_followers_until_it_is_done() -> None:
    nodes = route()
    done = [replace(n, finished_on=date(2026, 11, 2)) if n.key == "竣工" else n for n in nodes]
    result = forecast(done, MONDAY, CAL)
    # 13 accepted on 2 Nov: 3–6, 9–11 Nov → 11 Nov; 15: 12, 13, 16–18 Nov → 18 Nov;
    # 16: 19, 20, 23–25 Nov → 25 Nov.
    assert result.schedule["13"][1] == date(2026, 11, 11)
    assert result.completion_date == date(2026, 11, 25)
    assert result.critical_path == ["竣工", "13", "15", "16"]


def test_a_stale_estimate_cannot_finish_before_today() -> None:
    today = date(2026, 10, 12)
    nodes = [
        PlanNode("10", "approval", wd(3), finished_on=date(2026, 4, 10)),
        PlanNode("竣工", "milestone", None, ["10"], expected_on=date(2026, 9, 15)),
        PlanNode("14", "approval", wd(5), ["竣工"]),
    ]
    result = forecast(nodes, today, CAL)
    assert result.schedule["竣工"][1] == today
    # 13–16, 19 Oct.
    assert result.completion_date == date(2026, 10, 19)
    assert result.critical_path == ["竣工", "14"]


def test_decided_approvals_use_their_actual_dates() -> None:
    today = date(2026, 3, 20)
    nodes = route()
    actual = {"1": date(2026, 3, 3), "2": date(2026, 3, 20), "3": date(2026, 3, 9)}
    nodes = [replace(n, finished_on=actual[n.key]) if n.key in actual else n for n in nodes]
    result = forecast(nodes, today, CAL)
    assert result.schedule["2"][1] == date(2026, 3, 20)  # not the planned 10 Mar
    # 4 accepted today (2 decided today): 23–27, 30, 31 Mar → 31 Mar. 2 is on the path.
    assert result.schedule["4"] == (date(2026, 3, 23), date(2026, 3, 31))
    assert result.critical_path[:2] == ["竣工", "13"]
    path_to_10 = forecast([n for n in nodes if n.key in {"1", "2", "3", "4", "5", "6", "8", "9", "10"}], today, CAL)
    assert path_to_10.critical_path == ["2", "4", "8", "9", "10"]


def test_started_approvals_finish_on_their_clock_due_date_or_today_when_late() -> None:
    today = date(2026, 3, 20)
    nodes = [
        PlanNode("a", "approval", wd(5), due_on=date(2026, 3, 25), started_on=date(2026, 3, 18)),
        PlanNode("b", "approval", wd(5), due_on=date(2026, 3, 13), started_on=date(2026, 3, 6)),
        PlanNode("c", "approval", wd(3), ["a", "b"]),
    ]
    result = forecast(nodes, today, CAL)
    assert result.schedule["a"] == (date(2026, 3, 19), date(2026, 3, 25))
    assert result.schedule["b"][1] == today
    assert result.late == ["b"]
    # c accepted 25 Mar: 26, 27, 30 Mar.
    assert result.completion_date == date(2026, 3, 30)
    assert result.critical_path == ["a", "c"]


def test_optional_items_do_not_decide_completion() -> None:
    nodes = [
        PlanNode("main", "approval", wd(3)),
        PlanNode("extra", "approval", wd(30), required=False),
    ]
    result = forecast(nodes, MONDAY, CAL)
    assert result.completion_date == date(2026, 3, 5)
    assert result.schedule["extra"][1] > result.completion_date


def test_milestone_with_a_duration_and_calendar_day_items() -> None:
    nodes = [
        PlanNode("permit", "approval", wd(3)),
        PlanNode("build", "milestone", Limit(180, "calendar_day"), ["permit"]),
        PlanNode("env", "approval", Limit(30, "calendar_day"), ["build"]),
    ]
    result = forecast(nodes, MONDAY, CAL)
    # permit 5 Mar; build 5 Mar + 180 days = 1 Sep; env 1 Sep + 30 = Thu 1 Oct (国庆) → 8 Oct.
    assert result.schedule["build"][1] == date(2026, 9, 1)
    assert result.completion_date == date(2026, 10, 8)
    assert result.unknown_milestones == []


def test_forecast_running_into_2027_is_provisional() -> None:
    result = forecast([PlanNode("x", "approval", wd(20))], date(2026, 12, 15), CAL)
    assert result.completion_date == date(2027, 1, 13)
    assert result.provisional
    assert result.working_days == 20


def test_finished_project_completes_on_its_last_date() -> None:
    nodes = [
        PlanNode("a", "approval", wd(3), finished_on=date(2026, 3, 5)),
        PlanNode("b", "approval", wd(3), ["a"], finished_on=date(2026, 3, 10)),
    ]
    result = forecast(nodes, date(2026, 4, 1), CAL)
    assert (result.completion_date, result.working_days, result.critical_path) == (date(2026, 3, 10), 0, ["b"])


def test_empty_or_optional_only_plan_has_no_completion() -> None:
    assert forecast([], MONDAY, CAL).completion_date is None
    only = forecast([PlanNode("x", "approval", wd(1), required=False)], MONDAY, CAL)
    assert only.completion_date is None and only.critical_path == [] and "x" in only.schedule


def test_cycles_are_rejected_naming_the_loop() -> None:
    nodes = [
        PlanNode("a", "approval", wd(1)),
        PlanNode("b", "approval", wd(1), ["a", "d"]),
        PlanNode("c", "approval", wd(1), ["b"]),
        PlanNode("d", "approval", wd(1), ["c"]),
    ]
    with pytest.raises(ForecastError, match="cycle") as caught:
        forecast(nodes, MONDAY, CAL)
    loop = str(caught.value).split(":", 1)[1].split(" → ")
    assert [k.strip() for k in loop] == ["b", "c", "d", "b"]


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([PlanNode("a", "approval", wd(1)), PlanNode("a", "approval", wd(1))], "twice"),
        ([PlanNode("a", "approval", wd(1), ["zz"])], "unknown prerequisite 'zz'"),
        ([PlanNode("a", "approval", None)], "no promised limit"),
        ([PlanNode("a", "approval", wd(1), ["a"])], "cycle"),
    ],
)
def test_bad_plans_are_rejected(nodes: list[PlanNode], message: str) -> None:
    with pytest.raises(ForecastError, match=message):
        forecast(nodes, MONDAY, CAL)


def test_large_plans_are_linear() -> None:
    # A 20,000-node chain and a 20,000-node fan-in: no recursion, no quadratic work.
    chain = [PlanNode(str(i), "approval", wd(0), [str(i - 1)] if i else []) for i in range(20_000)]
    fan = [PlanNode("root", "approval", wd(1))] + [
        PlanNode(f"n{i}", "approval", wd(1), ["root"], required=False) for i in range(20_000)
    ]
    fan.append(PlanNode("sink", "approval", wd(1), [f"n{i}" for i in range(20_000)]))
    started = time.perf_counter()
    assert forecast(chain, MONDAY, CAL).completion_date == MONDAY
    assert forecast(fan, MONDAY, CAL).completion_date == date(2026, 3, 5)
    assert time.perf_counter() - started < 5

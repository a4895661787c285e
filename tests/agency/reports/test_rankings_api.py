"""The monthly rankings on a month of their own (August 2026): one 施工许可 accepted and approved on the day
(3 working days promised, 7 statutory: on time, speed-up (7 − 0) ÷ 7 = 1), rated 5 (满意率 1). Score =
100 × (0.4·1 + 0.2·1 + 0.3·1) ÷ 0.9 = 100 (no 即办 item that month: its weight is left out)."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO

import pytest
from openpyxl import load_workbook

from agency.reports.rankings import Criteria, score_of
from agency.settings import Settings, SettingsError
from tests.agency.approvals.flow import approved_with_commitment
from tests.agency.evaluations.apps import api_with_handlers
from tests.support import Api
from tests.web.browsers import browser_of


@pytest.mark.today("2026-08-12")
async def test_the_window_and_the_officer_of_a_month_are_ranked_on_their_figures(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await api.client.post("/api/evaluations", headers=enterprise,
                                  json={"approval_id": sgxk, "score": 5})).status_code == 201
    leader = await api.user_headers("leader")
    assert (await api.client.get("/api/reports/rankings", headers=d.clerk,
                                 params={"month": "2026-08"})).status_code == 403
    bad = await api.client.get("/api/reports/rankings", headers=leader, params={"month": "2026-13"})
    assert bad.status_code == 422 and bad.json()["extra"][0]["field"] == "month"
    result = (await api.client.get("/api/reports/rankings", headers=leader, params={"month": "2026-08"})).json()
    assert result["month"] == "2026-08" and result["criteria"]["weights"]["on_time_rate"] == 0.4
    window = next(w for w in result["windows"] if w["department_code"] == "zjj")
    assert window["figures"] == {"completed": 1, "on_time_rate": 1.0, "speedup_rate": 1.0, "satisfaction_rate": 1.0,
                                 "rated": 1, "same_day_rate": None, "violations": 0, "rectifications_overdue": 0}
    assert (window["score"], window["rank"], window["flag"]) == (100.0, 1, True)
    handler = (await d.get(sgxk))["handler"]["id"]
    officer = next(s for s in result["staff"] if s["user_id"] == handler)
    assert (officer["score"], officer["model"], officer["figures"]["completed"]) == (100.0, True, 1)
    idle = next(w for w in result["windows"] if w["department_code"] == "fgj")
    assert (idle["figures"]["completed"], idle["flag"]) == (0, False)


@pytest.mark.today("2026-08-12")
async def test_the_leaders_dashboard_shows_the_months_standing(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    await api.client.post("/api/evaluations", headers=enterprise, json={"approval_id": sgxk, "score": 5})
    leader = await api.user_headers("leader")
    username = (await api.client.get("/api/me", headers=leader)).json()["username"]
    browser = await browser_of(api.client, username)
    shown = (await browser.get("/app/dashboard")).text
    assert "本月红旗窗口与服务标兵（2026-08，截至今日）" in shown and "得分 = 100 ×" in shown
    assert "住房和城乡建设局" in shown and "<td data-label=\"红旗窗口\">红旗窗口</td>" in shown


@pytest.mark.today("2026-09-16")
async def test_the_rankings_spreadsheet_carries_the_figures_and_the_criteria(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    await api.client.post("/api/evaluations", headers=enterprise, json={"approval_id": sgxk, "score": 5})
    leader = await api.user_headers("leader")
    params = {"month": "2026-09", "format": "xlsx"}
    assert (await api.client.get("/api/reports/rankings", headers=d.clerk, params=params)).status_code == 403
    bad = await api.client.get("/api/reports/rankings", headers=leader, params={"month": "2026-09", "format": "pdf"})
    assert bad.status_code == 400 or bad.status_code == 422
    sheet = await api.client.get("/api/reports/rankings", headers=leader, params=params)
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert "filename*=UTF-8''" in sheet.headers["content-disposition"]
    book = load_workbook(BytesIO(sheet.content))
    assert book.sheetnames == ["窗口排名", "人员排名", "评比标准"]
    windows = [list(r) for r in book["窗口排名"].iter_rows(min_row=2, values_only=True)]
    assert windows[0] == ["名次", "窗口（部门）", "得分", "红旗窗口", "办结件数", "按时办结率", "提速率", "评价件数",
                          "满意率", "即办率", "违法情形", "逾期未整改"]
    assert windows[1] == [1, "住房和城乡建设局", 100, "是", 1, 1, 1, 1, 1, None, 0, 0]
    handler = (await d.get(sgxk))["handler"]
    staff = {r[1]: list(r) for r in book["人员排名"].iter_rows(min_row=3, values_only=True)}
    # The officer and the project's clerk both score 100 on the one item (the clerk has no rating of himself).
    assert sorted(row[0] for row in staff.values()) == [1, 2]
    assert staff[handler["display_name"]][2:5] == ["住房和城乡建设局", 100, "是"]
    assert staff[d.project["clerk"]["display_name"]][2:5] == ["代办服务中心", 100, "是"]
    criteria = {r[0]: r[1] for r in book["评比标准"].iter_rows(values_only=True)}
    assert criteria["按时办结率权重"] == 0.4 and criteria["红旗窗口最低得分"] == 90
    assert str(criteria["评比标准"]).startswith("得分 = 100 × 按时办结率×0.4、提速率×0.2、满意率")


@pytest.mark.today("2026-09-09")
async def test_the_administrators_weights_and_thresholds_make_the_score(settings: Settings) -> None:
    """A bad rating (2) of the on-time, sped-up 施工许可 opens a rectification due 16 September, unanswered by the end
    of the month. Default criteria: 100 × (0.4·1 + 0.2·1 + 0.3·0) ÷ 0.9 − 5 = 61.67, no flag. Weighted on the
    on-time rate alone with no penalty and a flag at 100: 100 × 1 = 100, flagged."""
    weights = (("on_time_rate", 1.0), ("speedup_rate", 0.0), ("satisfaction_rate", 0.0), ("same_day_rate", 0.0))
    chosen = replace(settings, ranking_weights=weights, ranking_penalty=0, ranking_flag_at_least=100)
    async with api_with_handlers(settings) as api:
        d, sgxk = await approved_with_commitment(api)
        enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
        assert (await api.client.post("/api/evaluations", headers=enterprise,
                                      json={"approval_id": sgxk, "score": 2})).status_code == 201
        leader = await api.user_headers("leader")
        default = (await api.client.get("/api/reports/rankings", headers=leader, params={"month": "2026-09"})).json()
        zjj = next(w for w in default["windows"] if w["department_code"] == "zjj")
        assert (zjj["score"], zjj["flag"], zjj["figures"]["rectifications_overdue"]) == (61.67, False, 1)
    async with api_with_handlers(chosen) as api:
        leader = await api.user_headers("leader")
        result = (await api.client.get("/api/reports/rankings", headers=leader, params={"month": "2026-09"})).json()
        zjj = next(w for w in result["windows"] if w["department_code"] == "zjj")
        assert (zjj["score"], zjj["flag"]) == (100.0, True)
        assert result["criteria"]["weights"] == dict(weights)
        assert result["criteria"]["text"].startswith("得分 = 100 × 按时办结率×1 的加权平均")
        assert "不低于 100 分的部门为红旗窗口" in result["criteria"]["text"]


def test_the_weights_setting_is_read_and_checked() -> None:
    env = {"AGENCY_RANKING_WEIGHTS": "on_time_rate:0.5, speedup_rate:0.1,satisfaction_rate:0.4,same_day_rate:0",
           "AGENCY_RANKING_PENALTY": "3", "AGENCY_RANKING_FLAG_AT_LEAST": "95"}
    read = Settings.from_env(env)
    assert read.ranking_weights == (("on_time_rate", 0.5), ("speedup_rate", 0.1), ("satisfaction_rate", 0.4),
                                    ("same_day_rate", 0.0))
    criteria = Criteria.of(read)
    assert (criteria.penalty, criteria.flag_at_least, criteria.model_at_least) == (3.0, 95.0, 90.0)
    assert score_of({"on_time_rate": 1.0, "speedup_rate": 0.5, "satisfaction_rate": None, "violations": 1},
                    criteria) == round(100 * (0.5 + 0.05) / 0.6 - 3, 2)
    for bad in ("on_time_rate:1", "on_time_rate:x,speedup_rate:0,satisfaction_rate:0,same_day_rate:0",
                "on_time_rate:0,speedup_rate:0,satisfaction_rate:0,same_day_rate:0", "speed:1"):
        with pytest.raises(SettingsError, match="AGENCY_RANKING_WEIGHTS"):
            Settings.from_env({"AGENCY_RANKING_WEIGHTS": bad})


@pytest.mark.today("2026-04-15")
async def test_officers_and_clerks_are_ranked_together_on_the_ratings_of_themselves(api: Api) -> None:
    """April 2026 (a month no other test decides in: the windows' figures are this test's): one 施工许可
    approved on the day (on time, speed-up 1) by the 住建 officer, on the clerk's project. The enterprise rates
    the officer 5 and the approval 4 (both count for the officer: 2 of 2 satisfied) and the clerk 2 for 2026Q2
    (0 of 1), which opens the office's rectification due 22 April, unanswered. Officer: 100 × (0.4·1 + 0.2·1 +
    0.3·1) ÷ 0.9 = 100, 服务标兵. Clerk: 100 × (0.4·1 + 0.2·1 + 0.3·0) ÷ 0.9 − 5 = 61.67, second. Upheld, the
    clerk's appeal leaves his satisfaction unmeasured: 100 × (0.4 + 0.2) ÷ 0.6 − 5 = 95, 服务标兵; the window's
    figures ignore the ratings of persons."""
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    for body in ({"target": "officer", "approval_id": sgxk, "score": 5}, {"approval_id": sgxk, "score": 4},
                 {"target": "clerk", "project_id": d.project["id"], "occasion": "2026Q2", "score": 2}):
        rated = await api.client.post("/api/evaluations", headers=enterprise, json=body)
        assert rated.status_code == 201, rated.text
    clerk_rating = rated.json()["id"]
    leader = await api.user_headers("leader")
    handler = (await d.get(sgxk))["handler"]["id"]
    clerk_id = d.project["clerk"]["id"]

    async def staff() -> dict[int, dict[str, object]]:
        result = (await api.client.get("/api/reports/rankings", headers=leader, params={"month": "2026-04"})).json()
        zjj = next(w for w in result["windows"] if w["department_code"] == "zjj")
        assert (zjj["figures"]["rated"], zjj["figures"]["satisfaction_rate"], zjj["figures"]["rectifications_overdue"],
                zjj["score"], zjj["flag"]) == (1, 1.0, 0, 100.0, True)
        return {s["user_id"]: s for s in result["staff"]}

    ranked = await staff()
    assert set(ranked) == {handler, clerk_id}
    officer, clerk = ranked[handler], ranked[clerk_id]
    assert officer["figures"] == {"completed": 1, "on_time_rate": 1.0, "speedup_rate": 1.0, "satisfaction_rate": 1.0,
                                  "rated": 2, "same_day_rate": None, "violations": 0, "rectifications_overdue": 0}
    assert (officer["score"], officer["rank"], officer["model"], officer["role_name"], officer["unit_name"]) == (
        100.0, 1, True, "部门经办人", "住房和城乡建设局")
    assert clerk["figures"] == {"completed": 1, "on_time_rate": 1.0, "speedup_rate": 1.0, "satisfaction_rate": 0.0,
                                "rated": 1, "same_day_rate": None, "violations": 0, "rectifications_overdue": 1}
    assert (clerk["score"], clerk["rank"], clerk["model"], clerk["role_name"], clerk["unit_name"]) == (
        61.67, 2, False, "代办员", "代办服务中心")

    appeal = f"/api/evaluations/{clerk_rating}/appeal"
    assert (await api.client.post(appeal, headers=d.clerk, json={"reason": "本季度按时办结"})).status_code == 200
    assert (await api.client.post(f"{appeal}/decision", headers=leader, json={"upheld": True})).status_code == 200
    clerk = (await staff())[clerk_id]
    figures = clerk["figures"]
    assert (figures["satisfaction_rate"], figures["rated"], figures["rectifications_overdue"], clerk["score"],
            clerk["model"]) == (None, 0, 1, 95.0, True)

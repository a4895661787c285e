"""The administrator edits the ranking criteria on a page: saved in the database (the settings are the defaults
shown beside each field), printed with the rankings at once, refused field by field in Chinese, guarded by the
version the form showed, each change an audit line; other roles get 403."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from agency.audit.models import AuditEvent
from agency.reports.models import RankingCriteriaRow
from tests.support import Api
from tests.web.browsers import browser_of

PATH = "/app/admin/ranking-criteria"
CHOSEN = {"on_time_rate": "1", "speedup_rate": "0", "satisfaction_rate": "0", "same_day_rate": "0", "penalty": "0",
          "flag_at_least": "100", "model_at_least": "95", "min_completed": "2", "version": ""}


@pytest.mark.today("2026-09-09")
async def test_the_administrator_sets_the_criteria_the_rankings_print(api: Api) -> None:
    admin = (await api.client.get("/api/me", headers=api.admin_headers)).json()["username"]
    browser = await browser_of(api.client, admin)
    leader = await api.user_headers("leader")
    try:
        shown = await browser.get(PATH)
        assert shown.status_code == 200 and "尚未修改，现行标准为系统配置的默认值" in shown.text
        assert "现行标准：得分 = 100 × 按时办结率×0.4、提速率×0.2" in shown.text
        for wrong, message in (({"on_time_rate": "很高"}, "按时办结率权重须为数字"),
                               ({"penalty": "101"}, "每项扣分须在 0 到 100 之间"),
                               ({"min_completed": "1.5"}, "最少办结件数须为整数"),
                               ({"on_time_rate": "0"}, "各项权重不能全为 0")):
            refused = await browser.post(PATH, {**CHOSEN, **wrong}, page=PATH)
            assert refused.status_code == 422 and message in refused.text, wrong
        saved = await browser.post(PATH, CHOSEN, page=PATH)
        assert saved.status_code == 303 and "ok=" in saved.headers["location"]
        result = (await api.client.get("/api/reports/rankings", headers=leader, params={"month": "2026-09"})).json()
        assert result["criteria"]["weights"] == {"on_time_rate": 1.0, "speedup_rate": 0.0, "satisfaction_rate": 0.0,
                                                 "same_day_rate": 0.0}
        assert (result["criteria"]["flag_window_at_least"], result["criteria"]["model_staff_at_least"],
                result["criteria"]["min_completed"]) == (100.0, 95.0, 2)
        assert result["criteria"]["text"].startswith("得分 = 100 × 按时办结率×1 的加权平均")
        again = await browser.get(PATH)
        assert "已由管理员设置（第 1 版）" in again.text and "（默认 0.4）" in again.text
        # A form showing the settings, posted after the first save, would overwrite it unseen: refused.
        stale = await browser.post(PATH, {**CHOSEN, "penalty": "3"}, page=PATH)
        assert stale.status_code == 409 and "已被他人修改" in stale.text
        async with api.sessions() as session:
            line = (await session.execute(select(AuditEvent).where(
                AuditEvent.action == "ranking_criteria.update"))).scalars().one()
        assert line.before is not None and line.after is not None
        assert (line.before["weights"]["on_time_rate"], line.after["weights"]["on_time_rate"]) == (0.4, 1.0)
        assert line.after["min_completed"] == 2
        assert (await (await browser_of(api.client, (await api.client.get(
            "/api/me", headers=leader)).json()["username"])).get(PATH)).status_code == 403
    finally:  # the database is shared by the session's tests: back to the settings
        async with api.sessions() as session:
            await session.execute(delete(RankingCriteriaRow))
            await session.commit()

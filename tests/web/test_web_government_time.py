"""The leader's government-time report on the pages: the dashboard's section with its chart and the report page
with its filters and spreadsheet, on a hand-computed month."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.agency.coordination.test_government_time import decided_projects
from tests.support import Api
from tests.web.browsers import browser_of


@pytest.mark.today("2026-12-01")
async def test_the_leader_reads_the_government_time_on_the_dashboard_and_downloads_it(api: Api) -> None:
    """Three technical-upgrade projects decided Thursday 30 April 2026 after 3, 40 and 95 government working days:
    median 40, 90th percentile 95, two of three within the 90-day target; the 95-day one is the worst."""
    names = await decided_projects(api, "tech_upgrade", date(2026, 4, 30), [3, 95, 40])
    leader = await browser_of(api.client, str((await api.client.get(
        "/api/me", headers=await api.user_headers("leader"))).json()["username"]))
    dashboard = (await leader.get("/app/dashboard")).text
    assert "政府审批用时（2026-01-01 至 2026-12-01）" in dashboard
    assert '<svg class="chart" id="chart-government-time"' in dashboard
    assert "技术改造项目审批路线2026-04：中位数40日，90%分位95日，目标90日，目标内67%" in dashboard  # the chart's words

    url = "/app/reports/government-time?from=2026-04-01&to=2026-04-30&route_code=tech_upgrade"
    shown = await leader.get(url)
    assert shown.status_code == 200
    row = shown.text.split('id="government-time-table"')[1]
    for figure in ("技术改造项目审批路线", "2026-04", ">3<", ">40<", ">95<", "2/3（67%）", f"{names[1]}</a> 95 日",
                   "超目标", "主要在“立项用地规划”阶段"):
        assert figure in row, figure
    assert row.index(names[1]) < row.index(names[2]) < row.index(names[0])  # the worst first
    assert "截止日期早于起始日期" in (await leader.get(
        "/app/reports/government-time?from=2026-04-30&to=2026-04-01")).text

    sheet = await leader.get("/app/reports/government-time.xlsx?from=2026-04-01&to=2026-04-30&route_code=tech_upgrade")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    cells = [list(r) for r in load_workbook(BytesIO(sheet.content)).active.iter_rows(min_row=3, values_only=True)]
    assert cells[0][:7] == ["技术改造项目审批路线", "2026-04", 3, 40, 95, 2, 2 / 3]

    clerk = await browser_of(api.client, str((await api.client.get(
        "/api/me", headers=await api.user_headers("clerk"))).json()["username"]))
    assert (await clerk.get(url)).status_code == 403

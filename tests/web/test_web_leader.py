"""The leader's dashboard tells the truth: the overdue chart counts approvals past their due date by their clocks,
so resolving an escalation card leaves the fact on the chart; its charts carry their values; the spreadsheet has
a totals row and the definitions of its rates."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from agency import timeutil
from agency.access import Actor, Role
from agency.app import create_app
from agency.approvals import workviews
from agency.approvals.models import Approval
from agency.catalog.models import Department
from agency.cli import in_session
from agency.escalation.models import Escalation
from agency.reports import service as reports
from agency.settings import Settings
from tests.web.conftest import demo_login
from tests.web.test_web_pages import TOKEN_RE

LEADER = Actor(user_id=None, username="leader", role=Role.LEADER)


@pytest.fixture
async def web(demo_settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(demo_settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as c:
        yield c


def _overdue_chart(page: str) -> str:
    found = re.search(r'<svg class="chart" id="chart-overdue".*?</svg>', page, re.S)
    assert found, page[:2000]
    return found.group(0)


async def _card_for_an_overdue_approval(settings: Settings) -> tuple[int, str, int]:
    """An open red card on an approval that its clock says is overdue: (card id, department name, overdue count)."""
    async def make(session: Any) -> tuple[int, str, int]:
        today = timeutil.today_local()
        overdue = await reports.overdue_by_department(session, LEADER, today)
        assert overdue, "the demo (a month on) has no approval past its due date"
        code, count = sorted(overdue.items())[0]
        rows, _ = await workviews.rows(session, LEADER, workviews.RED, today=today, page_size=1, department_code=code)
        first = rows[0].approval
        card = Escalation(subject_id=first.id, approval_id=first.id, project_id=first.project_id,
                          department_code=code, level="red", rule="clock", as_of=today, fired_at=timeutil.now(),
                          due_on=rows[0].clock.due_on, overdue_workdays=1, status="open")
        session.add(card)
        await session.flush()
        department = await session.get(Department, code)
        return card.id, department.name, count

    return await in_session(make, settings)  # type: ignore[no-any-return]


async def test_resolving_a_card_leaves_the_overdue_fact_on_the_chart(web: AsyncTestClient[Any],
                                                                     demo_settings: Settings) -> None:
    # A month on, the demo's accepted approvals are past their promised dates.
    later = timeutil.ShiftedClock.on_day(timeutil.today_local() + timedelta(days=45))
    with timeutil.clock_set_to(later):
        card_id, department, count = await _card_for_an_overdue_approval(demo_settings)
        await demo_login(web, demo_settings, "leader")
        page = (await web.get("/app/dashboard")).text
        chart = _overdue_chart(page)
        assert f"{department} {count}" in chart  # the figure in the chart's description
        assert re.search(rf'<text class="value[^"]*"[^>]*>{count}</text>', chart)  # and on its bar
        token = TOKEN_RE.search(page).group(1)  # type: ignore[union-attr]
        resolved = await web.post(f"/app/escalations/{card_id}/resolve", data={"_csrf_token": token,
                                                                               "note": "已协调部门加快办理"})
        assert resolved.status_code == 200 and "督办已办结" in resolved.text
        assert f"/app/escalations/{card_id}/resolve" not in resolved.text  # the card is closed …
        assert f"{department} {count}" in _overdue_chart(resolved.text)  # … the fact is not


async def test_the_overdue_chart_counts_every_red_item_of_each_department(demo_settings: Settings) -> None:
    # Each bar is the total of its department's 红牌 / 督办 list, and the bars add up to the whole list's total.
    later = timeutil.ShiftedClock.on_day(timeutil.today_local() + timedelta(days=45))
    with timeutil.clock_set_to(later):
        async def figures(session: Any) -> tuple[dict[str, int], dict[str, int], int]:
            today = timeutil.today_local()
            chart = await reports.overdue_by_department(session, LEADER, today)
            listed = {code: (await workviews.rows(session, LEADER, workviews.RED, today=today, page_size=1000,
                                                  department_code=code))[1] for code in chart}
            _, total = await workviews.rows(session, LEADER, workviews.RED, today=today, page_size=0)
            return chart, listed, total

        chart, listed, total = await in_session(figures, demo_settings)
    assert len(chart) >= 2, chart  # the demo a month on: several departments past their dates
    assert chart == listed
    assert sum(chart.values()) == total


async def test_the_levels_chart_counts_every_escalation_of_its_30_days(web: AsyncTestClient[Any],
                                                                        demo_settings: Settings) -> None:
    today = timeutil.today_local()

    async def fire_and_count(session: Any) -> dict[str, int]:
        approval = (await session.execute(select(Approval).order_by(Approval.id).limit(1))).scalar_one()
        session.add_all([Escalation(subject_id=approval.id, approval_id=approval.id, project_id=approval.project_id,
                                    department_code=approval.department_code, level=level, rule="clock",
                                    as_of=today - timedelta(days=days), fired_at=timeutil.now(), due_on=today,
                                    overdue_workdays=1, status="resolved", occasion=f"chart-{n}")
                         for n, (level, days) in enumerate([("red", 0)] * 7 + [("l3", 29)] * 3 + [("yellow", 30)] * 5)])
        await session.flush()
        return {level: (await session.execute(select(func.count()).select_from(Escalation).where(
            Escalation.level == level, Escalation.as_of.between(today - timedelta(days=29), today)))).scalar_one()
            for level in ("yellow", "red", "l3")}

    fired = await in_session(fire_and_count, demo_settings)
    assert fired["red"] >= 7 and fired["l3"] >= 3  # what was fired on the chart's first and last day counts
    await demo_login(web, demo_settings, "leader")
    chart = re.search(r'<svg class="chart" id="chart-levels".*?</svg>', (await web.get("/app/dashboard")).text, re.S)
    assert chart
    for level, name in (("yellow", "黄牌"), ("red", "红牌"), ("l3", "督办")):
        assert f"{name} {fired[level]} 次" in chart.group(0)  # a card fired 30 days ago is not among them


async def test_the_report_spreadsheet_has_totals_and_definitions(web: AsyncTestClient[Any],
                                                                 demo_settings: Settings) -> None:
    from openpyxl import load_workbook

    await demo_login(web, demo_settings, "leader")
    today = timeutil.today_local()
    response = await web.get(f"/app/reports.xlsx?from={today.replace(month=1, day=1)}&to={today}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["部门办件统计"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    headers = rows[1]
    totals = next(r for r in rows if r[0] == "合计")
    departments = [r for r in rows[2:] if r[0] not in (None, "合计") and r[1]]
    completed = headers.index("办结件数")
    assert totals[completed] == sum(r[completed] for r in departments)
    on_time = headers.index("按时办结率")
    on_time_cell = sheet.cell(row=rows.index(totals) + 1, column=on_time + 1)
    assert on_time_cell.number_format == "0.0%"
    done = totals[completed]
    expected = totals[headers.index("按时办结件数")] / done if done else None
    assert on_time_cell.value == (pytest.approx(expected) if expected is not None else None)
    definitions = book["指标说明"]
    terms = {row[0].value: row[1].value for row in definitions.iter_rows(min_row=2) if row[0].value}
    for rate in ("按时办结率", "提速率", "满意率", "评议率"):
        assert rate in terms and "÷" in terms[rate], (rate, terms)
    assert "合计" in terms
    page = (await web.get(f"/app/reports?from={today.replace(month=1, day=1)}&to={today}")).text
    footer = page.split('id="report-totals"')[1].split("</tr>")[0]
    assert "合计" in footer and f"<strong>{totals[completed]}</strong>" in footer

"""The government's time on a project, in working days, on a hand-computed case (2026 calendar: Sunday 20
September and Saturday 10 October are make-up working days; 25 September and 1–7 October are holidays)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from agency.approvals.models import Approval
from agency.calendar.seed import default_calendar
from agency.calendar.service import get_calendar
from agency.calendar.workdays import WorkCalendar
from agency.coordination.government import Span, government_workdays
from tests.agency.approvals.flow import open_dossier
from tests.support import Api

CALENDAR = default_calendar()


async def test_government_days_exclude_supplements_special_procedures_gaps_and_an_idle_paused_mandate(
        api: Api) -> None:
    """Four items, by hand:

    * 备案: submitted Mon 14 Sep, decided Wed 16 Sep — 15, 16: **2**.
    * 规划许可: submitted Fri 18 Sep (17 and 18 are the enterprise's, between two items), accepted Mon 21, a
      supplement pauses it (22, 24] — 23 and 24 out — decided Wed 30: 20 (make-up Sunday), 21, 22, 28, 29, 30
      (25 a holiday): **6**.
    * 环评: submitted 28 Sep, accepted 29, a special procedure (expert review) pauses it (9 Oct, 13 Oct] —
      Saturday 10 (a make-up day) to 13 out — decided 16 Oct: beyond 29 and 30 already counted, 8, 9, 14, 15,
      16: **5**.
    * 施工许可: submitted 14 Oct, accepted 21, decided 23 Oct, while the mandate was paused (14 Oct, 20 Oct]: 15
      and 16 count already (环评 accepted and running), 19 and 20 do not (nothing accepted runs), then 21, 22,
      23: **3**.

    Total 16 working days."""
    async with api.sessions() as session:
        calendar = await get_calendar(session)
    spans = [
        Span(date(2026, 9, 14), date(2026, 9, 16), accepted_on=date(2026, 9, 14)),
        Span(date(2026, 9, 18), date(2026, 9, 30), accepted_on=date(2026, 9, 21),
             pauses=((date(2026, 9, 22), date(2026, 9, 24)),)),
        Span(date(2026, 9, 28), date(2026, 10, 16), accepted_on=date(2026, 9, 29),
             pauses=((date(2026, 10, 9), date(2026, 10, 13)),)),
        Span(date(2026, 10, 14), date(2026, 10, 23), accepted_on=date(2026, 10, 21)),
    ]
    mandate = [(date(2026, 10, 14), date(2026, 10, 20))]
    assert government_workdays(spans, mandate, calendar, date(2026, 12, 1)) == 16
    # Without the mandate's pause 19 and 20 October are the departments' too.
    assert government_workdays(spans, [], calendar, date(2026, 12, 1)) == 18
    # Read on 22 October, the running items count up to that day only.
    assert government_workdays(spans, mandate, calendar, date(2026, 10, 22)) == 15


@pytest.mark.today("2026-12-01")
async def test_the_project_shows_its_government_days_against_the_routes_target(api: Api) -> None:
    general, upgrade = await open_dossier(api), await open_dossier(api, "tech_upgrade")
    await general.force_approved("xmba", on=date(2026, 11, 30))
    xmba = general.approval_id("xmba")
    await api.execute(update(Approval).where(Approval.id == xmba).values(submitted_on=date(2026, 11, 25)))
    shown = (await api.client.get(f"/api/projects/{general.project['id']}", headers=general.clerk)).json()
    # Submitted Wednesday 25 November, decided Monday 30: 26, 27 and 30.
    assert (shown["government_workdays"], shown["government_target_workdays"]) == (3, 120)
    other = (await api.client.get(f"/api/projects/{upgrade.project['id']}", headers=upgrade.clerk)).json()
    assert (other["government_workdays"], other["government_target_workdays"]) == (0, 90)


@pytest.mark.today("2026-12-01")
async def test_the_leaders_report_gives_median_p90_share_within_target_and_the_worst_projects(api: Api) -> None:
    """Three general projects whose last decision fell on Friday 31 July 2026, with 2, 4 and 130 government days
    (submitted 29 July, 27 July, and 130 working days before): median 4, 90th percentile 130, two of three
    within 120."""
    async with api.sessions() as session:
        calendar = await get_calendar(session)
    submissions = [date(2026, 7, 29), date(2026, 7, 27), calendar.add_workdays(date(2026, 7, 31), -130)]  # 2, 4, 130
    names = []
    for submitted in submissions:
        d = await open_dossier(api)
        await api.execute(update(Approval).where(Approval.id == d.approval_id("xmba")).values(
            status="approved", submitted_on=submitted, decided_on=date(2026, 7, 31), status_since=date(2026, 7, 31)))
        names.append(d.project["name"])
    leader = await api.user_headers("leader")
    clerk = await api.user_headers("clerk")
    url = "/api/reports/government-time"
    params = {"from": "2026-07-01", "to": "2026-07-31", "route_code": "new_industrial"}
    assert (await api.client.get(url, headers=clerk, params=params)).status_code == 403
    rows = (await api.client.get(url, headers=leader, params=params)).json()
    assert [(r["route_code"], r["month"], r["projects"], r["median_workdays"], r["p90_workdays"], r["within_target"])
            for r in rows] == [("new_industrial", "2026-07", 3, 4, 130, 2)]
    worst = rows[0]["worst"][0]
    assert (worst["name"], worst["government_workdays"], worst["slowest_stage"]) == (names[2], 130, "立项用地规划")
    sheet = await api.client.get(url, headers=leader, params={**params, "format": "xlsx"})
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"


async def decided_projects(api: Api, route: str, decided_on: date, workdays: list[int]) -> list[str]:
    """One project per figure, whose only decided item (备案) was with its department that many working days up
    to ``decided_on`` (submitted that many working days before it); their names."""
    async with api.sessions() as session:
        calendar = await get_calendar(session)
    names = []
    for days in workdays:
        d = await open_dossier(api, route)
        await api.execute(update(Approval).where(Approval.id == d.approval_id("xmba")).values(
            status="approved", submitted_on=calendar.add_workdays(decided_on, -days), decided_on=decided_on,
            status_since=decided_on))
        names.append(d.project["name"])
    return names


@pytest.mark.today("2026-12-01")
async def test_the_report_measures_a_technical_upgrade_against_its_own_target_of_ninety_days(api: Api) -> None:
    """Two technical-upgrade projects decided Tuesday 31 March 2026: 2 working days (submitted Friday 27 March:
    30 and 31 count) and 100. Median (2 + 100) / 2 = 51; the 90th percentile of two is the larger, 100; one of
    two within 90 days: 50%; the worst is the 100-day one, its time in 立项用地规划."""
    async with api.sessions() as session:
        calendar = await get_calendar(session)
    assert calendar.add_workdays(date(2026, 3, 31), -2) == date(2026, 3, 27)
    names = await decided_projects(api, "tech_upgrade", date(2026, 3, 31), [2, 100])
    rows = (await api.client.get("/api/reports/government-time", headers=await api.user_headers("leader"),
                                 params={"from": "2026-03-01", "to": "2026-03-31", "route_code": "tech_upgrade"}))
    assert [(r["route_name"], r["month"], r["projects"], r["median_workdays"], r["p90_workdays"], r["within_target"],
             r["within_target_rate"]) for r in rows.json()] == [("技术改造项目审批路线", "2026-03", 2, 51, 100, 1, 0.5)]
    worst = rows.json()[0]["worst"]
    assert [(w["name"], w["government_workdays"], w["target_workdays"], w["slowest_stage"]) for w in worst] == [
        (names[1], 100, 90, "立项用地规划"), (names[0], 2, 90, "立项用地规划")]


def _day_by_day(spans: list[Span], mandate: list[tuple[date, date | None]], calendar: WorkCalendar,
                today: date) -> int:
    """The definition, one day at a time (the module's docstring): a working day up to ``today`` on which some
    approval is with its department and not paused, unless the mandate is paused that day and no accepted item
    runs on it. Pauses are (P, R], an open one to today."""
    def paused(pauses: Iterable[tuple[date, date | None]], day: date) -> bool:
        return any(p < day and (r is None or day <= r) for p, r in pauses)

    counted, day = 0, min((s.submitted_on for s in spans), default=today) + timedelta(days=1)
    while day <= today:
        with_department = any(s.submitted_on < day <= s.ended_on and not paused(s.pauses, day) for s in spans)
        running = any(s.accepted_on is not None and s.accepted_on < day <= s.ended_on and not paused(s.pauses, day)
                      for s in spans)
        if calendar.is_workday(day) and with_department and (not paused(mandate, day) or running):
            counted += 1
        day += timedelta(days=1)
    return counted


_DAY = st.integers(min_value=0, max_value=120).map(lambda n: date(2026, 8, 20) + timedelta(days=n))
_PAUSE = st.tuples(_DAY, st.one_of(st.none(), _DAY)).filter(lambda p: p[1] is None or p[0] < p[1])


@st.composite
def _span(draw: st.DrawFn) -> Span:
    submitted = draw(_DAY)
    ended = draw(_DAY.filter(lambda d: d >= submitted))
    accepted = draw(st.one_of(st.none(), _DAY.filter(lambda d: submitted <= d <= ended)))
    return Span(submitted, ended, accepted_on=accepted, pauses=tuple(draw(st.lists(_PAUSE, max_size=3))))


@settings(max_examples=300, deadline=None)
@given(spans=st.lists(_span(), max_size=5), mandate=st.lists(_PAUSE, max_size=3), today=_DAY)
def test_the_interval_arithmetic_counts_the_days_the_definition_counts_one_by_one(
        spans: list[Span], mandate: list[tuple[date, date | None]], today: date) -> None:
    """Across the National Day holidays and their make-up days (late September to December 2026), overlapping
    items, pauses open or closed, before or after today, and a paused mandate."""
    assert government_workdays(spans, mandate, CALENDAR, today) == _day_by_day(spans, mandate, CALENDAR, today)

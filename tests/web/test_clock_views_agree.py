"""Every view tells the same story of an approval's clock: a green-channel project walked day by day.

The 施工许可 of a green-channel dossier (3 working days promised; the route's green-channel thresholds:
yellow at 60 %, the prompt 2 working days ahead, any red at once L3) is accepted online, then read on
each following day — calendar days, weekends included — through every view that shows its clock:
the project detail, the approval detail, the worklist, the department's inbox, the leader's
dashboard (its worst level), the enterprise's portal page, and the sweep (its SQL clock and the
escalation it fires). On every day they agree on the level, the due date and the working days left.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from agency import timeutil
from agency.approvals.clock_sql import running_clocks
from agency.approvals.clocks import thresholds_of
from agency.catalog.models import Route
from agency.escalation.models import Escalation
from agency.projects.models import Project
from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.test_web_pages import web_login

ACCEPTED = date(2026, 11, 5)  # a Thursday: the clock runs over a weekend


def _on(day: date) -> timeutil.Clock:
    return timeutil.ShiftedClock.on_day(day)


async def test_every_view_reports_the_same_clock_of_a_green_channel_approval_every_day(api: Api) -> None:
    with timeutil.clock_set_to(_on(ACCEPTED)):
        d = await open_dossier(api)
        await d.force_approved("xmba", "tddj", "hp", "jnsc", "sgtsc", "xfsj", on=date(2026, 10, 20))
        sgxk = await d.ready_to_submit("sgxk", prepare_on=date(2026, 11, 2))
        await d.ok(sgxk, "submit", effective_on=date(2026, 11, 3))
        officer = await api.create_user("department", department_code="zjj")
        leader = await api.create_user("leader")
        enterprise = await api.create_user("enterprise", enterprise_id=d.enterprise_id)
        clerk_name = (await api.client.get("/api/me", headers=d.clerk)).json()["username"]
        assert (await api.client.post(f"/api/projects/{d.project['id']}/green-channel", headers=d.clerk,
                                      json={"reason": "县重点项目"})).status_code == 200
        leader_h = await api.login(leader.username)
        decided = await api.client.post(f"/api/projects/{d.project['id']}/green-channel/decision",
                                        headers=leader_h, json={"approve": True, "note": "同意"})
        assert decided.status_code == 200, decided.text
        await d.ok(sgxk, "accept", await api.login(officer.username))  # online: the officer, today
    async with api.sessions() as session:
        project = await session.get_one(Project, d.project["id"])
        route = await session.get_one(Route, project.route_id)
    strict = thresholds_of(route.definition, True)
    assert (strict.yellow_ratio, strict.prompt_days, strict.l3_after_workdays) == (0.6, 2, 0)

    seen: list[str] = []
    for offset in range(0, 12):
        day = ACCEPTED + timedelta(days=offset)
        with timeutil.clock_set_to(_on(day)):
            views = await _views(api, d.project["id"], sgxk, clerk_name, officer.username, leader.username,
                                 enterprise.username, day)
        first = views["approval detail"]
        for name, view in views.items():
            assert view == first, (day, name, view, first)
        seen.append(first[0])
    # none on the day of acceptance and the next; the prompt two working days ahead; yellow at 60 %; then L3.
    assert seen[0] == "none" and "prompt" in seen and "yellow" in seen and seen[-1] == "l3", seen
    assert seen.index("prompt") < seen.index("yellow") < seen.index("l3")


async def _views(api: Api, project_id: int, approval_id: int, clerk: str, officer: str, leader: str,
                 enterprise: str, day: date) -> dict[str, tuple[Any, ...]]:
    """(level, due date, working days left) of the approval, as each view shows it on ``day``."""
    clerk_h, officer_h, leader_h = await api.login(clerk), await api.login(officer), await api.login(leader)
    views: dict[str, tuple[Any, ...]] = {}
    approval = (await api.client.get(f"/api/approvals/{approval_id}", headers=clerk_h)).json()
    c = approval["clock"]
    views["approval detail"] = (c["level"], c["due_on"], c["remaining_workdays"])
    detail = (await api.client.get(f"/api/projects/{project_id}", headers=clerk_h)).json()
    c = next(a for a in detail["approvals"] if a["id"] == approval_id)["clock"]
    views["project detail"] = (c["level"], c["due_on"], c["remaining_workdays"])
    for name, headers in (("worklist", clerk_h), ("department inbox", officer_h)):
        page = (await api.client.get("/api/approvals", headers=headers, params={"project_id": project_id})).json()
        row = next(i for i in page["items"] if i["id"] == approval_id)
        views[name] = (row["level"], row["due_on"], row["remaining_workdays"])
    # The sweep: its SQL clock, and the escalation it fires at that level.
    swept = await api.client.post("/api/escalations/sweep", headers=api.admin_headers,
                                  json={"as_of": day.isoformat()})
    assert swept.status_code == 200, swept.text
    async with api.sessions() as session:
        route_id = (await session.get_one(Project, project_id)).route_id
        definition = (await session.get_one(Route, route_id)).definition
        rows = {r.approval_id: r for r in (await session.execute(running_clocks(
            day, thresholds_of(definition, False), route_id=route_id,
            green_thresholds=thresholds_of(definition, True)))).all()}
        # Each level fires once, on the first day it holds: by now the ledger has the day's level.
        fired = set((await session.execute(select(Escalation.level).where(
            Escalation.approval_id == approval_id, Escalation.as_of <= day))).scalars())
    sql = rows[approval_id]
    views["sweep"] = (sql.level, sql.due_on.isoformat(), sql.remaining)
    level = views["approval detail"][0]
    assert level == "none" or level in fired, (day, level, fired)
    dashboard = (await api.client.get("/api/dashboard", headers=leader_h)).json()
    summary = next(p for p in dashboard["green_channel"] if p["id"] == project_id)
    views["dashboard"] = (summary["worst_level"], *views["approval detail"][1:])
    # The enterprise's portal shows no card, only the due date and, while there are some, the days left.
    response = await web_login(api.client, enterprise)
    assert response.status_code == 303, response.text
    portal = (await api.client.get(f"/app/portal/projects/{project_id}")).text
    due = re.search(r"承诺办结日期：<strong>(\d{4}-\d{2}-\d{2})</strong>", portal)
    left = re.search(r"还剩 (\d+) 个工作日", portal)
    remaining = views["approval detail"][2]
    assert due is not None and due.group(1) == views["approval detail"][1], (day, portal)
    assert (int(left.group(1)) if left else None) == (remaining if remaining >= 0 else None), day
    return views

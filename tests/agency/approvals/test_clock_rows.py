"""The clock rows are written where a clock changes: by the action, by the green-channel decision, by the
calendar's background recompute — and say so when they are stale, so that no reader sees a stale due date.

Each check compares a row with the truth: the pure clock of the approval's events (through the SQL
clock that reads the row), or the row a full rebuild from the events gives (``differences``).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from agency.access import Actor, Role
from agency.approvals import clock_rows, service, urgency
from agency.approvals.calendar_change import stale_count
from agency.approvals.clock_sql import clocks, running_clocks
from agency.approvals.clocks import events_of, read_clock, route_definitions
from agency.approvals.models import Approval, ApprovalClock
from agency.approvals.schemas import ActionIn
from agency.approvals.urgency import LEVEL_ORDER, threshold_picker
from agency.calendar.service import get_calendar
from agency.dossiers import service as dossiers
from agency.projects.models import Project
from agency.timeutil import today_local
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api

ACCEPTED = date(2026, 10, 14)  # a Wednesday
TODAY = date(2026, 10, 30)

pytestmark = pytest.mark.today("2026-11-30")  # a Monday after every date of these scenarios


async def _row(api: Api, approval_id: int) -> ApprovalClock | None:
    async with api.sessions() as session:
        return await session.get(ApprovalClock, approval_id)


async def _accepted(d: Dossier, item_code: str, on: date = ACCEPTED) -> int:
    await d.force_approved("xmba")
    approval_id = await d.ready_to_submit(item_code, prepare_on=date(2026, 10, 12))
    await d.ok(approval_id, "submit", effective_on=date(2026, 10, 13))
    await d.ok(approval_id, "accept", d.api.admin_headers, effective_on=on)
    return approval_id


async def _sql_and_pure(api: Api, approval_id: int, today: date) -> tuple[Any, Any]:
    async with api.sessions() as session:
        sql = (await session.execute(clocks(today, ApprovalClock.approval_id == approval_id, threshold_picker({}))
                                     )).one()
        approval = await session.get_one(Approval, approval_id)
        project = await session.get_one(Project, approval.project_id)
        routes = await route_definitions(session, [project.route_id])
        pure = read_clock(approval, project, routes.get(project.route_id),
                          (await events_of(session, [approval_id]))[approval_id], await get_calendar(session), today)
    return sql, pure


async def _differences(api: Api) -> int:
    async with api.sessions() as session:
        return await clock_rows.differences(session, today_local())


async def _wait_for(api: Api, job_id: int) -> dict[str, Any]:
    for _ in range(200):
        job = (await api.client.get(f"/api/jobs/{job_id}", headers=api.admin_headers)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


async def _set_day(api: Api, day: date, workday: bool) -> dict[str, Any]:
    response = await api.client.put(f"/api/calendar/{day}", headers=api.admin_headers,
                                    json={"workday": workday, "note": "测试"})
    assert response.status_code == 202, response.text
    return await _wait_for(api, response.json()["job_id"])


async def test_the_clock_row_follows_the_approval_through_its_life_cycle(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = d.approval_id("ydghxk")
    assert await _row(api, approval_id) is None  # planned: no clock
    approval_id = await _accepted(d, "ydghxk")
    row = await _row(api, approval_id)
    assert row is not None and (row.status, row.accepted_on, row.state, row.readable) == (
        "accepted", ACCEPTED, "running", True)
    await d.ok(approval_id, "suspend", api.admin_headers, reason="专家评审", days=10, effective_on=date(2026, 10, 20))
    row = await _row(api, approval_id)
    assert row is not None and (row.status, row.state, row.paused_on) == ("suspended", "paused", date(2026, 10, 20))
    sql, pure = await _sql_and_pure(api, approval_id, TODAY)
    # Paused before its due date: the due date is a projection the pure function makes for the page.
    assert (sql.state, sql.due_on, sql.remaining, sql.level) == ("paused", None, pure.remaining_workdays,
                                                                 pure.level)
    await d.ok(approval_id, "resume", api.admin_headers, effective_on=date(2026, 10, 26))
    row = await _row(api, approval_id)
    assert row is not None and (row.status, row.state) == ("accepted", "running")
    sql, pure = await _sql_and_pure(api, approval_id, TODAY)
    assert (sql.state, sql.due_on, sql.remaining, sql.level) == ("running", pure.due_on, pure.remaining_workdays,
                                                                 pure.level)
    assert await _differences(api) == 0  # what the actions wrote is what a rebuild from the events gives
    await d.ok(approval_id, "approve", api.admin_headers, certificate_no="地字第001号", effective_on=TODAY)
    assert await _row(api, approval_id) is None  # stopped: a finished approval has no urgency


async def test_the_green_channel_decision_rewrites_the_clocks_of_the_project(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = await _accepted(d, "jnsc")
    row = await _row(api, approval_id)
    assert row is not None and row.green is False and row.key_rank == LEVEL_ORDER["l3"]  # long overdue
    barely = date(2026, 10, 22)  # the day after its due date: red, and at once L3 on the green channel
    assert (await _sql_and_pure(api, approval_id, barely))[0].level == "red"
    requested = await api.client.post(f"/api/projects/{d.project['id']}/green-channel", headers=d.clerk,
                                      json={"reason": "省重点项目"})
    assert requested.status_code == 200, requested.text
    leader = await api.user_headers("leader")
    decided = await api.client.post(f"/api/projects/{d.project['id']}/green-channel/decision", headers=leader,
                                    json={"approve": True, "note": "同意"})
    assert decided.status_code == 200, decided.text
    row = await _row(api, approval_id)
    assert row is not None and row.green is True
    sql, pure = await _sql_and_pure(api, approval_id, barely)
    assert sql.level == pure.level == "l3"


async def test_a_calendar_change_is_previewed_then_made_in_the_background(api: Api) -> None:
    d = await open_dossier(api)
    inside = await _accepted(d, "stbc")  # five working days from 14 October: due Wednesday 21 October
    before = await _accepted(d, "hp", on=date(2026, 10, 19))  # accepted after the changed day
    sql_before, _ = await _sql_and_pure(api, inside, TODAY)
    changed = date(2026, 10, 16)  # a Friday inside the first clock only
    preview = await api.client.put(f"/api/calendar/{changed}?dry_run=true", headers=api.admin_headers,
                                   json={"workday": False, "note": "测试停电"})
    assert preview.status_code == 200, preview.text
    moved = {m["approval_id"]: m for m in preview.json()["moved"]}
    assert inside in moved and before not in moved
    assert (moved[inside]["due_on"], moved[inside]["new_due_on"]) == (
        sql_before.due_on.isoformat(), (sql_before.due_on + timedelta(days=1)).isoformat())
    assert (await _sql_and_pure(api, inside, TODAY))[0].due_on == sql_before.due_on  # nothing written
    try:
        job = await _set_day(api, changed, False)
        assert job["status"] == "done" and job["done"] >= 1 and job["total"] >= 1, job
        sql, pure = await _sql_and_pure(api, inside, TODAY)
        assert sql.exact and sql.due_on == pure.due_on == sql_before.due_on + timedelta(days=1)
        assert await _differences(api) == 0
    finally:
        await _set_day(api, changed, True)
    assert (await _sql_and_pure(api, inside, TODAY))[0].due_on == sql_before.due_on


async def test_until_the_recompute_reaches_a_clock_it_is_read_through_the_pure_function(api: Api) -> None:
    """The calendar changed, its recompute has not run yet: the rows it touches say they are stale (SQL will
    not read them), the worklist computes them from their events, and an action taken meanwhile writes
    its own row with the new calendar. The recompute then leaves every row as the events give it."""
    d = await open_dossier(api)
    waiting, acted_on = await _accepted(d, "stbc"), await _accepted(d, "jnsc")
    changed = date(2026, 10, 16)
    admin = Actor(user_id=None, username="calendar-test", role=Role.ADMIN)
    async with api.sessions() as session:
        await urgency.rekey(session, TODAY)  # the day's keys, stored as the morning's sweep stores them
        await dossiers_calendar_change(session, admin, changed)
        await session.commit()  # the change, without running its job
    try:
        sql, pure = await _sql_and_pure(api, waiting, TODAY)
        assert not sql.exact  # stale: the readers compute it instead
        async with api.sessions() as session:  # the worklist reads the stored keys, the stale one's among them
            assert (await session.execute(urgency.keyed_for(TODAY, ApprovalClock.project_id == d.project["id"]))
                    ).scalar()
        rows, _ = await worklist_of(api, d)
        assert {r.approval.id: r.clock.due_on for r in rows}[waiting] == pure.due_on
        version = (await d.get(acted_on))["version"]
        async with api.sessions() as session:
            await service.act(session, admin, acted_on, ActionIn(action="extend", version=version, days=2,
                                                                 reason="需现场核查", effective_on=TODAY), TODAY)
            await session.commit()
        assert (await _sql_and_pure(api, acted_on, TODAY))[0].exact  # written with the new calendar
        async with api.sessions() as session:
            assert await stale_count(session) >= 1
        job = await _recompute(api)
        assert job["status"] == "done"
        assert await _differences(api) == 0
        assert (await _sql_and_pure(api, waiting, TODAY))[0].exact
    finally:
        await _set_day(api, changed, True)


async def dossiers_calendar_change(session: Any, admin: Actor, day: date) -> None:
    from agency.calendar import service as calendar_service

    await calendar_service.set_day(session, admin, day, False, "测试")


async def _recompute(api: Api) -> dict[str, Any]:
    """The calendar change's job, asked for and run here (the change above was made without it)."""
    from agency.approvals.jobs import RECOMPUTE_CLOCKS
    from agency.job_handlers import HANDLERS
    from agency.jobs import service as jobs
    from agency.jobs.runner import JobRunner

    async with api.sessions() as session:
        job = await jobs.enqueue(session, RECOMPUTE_CLOCKS, {}, actor=None)
        await session.commit()
    assert await JobRunner(api.sessions, HANDLERS).run(job.id)
    return await _wait_for(api, job.id)


async def worklist_of(api: Api, d: Dossier) -> tuple[list[Any], int]:
    from agency.approvals import queries

    clerk = Actor(user_id=None, username="worklist-test", role=Role.CLERK)
    async with api.sessions() as session:
        return await queries.worklist(session, clerk, department_code=None, status=None, level=None,
                                      project_id=d.project["id"], today=TODAY, page=1, page_size=50)


async def test_the_sweep_reads_the_clock_rows(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = await _accepted(d, "ydghxk")
    async with api.sessions() as session:
        rows = {r.approval_id: r for r in (await session.execute(running_clocks(TODAY))).all()}
    assert approval_id in rows
    await d.ok(approval_id, "suspend", api.admin_headers, reason="专家评审", days=10, effective_on=date(2026, 10, 20))
    async with api.sessions() as session:
        rows = {r.approval_id: r for r in (await session.execute(running_clocks(TODAY))).all()}
    assert approval_id not in rows  # paused: the sweep watches running clocks only


async def test_each_write_keys_the_clock_for_today_and_the_sweep_keys_a_new_day(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = await _accepted(d, "stbc")  # accepted 14 October: long overdue by now, L3
    row = await _row(api, approval_id)
    assert row is not None and (row.key_day, row.key_rank) == (today_local(), LEVEL_ORDER["l3"])
    await api.execute(update(ApprovalClock).where(ApprovalClock.approval_id == approval_id)
                      .values(key_day=today_local() - timedelta(days=1), key_rank=None))  # yesterday's key
    swept = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={})
    assert swept.status_code == 200, swept.text
    row = await _row(api, approval_id)
    assert row is not None and (row.key_day, row.key_rank) == (today_local(), LEVEL_ORDER["l3"])


async def test_a_green_channel_decision_beside_an_action_in_the_same_dossier(api: Api, backend: str) -> None:
    """PostgreSQL, two transactions at once, in the order that once deadlocked: an action holds its approval;
    the leader's decision takes the dossier's approvals first (as every clock writer does), so it waits for
    the action instead of locking the dossier the action needs next. Both commit; every row is right."""
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    d = await open_dossier(api)
    rejected, other = await _accepted(d, "ydghxk"), await _accepted(d, "jnsc")
    assert (await api.client.post(f"/api/projects/{d.project['id']}/green-channel", headers=d.clerk,
                                  json={"reason": "省重点项目"})).status_code == 200
    leader = Actor(user_id=None, username="leader-test", role=Role.LEADER)
    admin = Actor(user_id=None, username="admin-test", role=Role.ADMIN)
    version = (await d.get(rejected))["version"]
    async with api.sessions() as acting, api.sessions() as deciding:
        # The action's first write: its approval's row (the rest of act() follows below, in one go).
        await acting.execute(update(Approval).where(Approval.id == rejected).values(updated_at=Approval.updated_at))
        decision = asyncio.create_task(dossiers.decide_green_channel(deciding, leader, d.project["id"], True, "同意"))
        await asyncio.sleep(0.3)
        assert not decision.done()  # waits for the approval the action holds
        await service.act(acting, admin, rejected, ActionIn(action="reject", version=version, reason="不符合规划条件",
                                                            legal_basis="《城乡规划法》第三十七条",
                                                            effective_on=TODAY), TODAY)
        await acting.commit()
        await decision
        await deciding.commit()
    assert await _row(api, rejected) is None
    row = await _row(api, other)
    assert row is not None and row.green is True
    assert await _differences(api) == 0


async def test_a_rebuild_gives_the_rows_the_writers_wrote(api: Api) -> None:
    d = await open_dossier(api)
    await _accepted(d, "ydghxk")
    await _accepted(d, "jnsc")
    async with api.sessions() as session:
        kept = {r.approval_id: _columns(r) for r in (await session.execute(select(ApprovalClock))).scalars()}
        await clock_rows.rebuild(session, today_local())
        rebuilt = {r.approval_id: _columns(r) for r in (await session.execute(select(ApprovalClock))).scalars()}
        await session.commit()
    assert rebuilt == kept and kept


def _columns(row: ApprovalClock) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in clock_rows.COMPARED)

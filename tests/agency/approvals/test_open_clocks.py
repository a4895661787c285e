"""The open clocks follow every write they depend on: actions, green channels, the calendar, bulk statements.

Each check compares the row the hooks keep with the truth: the pure clock of the approval's events
(through the SQL clock that reads the row), or the row a full rebuild from the events gives.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm.exc import StaleDataError

from agency.access import Actor, Role
from agency.approvals import open_clocks
from agency.approvals.clock_sql import clocks, running_clocks
from agency.approvals.clocks import clock_of, events_of
from agency.approvals.models import ClockEventRow, OpenClock
from agency.approvals.urgency import LEVEL_ORDER, threshold_picker
from agency.calendar.service import get_calendar
from agency.catalog.models import Route
from agency.projects import service as projects_service
from agency.projects.models import Approval, Project
from agency.timeutil import today_local
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api

ACCEPTED = date(2026, 10, 14)  # a Wednesday
TODAY = date(2026, 10, 30)


async def _row(api: Api, approval_id: int) -> OpenClock | None:
    async with api.sessions() as session:
        return await session.get(OpenClock, approval_id)


async def _accepted(d: Dossier, item_code: str, on: date = ACCEPTED) -> int:
    await d.force_approved("xmba")
    approval_id = await d.ready_to_submit(item_code, prepare_on=date(2026, 10, 12))
    await d.ok(approval_id, "submit", effective_on=date(2026, 10, 13))
    await d.ok(approval_id, "accept", d.api.admin_headers, effective_on=on)
    return approval_id


async def _sql_and_pure(api: Api, approval_id: int, today: date) -> tuple[Any, Any]:
    async with api.sessions() as session:
        sql = (await session.execute(clocks(today, OpenClock.approval_id == approval_id, threshold_picker({}))
                                     )).one()
        approval = await session.get_one(Approval, approval_id)
        project = await session.get_one(Project, approval.project_id)
        pure = clock_of(approval, (await events_of(session, [approval_id]))[approval_id], await get_calendar(session),
                        today, green_channel=project.green_channel_status == "approved")
    return sql, pure


async def test_an_open_clock_follows_the_approval_through_its_life_cycle(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = d.approval_id("ydghxk")
    assert await _row(api, approval_id) is None  # planned: no clock
    approval_id = await _accepted(d, "ydghxk")
    row = await _row(api, approval_id)
    assert row is not None and (row.status, row.accepted_on, row.pausing, row.readable) == (
        "accepted", ACCEPTED, False, True)
    await d.ok(approval_id, "suspend", api.admin_headers, reason="专家评审", days=10, effective_on=date(2026, 10, 20))
    row = await _row(api, approval_id)
    assert row is not None and (row.status, row.pausing, row.paused_on) == ("suspended", True, date(2026, 10, 20))
    sql, pure = await _sql_and_pure(api, approval_id, TODAY)
    # Paused before its due date: the due date is a projection the pure function makes for the page.
    assert (sql.state, sql.due_on, sql.remaining, sql.level) == ("paused", None, pure.remaining_workdays,
                                                                 pure.level)
    await d.ok(approval_id, "resume", api.admin_headers, effective_on=date(2026, 10, 26))
    row = await _row(api, approval_id)
    assert row is not None and (row.status, row.pausing) == ("accepted", False)
    sql, pure = await _sql_and_pure(api, approval_id, TODAY)
    assert (sql.state, sql.due_on, sql.remaining, sql.level) == ("running", pure.due_on, pure.remaining_workdays,
                                                                 pure.level)
    await d.ok(approval_id, "approve", api.admin_headers, certificate_no="地字第001号", effective_on=TODAY)
    assert await _row(api, approval_id) is None  # stopped: a finished approval has no urgency


async def test_the_green_channel_decision_reaches_the_open_clocks_of_the_project(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = await _accepted(d, "jnsc")
    row = await _row(api, approval_id)
    assert row is not None and row.green is False
    late = date(2026, 11, 30)  # long past its five working days: red, and L3 on the green channel
    assert (await _sql_and_pure(api, approval_id, late))[0].level == "l3"  # overdue by more than 3 working days
    requested = await api.client.post(f"/api/projects/{d.project['id']}/green-channel", headers=d.clerk,
                                      json={"reason": "省重点项目"})
    assert requested.status_code == 200, requested.text
    leader = await api.user_headers("leader")
    decided = await api.client.post(f"/api/projects/{d.project['id']}/green-channel/decision", headers=leader,
                                    json={"approve": True, "note": "同意"})
    assert decided.status_code == 200, decided.text
    row = await _row(api, approval_id)
    assert row is not None and row.green is True
    barely = date(2026, 10, 22)  # the day after its due date: red at once is L3 on the green channel
    sql, pure = await _sql_and_pure(api, approval_id, barely)
    assert sql.level == pure.level == "l3"


async def test_a_calendar_change_before_the_acceptance_moves_no_due_date(api: Api) -> None:
    """A holiday declared before the acceptance renumbers every later working day; the rows that stored
    those numbers are recomputed, so the SQL clock still agrees with the pure one."""
    d = await open_dossier(api)
    approval_id = await _accepted(d, "hp")
    before = await _sql_and_pure(api, approval_id, TODAY)
    changed = date(2026, 10, 9)  # a Friday before the acceptance
    response = await api.client.put(f"/api/calendar/{changed}", headers=api.admin_headers,
                                    json={"workday": False, "note": "测试停电"})
    assert response.status_code == 200, response.text
    try:
        sql, pure = await _sql_and_pure(api, approval_id, TODAY)
        assert (sql.due_on, sql.remaining, sql.level) == (pure.due_on, pure.remaining_workdays, pure.level)
        assert sql.due_on == before[0].due_on  # the working days after the acceptance did not change
    finally:
        restored = await api.client.put(f"/api/calendar/{changed}", headers=api.admin_headers,
                                        json={"workday": True, "note": ""})
        assert restored.status_code == 200, restored.text


async def test_a_holiday_inside_the_clock_moves_its_due_date_in_sql_too(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = await _accepted(d, "stbc")
    before, _ = await _sql_and_pure(api, approval_id, TODAY)
    changed = date(2026, 10, 16)  # a Friday inside the five working days
    response = await api.client.put(f"/api/calendar/{changed}", headers=api.admin_headers,
                                    json={"workday": False, "note": "测试停电"})
    assert response.status_code == 200, response.text
    try:
        sql, pure = await _sql_and_pure(api, approval_id, TODAY)
        assert sql.due_on == pure.due_on and sql.due_on > before.due_on
    finally:
        await api.client.put(f"/api/calendar/{changed}", headers=api.admin_headers, json={"workday": True, "note": ""})


async def test_bulk_statements_and_a_rebuild_leave_the_same_rows(api: Api) -> None:
    d = await open_dossier(api)
    first = await _accepted(d, "ydghxk")
    second = await _accepted(d, "jnsc")
    # An ORM statement, not the unit of work: the hook finds the rows before it runs and refreshes them.
    await api.execute(update(Approval).where(Approval.id == first).values(status="suspended"))
    row = await _row(api, first)
    assert row is not None and row.status == "suspended"
    await api.execute(insert(ClockEventRow).values(approval_id=second, kind="paused", on=date(2026, 10, 19),
                                                   action="suspend", recorded_at=datetime.now(UTC)))
    row = await _row(api, second)
    assert row is not None and (row.pausing, row.paused_on) == (True, date(2026, 10, 19))
    await api.execute(delete(ClockEventRow).where(ClockEventRow.approval_id == second))
    assert await _row(api, second) is None
    async with api.sessions() as session:
        kept = {r.approval_id: _columns(r) for r in (await session.execute(select(OpenClock))).scalars()}
        await session.execute(delete(OpenClock))
        await open_clocks.rebuild(session)
        rebuilt = {r.approval_id: _columns(r) for r in (await session.execute(select(OpenClock))).scalars()}
        await session.commit()
    assert first in kept and rebuilt == kept


async def test_the_sweep_reads_the_open_clocks(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = await _accepted(d, "ydghxk")
    async with api.sessions() as session:
        rows = {r.approval_id: r for r in (await session.execute(running_clocks(TODAY))).all()}
    assert approval_id in rows
    await d.ok(approval_id, "suspend", api.admin_headers, reason="专家评审", days=10, effective_on=date(2026, 10, 20))
    async with api.sessions() as session:
        rows = {r.approval_id: r for r in (await session.execute(running_clocks(TODAY))).all()}
    assert approval_id not in rows  # paused: the sweep watches running clocks only


def _columns(row: OpenClock) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in open_clocks.COLUMNS)


async def test_changes_flushed_only_by_the_commit_are_refreshed_too(api: Api) -> None:
    d = await open_dossier(api)
    first = await _accepted(d, "ydghxk")
    async with api.sessions() as session:
        approval = await session.get_one(Approval, first)
        approval.status = "suspended"
        session.add(ClockEventRow(approval_id=first, kind="paused", on=date(2026, 10, 19), action="suspend",
                                  recorded_at=datetime.now(UTC)))
        await session.commit()  # no flush before: the commit's own flush writes both
    row = await _row(api, first)
    assert row is not None and (row.status, row.pausing) == ("suspended", True)


async def test_a_green_channel_decision_beside_a_rejection_in_the_same_dossier(api: Api, backend: str) -> None:
    """PostgreSQL, two transactions at once, in the order that deadlocked when open clocks were refreshed
    at each flush: the rejection writes its approval and clock event first; the leader's decision then
    locks the project; the rejection moves the project's status (blocked) and waits for that lock. Now
    the decision commits and the rejection is told the project changed (409, not a deadlock's 500);
    every open clock of the book is still what its events give."""
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    d = await open_dossier(api)
    rejected, other = await _accepted(d, "ydghxk"), await _accepted(d, "jnsc")
    assert (await api.client.post(f"/api/projects/{d.project['id']}/green-channel", headers=d.clerk,
                                  json={"reason": "省重点项目"})).status_code == 200
    leader = Actor(user_id=None, username="leader-test", role=Role.LEADER)
    async with api.sessions() as deciding, api.sessions() as rejecting:
        approval = await rejecting.get_one(Approval, rejected)
        project = await rejecting.get_one(Project, approval.project_id)
        approval.status = "rejected"  # what the service's reject writes first
        rejecting.add(ClockEventRow(approval_id=rejected, kind="stopped", on=TODAY, action="reject",
                                    recorded_at=datetime.now(UTC)))
        await rejecting.flush()
        await projects_service.decide_green_channel(deciding, leader, d.project["id"], True, "同意")
        await deciding.flush()  # the project row is locked until this transaction ends
        project.status = "blocked"  # then what refresh_status writes: waits for the decision
        blocked = asyncio.create_task(rejecting.commit())
        await asyncio.sleep(0.3)
        assert not blocked.done()
        await deciding.commit()
        with pytest.raises(StaleDataError):
            await blocked
        await rejecting.rollback()
    retried = await d.act(rejected, "reject", api.admin_headers, reason="不符合规划条件",
                          legal_basis="《城乡规划法》第三十七条", effective_on=TODAY)
    assert retried.status_code == 200, retried.text
    assert await _row(api, rejected) is None
    row = await _row(api, other)
    assert row is not None and row.green is True
    async with api.sessions() as session:
        assert await open_clocks.differences(session) == 0


async def test_each_refresh_keys_the_clock_for_today_and_the_sweep_keys_a_new_day(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = await _accepted(d, "stbc")  # accepted 14 October: long overdue by now, L3
    row = await _row(api, approval_id)
    assert row is not None and (row.key_day, row.key_rank) == (today_local(), LEVEL_ORDER["l3"])
    await api.execute(update(OpenClock).where(OpenClock.approval_id == approval_id)
                      .values(key_day=today_local() - timedelta(days=1), key_rank=None))  # yesterday's key
    swept = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={})
    assert swept.status_code == 200, swept.text
    row = await _row(api, approval_id)
    assert row is not None and (row.key_day, row.key_rank) == (today_local(), LEVEL_ORDER["l3"])


async def test_a_route_whose_thresholds_change_has_its_clocks_rekeyed(api: Api) -> None:
    d = await open_dossier(api)
    approval_id = await _accepted(d, "jnsc")
    row = await _row(api, approval_id)
    assert row is not None and row.key_rank == LEVEL_ORDER["l3"]
    async with api.sessions() as session:
        route = await session.get_one(Route, row.route_id)
        original = route.definition
        route.definition = {**original, "escalation": {"l3_after_workdays": 500}}
        await session.commit()
    try:
        row = await _row(api, approval_id)
        assert row is not None and row.key_rank == LEVEL_ORDER["red"]  # overdue, not yet for the county
    finally:
        async with api.sessions() as session:
            (await session.get_one(Route, row.route_id)).definition = original
            await session.commit()
    row = await _row(api, approval_id)
    assert row is not None and row.key_rank == LEVEL_ORDER["l3"]

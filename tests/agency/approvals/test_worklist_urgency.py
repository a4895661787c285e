"""The worklist keyed and paged in SQL returns exactly what sorting every pure clock in Python returned.

Random event sequences (pauses, resumptions, extensions, restarts, stops; working-day and calendar-day
limits, limit 0; dates around the 2025 National Day holidays, their make-up Saturday and weekends),
on green-channel and other projects, on a route with the default thresholds and on one with its own,
are compared with a reference — every clock computed in Python and sorted — page by page, for several
days, with and without a level filter, across the boundary between running or paused clocks and the
rest. The test writes events and statuses straight into the database, then the clock rows from them
(``clock_rows.rewrite``, as ``agency clocks rebuild`` does).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.approvals import clock_rows, queries, urgency
from agency.approvals.clock import ClockEvent, ClockState
from agency.approvals.clock_sql import clocks
from agency.approvals.clocks import events_of, limit_of, read_clock
from agency.approvals.models import Approval, ApprovalClock, ClockEventRow
from agency.approvals.queries import WorkRow
from agency.approvals.urgency import LEVEL_ORDER, keyed_for, threshold_picker
from agency.calendar.service import get_calendar
from agency.catalog.models import Route
from agency.errors import Conflict
from agency.projects.models import Project
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api

LAST_EVENT = date(2025, 10, 8)  # a holiday; 1–8 October 2025 are, 28 September and 11 October are worked
TODAYS = (date(2025, 10, 8), date(2025, 10, 11), date(2025, 10, 12), date(2025, 10, 20), date(2025, 12, 1))
LEVELS = (None, "none", "prompt", "yellow", "red", "l3")
CUSTOM = {"yellow_ratio": 0.5, "prompt_days": 3, "l3_after_workdays": 1,
          "green_channel": {"yellow_ratio": 0.4, "prompt_days": 4}}


async def reference_worklist(session: AsyncSession, actor: Actor, *, department_code: str | None,
                             status: str | None, level: str | None, project_id: int | None, today: date, page: int,
                             page_size: int) -> tuple[list[WorkRow], int]:
    """The worklist in plain Python: every clock computed, the open ones (running or paused) sorted by
    urgency, then every other approval (no clock yet, or finished) by id."""
    # The scope is shared; what is checked here is the order, the clocks and the totals.
    query = queries.worklist_scope(actor, department_code=department_code, status=status, project_id=project_id)
    calendar = await get_calendar(session)
    routes: dict[int, Any] = {}

    async def clock_for(approval: Approval, project: Project, events: list[ClockEvent]) -> ClockState:
        if project.route_id not in routes:
            route = await session.get(Route, project.route_id)
            routes[project.route_id] = route.definition if route else None
        return read_clock(approval, project, routes[project.route_id], events, calendar, today)

    rows = (await session.execute(query)).all()
    events = await events_of(session, [r[0].id for r in rows])
    clocked: list[WorkRow] = []
    rest: list[WorkRow] = []
    for approval, project, enterprise_name in rows:
        clock = await clock_for(approval, project, events.get(approval.id, []))
        row = WorkRow(approval, project, enterprise_name, clock)
        if clock.accepted_on is not None and clock.finished_on is None:
            if level is None or clock.level == level:
                clocked.append(row)
        else:
            rest.append(row)
    clocked.sort(key=lambda r: (LEVEL_ORDER[r.clock.level], r.clock.remaining_workdays, r.approval.id))
    start, end = (page - 1) * page_size, page * page_size
    if level not in (None, "none"):
        return clocked[start:end], len(clocked)
    ordered = clocked + sorted(rest, key=lambda r: r.approval.id)
    return ordered[start:end], len(ordered)


Sequence_ = list[tuple[str, date, int]]


def random_events(rng: random.Random, first: date, last: date) -> tuple[Sequence_, str]:
    """A sequence the life cycle can produce, all on or before ``last``; and the approval status it leaves."""
    events: Sequence_ = []
    # Most accepted weeks ago; some just before the last day, for the prompt and the limits of 0.
    recent = rng.random() < 0.25
    day = last - timedelta(days=rng.randint(0, 4)) if recent else first + timedelta(days=rng.randint(0, 40))

    def step(most: int) -> bool:
        nonlocal day
        day += timedelta(days=rng.randint(0, most))
        return day <= last

    if rng.random() < 0.15:  # a run discarded by a restart, possibly paused when restarted
        events.append(("started", day, 0))
        if step(6) and rng.random() < 0.5:
            events.append(("paused", day, 0))
        if step(6) and rng.random() < 0.3:
            events.append(("extended", day, rng.randint(1, 5)))
        if not step(5):
            day = last
    events.append(("started", min(day, last), 0))
    day = min(day, last)
    state = "running"
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        if rng.random() < 0.25 and step(4):
            events.append(("extended", day, rng.randint(1, 10)))
        if not step(12):
            day = last
            break
        events.append(("paused", day, 0))
        state = "paused"
        if not step(9):
            day = last
            break
        events.append(("resumed", day, 0))
        state = "running"
    if rng.random() < 0.3 and step(5):
        events.append(("extended", day, rng.randint(1, 10)))
    day = min(day, last)
    ending = rng.random()
    if ending < 0.2 and step(10):
        events.append(("stopped", day, 0))
        return events, rng.choice(("approved", "approved", "withdrawn"))
    if ending < 0.35 and state == "running" and step(8):
        events.append(("paused", day, 0))
        state = "paused"
    if state == "paused":
        return events, rng.choice(("supplement_requested", "suspended"))
    return events, "accepted"


def limit_for(rng: random.Random) -> dict[str, Any] | None:
    roll = rng.random()
    if roll < 0.05:
        return None  # no promised limit: the clock takes 0 working days
    if roll < 0.35:
        return {"count": rng.choice((0, 1, 5, 7, 10, 15, 20, 30)), "unit": "calendar_day"}
    return {"count": rng.choice((0, 0, 1, 2, 3, 5, 7, 10, 20)), "unit": "workday"}


@asynccontextmanager
async def arranged(api: Api, seed: int, count: int) -> AsyncIterator[tuple[Actor, list[int]]]:
    """Four dossiers of one enterprise (so an enterprise actor sees them and nothing else) with ``count``
    clocked approvals spread over them, plus the planned approvals of their plans (no clock). The clocked
    ones are removed afterwards: the database is shared, and a clerk's worklist shows every approval."""
    actor, ids = await _arrange(api, seed, count)
    try:
        yield actor, ids
    finally:
        await api.execute(delete(ClockEventRow).where(ClockEventRow.approval_id.in_(ids)))
        await api.execute(delete(Approval).where(Approval.id.in_(ids)))


async def _arrange(api: Api, seed: int, count: int) -> tuple[Actor, list[int]]:
    rng = random.Random(seed)
    first = await open_dossier(api)
    dossiers = [first]
    for route_code in ("tech_upgrade", "new_industrial", "tech_upgrade"):
        response = await api.client.post("/api/projects", headers=first.clerk, json={
            "enterprise_id": first.enterprise_id, "name": f"紧急度测试{route_code}{seed}", "route_code": route_code,
            "investment_wan": 500, "location": "示范县开发区"})
        assert response.status_code == 201, response.text
        dossiers.append(Dossier(api, response.json(), first.clerk, first.enterprise_id))
    project_ids = [d.project["id"] for d in dossiers]
    await api.execute(update(Project).where(Project.id.in_(project_ids[2:]))
                      .values(green_channel_status="approved"))
    ids: list[int] = []
    async with api.sessions() as session:
        templates = (await session.execute(select(Approval).where(Approval.project_id.in_(project_ids)))).scalars()
        by_project: dict[int, list[Approval]] = {}
        for template in templates:
            by_project.setdefault(template.project_id, []).append(template)
        for n in range(count):
            template = rng.choice(by_project[project_ids[n % len(project_ids)]])
            events, status = random_events(rng, LAST_EVENT - timedelta(days=80), LAST_EVENT)
            snapshot = {k: v for k, v in template.snapshot.items() if k != "promised_limit"}
            promised = limit_for(rng)
            if promised is not None:
                snapshot["promised_limit"] = promised
            if n % 9 == 0 and len({e[1] for e in events}) == len(events):
                rng.shuffle(events)  # recorded in another order than their dates: the dates decide
            ids.append(await _approval(session, template, snapshot, status, events))
        # The rare shape, for certain: 5 calendar days from Monday 15 September end on Saturday 20th, the
        # clock is paused that Saturday or Sunday (an offline department); the due date is Monday 22nd.
        for n, (pause, resume) in enumerate(((date(2025, 9, 20), date(2025, 9, 24)), (date(2025, 9, 21), None),
                                             (date(2025, 9, 20), date(2025, 9, 20)))):
            template = by_project[project_ids[n]][0]
            events = [("started", date(2025, 9, 15), 0), ("paused", pause, 0)]
            events += [("resumed", resume, 0)] if resume else []
            snapshot = {**template.snapshot, "promised_limit": {"count": 5, "unit": "calendar_day"}}
            ids.append(await _approval(session, template, snapshot, "accepted" if resume else "suspended", events))
        # The clock rows, from the events as written (what an action writes for its own approval).
        await clock_rows.rewrite(session, Approval.id.in_(ids), timeutil.today())
        await session.commit()
    return Actor(user_id=None, username="urgency-test", role=Role.ENTERPRISE, enterprise_id=first.enterprise_id), ids


async def _approval(session: AsyncSession, template: Approval, snapshot: dict[str, Any], status: str,
                    events: Sequence_) -> int:
    approval = Approval(project_id=template.project_id, catalog_item_id=template.catalog_item_id,
                        item_code=template.item_code, name=template.name, department_code=template.department_code,
                        stage=template.stage, status=status, required=True, snapshot=snapshot,
                        waits_for_milestones=[], status_since=events[-1][1])
    session.add(approval)
    await session.flush()
    for kind, on, days in events:
        session.add(ClockEventRow(approval_id=approval.id, kind=kind, on=on, days=days, action="test",
                                  recorded_at=timeutil.now()))
    await session.flush()
    return approval.id


def _view(rows: list[WorkRow]) -> list[tuple[int, str, int | None, ClockState]]:
    return [(r.approval.id, r.clock.level, r.clock.remaining_workdays, r.clock) for r in rows]


async def _same_pages(session: AsyncSession, actor: Actor, today: date, *, level: str | None = None,
                      status: str | None = None, project_id: int | None = None, page_size: int = 13) -> int:
    """Pages through both implementations until both run dry; returns how many rows there were."""
    page, seen = 1, 0
    while True:
        args: dict[str, Any] = {"department_code": None, "status": status, "level": level, "project_id": project_id,
                                "today": today, "page": page, "page_size": page_size}
        expected, expected_total = await reference_worklist(session, actor, **args)
        got, total = await queries.worklist(session, actor, **args)
        assert (total, _view(got)) == (expected_total, _view(expected)), (today, level, status, page)
        seen += len(got)
        if not got:
            assert seen == total
            return total
        page += 1


async def _same_counts(session: AsyncSession, actor: Actor, today: date) -> None:
    """The workbench's counts (two statements) are what counting the whole reference worklist gives."""
    rows, _ = await reference_worklist(session, actor, department_code=None, status=None, level=None,
                                       project_id=None, today=today, page=1, page_size=100_000)
    found = await queries.work_counts(session, actor, today=today)
    assert found.levels == {level: sum(1 for r in rows if r.clock.level == level) for level in LEVELS[1:]}, today
    assert found.statuses == dict(Counter(r.approval.status for r in rows)), today


async def test_sql_keyed_worklist_matches_the_python_sort(api: Api) -> None:
    async with arranged(api, seed=20251008, count=260) as (actor, ids), api.sessions() as session:
        tech_upgrade = (await session.execute(select(Route).where(Route.code == "tech_upgrade"))).scalars().first()
        assert tech_upgrade is not None
        original = tech_upgrade.definition
        # A route with thresholds of its own (restored below: the catalog is shared by the whole run).
        tech_upgrade.definition = {**original, "escalation": CUSTOM}
        await session.commit()
        try:
            calendar = await get_calendar(session)
            events = await events_of(session, ids)
            approvals = {a.id: a for a in (await session.execute(select(Approval).where(Approval.id.in_(ids))))
                         .scalars()}
            levels_seen: set[str] = set()
            projects = {p.id: p for p in (await session.execute(select(Project).where(
                Project.id.in_({a.project_id for a in approvals.values()})))).scalars()}

            def pure(i: int, day: date) -> ClockState:
                return read_clock(approvals[i], projects[approvals[i].project_id], None, events[i], calendar, day)

            running_or_paused = {i for i in ids if pure(i, LAST_EVENT).finished_on is None}
            assert len(running_or_paused) < len(ids)  # some clocks stopped: they have no open clock

            def calendar_days(i: int) -> bool:
                limit = limit_of(approvals[i].snapshot, "promised_limit")
                return limit is not None and limit.unit == "calendar_day"

            # Paused calendar-day clocks whose due date is a projection that moves with the day.
            moving = {i for i in running_or_paused if calendar_days(i) and pure(i, LAST_EVENT).paused
                      and pure(i, LAST_EVENT).due_on != pure(i, LAST_EVENT + timedelta(days=30)).due_on}
            assert moving
            picker = threshold_picker({tech_upgrade.id: tech_upgrade.definition})
            for today in TODAYS:
                keyed = {r.approval_id: r for r in (await session.execute(
                    clocks(today, ApprovalClock.approval_id.in_(ids), picker)))}
                assert set(keyed) == running_or_paused
                # Python computes only the rows SQL cannot key exactly: paused calendar-day clocks whose
                # remaining working days move with the day — a projected due date, or one a closed run
                # reached that lies inside the pause (the three rare shapes arranged above, when paused).
                inexact = {i for i, r in keyed.items() if not r.exact}
                assert moving <= inexact
                assert all(calendar_days(i) and pure(i, today).paused for i in inexact)
                # Once with the keys computed for the day, once read from the keys the open clocks keep
                # for it (what the sweep writes each morning) through the urgency index.
                for stored in (False, True):
                    if stored:
                        await urgency.rekey(session, today)
                    where = queries.clocks_in_scope(actor)
                    assert bool((await session.execute(keyed_for(today, where))).scalar()) is stored
                    await _same_pages(session, actor, today)
                    await _same_counts(session, actor, today)
                    for level in LEVELS[1:]:
                        if await _same_pages(session, actor, today, level=level, page_size=9):
                            levels_seen.add(level)
                    await _same_pages(session, actor, today, status="approved", page_size=25)
            assert levels_seen == set(LEVELS[1:])
            # One dossier alone: the page boundary between its clocked and clockless rows.
            project_id = approvals[ids[1]].project_id
            for page_size in (1, 4, 7):
                await _same_pages(session, actor, TODAYS[-1], project_id=project_id, page_size=page_size)
                await _same_pages(session, actor, TODAYS[3], project_id=project_id, page_size=page_size)
        finally:
            tech_upgrade.definition = original
            await session.commit()


async def test_sql_clock_columns_match_compute_clock(api: Api) -> None:
    """Row by row, what clock_sql computes agrees with the pure function wherever it says it is exact."""
    async with arranged(api, seed=7, count=200) as (_, ids), api.sessions() as session:
        calendar = await get_calendar(session)
        routes = {route_id: definition for route_id, definition in
                  (await session.execute(select(Route.id, Route.definition))).all()}
        events = await events_of(session, ids)
        rows = {a.id: (a, p) for a, p in (await session.execute(
            select(Approval, Project).join(Project, Project.id == Approval.project_id)
            .where(Approval.id.in_(ids)))).all()}
        exact = 0
        for today in TODAYS:
            for sql in (await session.execute(clocks(today, ApprovalClock.approval_id.in_(ids),
                                                     threshold_picker(routes)))).all():
                if not sql.exact:
                    continue
                exact += 1
                approval, project = rows[sql.approval_id]
                pure = read_clock(approval, project, routes.get(project.route_id), events[approval.id], calendar,
                                  today)
                assert pure.finished_on is None  # a stopped clock has no clock row
                state = "paused" if pure.paused else "running"
                # A paused clock's due date is a projection that moves every day: SQL leaves it to Python,
                # unless it passed before the pause.
                due_on = pure.due_on if sql.due_on is not None or not pure.paused else None
                assert (sql.accepted_on, sql.due_on, sql.used, sql.allowed, sql.remaining, sql.overdue, sql.level,
                        bool(sql.due_soon), sql.state) == (
                    pure.accepted_on, due_on, pure.used, pure.allowed, pure.remaining_workdays,
                    pure.overdue_workdays, pure.level, pure.due_soon, state), (approval.id, today, events[approval.id])
                if pure.paused and sql.due_on is None:
                    assert pure.due_on >= today  # not passed before the pause: not red  # type: ignore[operator]
        open_ = sum(1 for i in ids if read_clock(rows[i][0], rows[i][1], None, events[i], calendar,
                                                 LAST_EVENT).finished_on is None)
        # What SQL leaves to Python: the rare shape and paused calendar-day clocks (a third of the limits
        # here count calendar days; few do in a real catalog).
        assert exact > 0.9 * open_ * len(TODAYS)


@pytest.mark.parametrize("broken", ["future", "impossible"])
async def test_an_inconsistent_clock_still_refuses_the_whole_worklist(api: Api, broken: str) -> None:
    async with arranged(api, seed=3, count=12) as (actor, ids), api.sessions() as session:
        if broken == "future":  # an act recorded after the day the worklist is asked for
            session.add(ClockEventRow(approval_id=ids[5], kind="extended", on=TODAYS[0] + timedelta(days=1), days=2,
                                      action="test", recorded_at=timeutil.now()))
        else:  # a resumption before the clock ever started
            session.add(ClockEventRow(approval_id=ids[5], kind="resumed", on=LAST_EVENT - timedelta(days=300),
                                      days=0, action="test", recorded_at=timeutil.now()))
        await session.execute(update(Approval).where(Approval.id == ids[5]).values(status="accepted"))
        await clock_rows.rewrite(session, Approval.id == ids[5], timeutil.today())
        await session.commit()
        args: dict[str, Any] = {"department_code": None, "status": None, "level": "red", "project_id": None,
                                "today": TODAYS[0], "page": 1, "page_size": 5}
        with pytest.raises(Conflict):
            await reference_worklist(session, actor, **args)
        with pytest.raises(Conflict):
            await queries.worklist(session, actor, **args)

"""The remembered project detail (PostgreSQL) answers exactly what a fresh read would: a change made
anywhere — this process, another one, a script on the database — shows on the next read."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from sqlalchemy import text

from agency.db import changes
from tests.agency.projects.project_factory import by_code, create_enterprise, get_project, open_project
from tests.support import Api

# A change of no dossier (project -1), announced after the write: PostgreSQL delivers a listener the notifications
# of committed transactions in commit order, so once this one arrived, the write's own was applied too.
MARKER = "users:-1"


async def _raw(api: Api, statement: str, **params: Any) -> None:
    """A plain connection, no ORM unit of work and no session events: like another process's write. Returns once
    the server's change feed has been told of it (PostgreSQL delivers notifications asynchronously: within a
    millisecond on a quiet machine, later on a loaded one); the next read after that must show it."""
    async with api.sessions() as session:
        await (await session.connection()).execute(text(statement), params)
        await session.commit()
    feed = changes.feed_for(api.client.app.state.engine)
    if feed is None:  # SQLite: nothing is remembered, every read goes to the database
        return
    told = asyncio.Event()
    feed.subscribe(lambda _table, projects: told.set() if projects == frozenset({-1}) else None)
    async with api.sessions() as session:
        await session.execute(text("SELECT pg_notify(:channel, :payload)"),
                              {"channel": changes.CHANNEL, "payload": MARKER})
        await session.commit()
    await asyncio.wait_for(told.wait(), timeout=30)


async def test_a_change_made_outside_this_process_shows_on_the_next_read(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    first = await get_project(api, clerk, project["id"])
    assert await get_project(api, clerk, project["id"]) == first  # read twice: the same answer
    xmba = by_code(first)["xmba"]
    assert xmba["status"] == "planned"

    await _raw(api, "UPDATE approvals SET status = 'preparing', version = version + 1 WHERE id = :id",
               id=xmba["id"])
    assert by_code(await get_project(api, clerk, project["id"]))["xmba"]["status"] == "preparing"

    await _raw(api, "UPDATE enterprises SET name = :name WHERE id = :id", name="改名后的企业有限公司",
               id=enterprise["id"])
    assert (await get_project(api, clerk, project["id"]))["enterprise"]["name"] == "改名后的企业有限公司"

    await _raw(api, "UPDATE project_milestones SET expected_on = :day WHERE project_id = :id",
               day=date(2027, 6, 30), id=project["id"])
    assert (await get_project(api, clerk, project["id"]))["forecast"] != first["forecast"]


async def test_a_remembered_detail_is_never_shown_to_whom_may_not_see_it(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    await get_project(api, clerk, project["id"])
    other = await create_enterprise(api, clerk)
    outsider = await api.user_headers("enterprise", enterprise_id=other["id"])
    assert (await api.client.get(f"/api/projects/{project['id']}", headers=outsider)).status_code == 404
    owner = await api.user_headers("enterprise", enterprise_id=enterprise["id"])
    assert (await api.client.get(f"/api/projects/{project['id']}", headers=owner)).status_code == 200
    officer = await api.user_headers("department", department_code="zrzy")
    seen = (await api.client.get(f"/api/projects/{project['id']}", headers=officer)).json()
    assert {a["department_code"] for a in seen["approvals"]} == {"zrzy"}

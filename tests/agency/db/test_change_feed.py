"""The change feed on PostgreSQL: triggers announce what a commit changed, the server forgets what it
remembered of those dossiers, and while it cannot listen it reads through to the database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from agency.db import changes
from tests.agency.projects.project_factory import by_code, create_enterprise, get_project, open_project
from tests.support import Api

# PostgreSQL's LISTEN/NOTIFY only: SQLite (one process) reads through to the database every time.
pytestmark = [pytest.mark.integration, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]


def _dsn(api: Api) -> str:
    return make_url(api.settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def heard(api: Api) -> AsyncIterator[list[str]]:
    """Every payload announced on the channel while the test runs, as another process would hear them."""
    payloads: list[str] = []
    connection = await asyncpg.connect(_dsn(api))
    await connection.add_listener(changes.CHANNEL, lambda _c, _pid, _ch, payload: payloads.append(payload))
    yield payloads
    await connection.close()


async def _settle(api: Api, heard: list[str]) -> None:
    """Waits until what earlier commits announced has arrived, then forgets it."""
    await _raw(api, f"NOTIFY {changes.CHANNEL}, 'settled'")

    async def arrived() -> bool:
        return "settled" in heard

    await _until(arrived)
    heard.clear()


async def _raw(api: Api, statement: str, **params: Any) -> None:
    # A plain connection of another engine: no session events of the app, like another process's write.
    async with api.sessions() as session:
        await (await session.connection()).execute(text(statement), params)
        await session.commit()


async def _until(check: Callable[[], Awaitable[bool]], seconds: float = 30.0) -> float:
    """Seconds until ``check`` holds; fails the test after ``seconds``."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, "not within the time allowed"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def _feed(api: Api) -> changes.ChangeFeed:
    feed = changes.feed_for(api.client.app.state.engine)
    assert feed is not None, "the server on PostgreSQL listens for changes"
    return feed


async def _live(api: Api) -> changes.ChangeFeed:
    feed = _feed(api)

    async def listening() -> bool:
        return feed.live

    await _until(listening)
    return feed


async def test_a_commit_announces_the_dossiers_it_changed_and_nothing_else(api: Api, heard: list[str]) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    xmba = by_code(await get_project(api, clerk, project["id"]))["xmba"]
    await _settle(api, heard)

    await _raw(api, "UPDATE approvals SET version = version + 1 WHERE id = :id", id=xmba["id"])
    await _raw(api, "INSERT INTO clock_events (approval_id, kind, \"on\", days, reason, action, recorded_at) "
                    "VALUES (:id, 'started', CURRENT_DATE, 0, '', 'accept', now())", id=xmba["id"])
    await _raw(api, "UPDATE project_milestones SET expected_on = CURRENT_DATE WHERE project_id = :id",
               id=project["id"])
    await _raw(api, "UPDATE enterprises SET address = '别处' WHERE id = :id", id=enterprise["id"])  # not shown
    await _raw(api, "UPDATE approvals SET version = version + 1 WHERE id = -1")  # no row
    await _raw(api, "UPDATE enterprises SET name = '新名称有限公司' WHERE id = :id", id=enterprise["id"])

    async def all_heard() -> bool:
        return len(heard) >= 4

    await _until(all_heard)
    await asyncio.sleep(0.1)
    pid = str(project["id"])
    assert heard == [f"approvals:{pid}", f"clock_events:{pid}", f"project_milestones:{pid}", "enterprises:*"]


async def test_a_statement_over_many_dossiers_names_them_all_in_one_notification_or_says_every_one(
        api: Api, heard: list[str]) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    for _ in range(3):
        await open_project(api, clerk, enterprise["id"])
    await _settle(api, heard)
    async with api.sessions() as session:
        ids = sorted((await session.execute(text("SELECT id FROM projects"))).scalars())
    await _raw(api, "UPDATE projects SET version = version WHERE id > 0")

    async def one_heard() -> bool:
        return len(heard) >= 1

    await _until(one_heard)
    await asyncio.sleep(0.1)
    assert len(heard) == 1
    named = ",".join(map(str, ids))
    # A notification carries at most 8000 bytes: beyond 7000 of ids it says "every dossier".
    if len(named) > 7000:
        assert heard == ["projects:*"]
    else:
        assert sorted(int(i) for i in heard[0].removeprefix("projects:").split(",")) == ids


async def test_a_remembered_detail_is_served_without_the_database_and_forgotten_when_another_writer_changes_it(
        api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    await _live(api)
    first = await get_project(api, clerk, project["id"])
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = api.client.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert await get_project(api, clerk, project["id"]) == first
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == []

    xmba = by_code(first)["xmba"]
    await _raw(api, "UPDATE approvals SET status = 'preparing', version = version + 1 WHERE id = :id",
               id=xmba["id"])

    async def shown() -> bool:
        return by_code(await get_project(api, clerk, project["id"]))["xmba"]["status"] == "preparing"

    assert await _until(shown) < 5.0  # a moment, not a cache lifetime (loaded CI machines are slow)


async def test_a_change_made_through_this_server_shows_on_its_very_next_read(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    await _live(api)
    xmba = by_code(await get_project(api, clerk, project["id"]))["xmba"]
    acted = await api.client.post(f"/api/approvals/{xmba['id']}/actions", headers=clerk,
                                  json={"action": "prepare", "version": xmba["version"]})
    assert acted.status_code == 200, acted.text
    assert by_code(await get_project(api, clerk, project["id"]))["xmba"]["status"] == "preparing"
    listed = (await api.client.get("/api/projects", headers=clerk, params={"q": project["code"]})).json()
    assert [p["id"] for p in listed["items"]] == [project["id"]]


async def test_a_list_page_is_forgotten_when_an_approval_of_any_dossier_changes(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    await _live(api)
    query = {"enterprise_id": enterprise["id"]}

    async def listed() -> dict[str, Any]:
        page = (await api.client.get("/api/projects", headers=clerk, params=query)).json()
        return dict(page["items"][0])

    assert (await listed())["approvals_approved"] == 0
    await _raw(api, "UPDATE approvals SET status = 'approved' WHERE project_id = :id", id=project["id"])

    async def counted() -> bool:
        return (await listed())["approvals_approved"] == (await listed())["approvals_total"]

    assert await _until(counted) < 5.0


async def test_while_the_feed_cannot_listen_every_read_checks_the_database_and_it_listens_again(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    feed = await _live(api)
    await get_project(api, clerk, project["id"])
    await _raw(api, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name "
                    "AND datname = current_database()", name=changes.APPLICATION_NAME)

    async def deaf() -> bool:
        return not feed.live

    await _until(deaf)
    xmba = by_code(await get_project(api, clerk, project["id"]))["xmba"]
    await _raw(api, "UPDATE approvals SET status = 'preparing', version = version + 1 WHERE id = :id",
               id=xmba["id"])
    # Not listening: the very next read sees the change (the fingerprint check), no waiting.
    assert by_code(await get_project(api, clerk, project["id"]))["xmba"]["status"] == "preparing"
    await _live(api)
    assert by_code(await get_project(api, clerk, project["id"]))["xmba"]["status"] == "preparing"

"""Pages are fast: SQL statements per page with the demo data, counted on the engine, under a bound.

A page that runs a query per row of a list (N+1) grows with the data; the bound catches that.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event

from agency.app import create_app
from agency.settings import Settings
from tests.web.conftest import demo_login

# A page may need a few dozen statements (session, the object, its parts, the audit trail; the workbench one per
# counter, each the count of its own list; the dashboard its warning counters, open problems, the month's
# rankings, which read the department report again, and its overdue items by their clocks — one pass of the
# 红牌/督办 worklist, 7 statements — and the government-time section, 4): a fixed number per section, measured
# 2026-12-07 at 41 (project page), 28 (workbench) and 53 (dashboard). A list that queries per row
# passes this with one row of demo data but not with the demo's full lists (dozens of rows). The dashboard's
# month reads its decided approvals and their clock events once for the department report and once for the
# rankings (each tallied by department, officer and clerk in one pass): 49–51 statements on the days the date
# suites run (scripts/test-dates), whether the month has decided approvals or not.
MAX_STATEMENTS = 55


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)


@pytest.fixture
async def counted(demo_settings: Settings) -> AsyncIterator[tuple[AsyncTestClient[Any], Counter]]:
    app = create_app(demo_settings)
    counter = Counter()
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as c:
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", counter)
        yield c, counter


async def _count(client: AsyncTestClient[Any], counter: Counter, path: str) -> tuple[int, str]:
    counter.statements.clear()
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text[:1000])
    return len(counter.statements), response.text


async def test_clerk_pages_need_few_queries(counted: tuple[AsyncTestClient[Any], Counter],
                                            demo_settings: Settings) -> None:
    client, counter = counted
    await demo_login(client, demo_settings, "clerk")
    counts: dict[str, int] = {}
    counts["workbench"], text = await _count(client, counter, "/app")
    project = re.search(r'href="(/app/projects/\d+)"', text)
    assert project, text[:2000]
    counts["project"], text = await _count(client, counter, project.group(1))
    approvals = re.findall(r'href="(/app/approvals/\d+)"', text)
    assert approvals
    counts["approval"], _ = await _count(client, counter, approvals[0])
    counts["workbench page 2"], _ = await _count(client, counter, "/app?page=2")
    print("\nSQL statements per page (demo data):", counts)
    assert all(n <= MAX_STATEMENTS for n in counts.values()), (counts, counter.statements)


async def test_portal_pages_need_few_queries(counted: tuple[AsyncTestClient[Any], Counter],
                                             demo_settings: Settings) -> None:
    client, counter = counted
    await demo_login(client, demo_settings, "enterprise")
    counts: dict[str, int] = {}
    counts["portal"], text = await _count(client, counter, "/app/portal")
    projects = re.findall(r'href="(/app/portal/projects/\d+)"', text)
    assert projects
    for i, path in enumerate(dict.fromkeys(projects)):
        counts[f"portal project {i + 1}"], _ = await _count(client, counter, path)
    print("\nSQL statements per page (demo data):", counts)
    assert all(n <= MAX_STATEMENTS for n in counts.values()), (counts, counter.statements)


@pytest.mark.parametrize(("user", "paths"), [
    ("dept-fgj", ["/app/inbox"]), ("leader", ["/app/dashboard", "/app/reports"]),
    ("admin", ["/app/admin/users", "/app/admin/catalog", "/app/admin/calendar", "/app/admin/templates"])])
async def test_office_pages_need_few_queries(counted: tuple[AsyncTestClient[Any], Counter], demo_settings: Settings,
                                             user: str, paths: list[str]) -> None:
    client, counter = counted
    await demo_login(client, demo_settings, user)
    counts = {path: (await _count(client, counter, path))[0] for path in paths}
    print("\nSQL statements per page (demo data):", counts)
    assert all(n <= MAX_STATEMENTS for n in counts.values()), (counts, counter.statements)

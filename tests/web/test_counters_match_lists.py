"""Every counter on every role's pages equals the length of the list it links to, on the demo book.

A counter is ``<a class="count" href="PAGE#ID"><strong>N</strong>…</a>``; its list is the element ``ID`` of
``PAGE``, whose rows carry ``data-row`` (over every page of a paged list, following the ``rel="next"`` link
inside that element: a list's own pager). A list does not stop at a number its counter passes: with pages of
one or two rows, every counter still equals what its list reaches.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from agency.app import create_app
from agency.catalog.models import Department
from agency.db.engine import create_engine, create_sessionmaker
from agency.settings import Settings
from tests.conftest import make_settings
from tests.web.conftest import demo_login

COUNTER = re.compile(r'<a class="count[^"]*" href="([^"]+)"><strong>(\d+)</strong>([^<]+)</a>')
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
START_PAGES = {"clerk": ["/app"], "leader": ["/app/dashboard", "/app"], "admin": ["/app/dashboard"]}


class RowsIn(HTMLParser):
    """Counts the elements with ``data-row`` inside the element whose id is ``target``."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target, self.depth, self.found, self.rows = target, 0, False, 0
        self.next: str | None = None  # the list's own next page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.rows += any(name == "data-row" for name, _ in attrs)
            if tag == "a" and dict(attrs).get("rel") == "next":
                self.next = dict(attrs).get("href")
            if tag not in VOID:
                self.depth += 1
        elif dict(attrs).get("id") == self.target:
            self.found, self.depth = True, 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID:
            self.depth -= 1


async def list_length(client: AsyncTestClient[Any], href: str) -> int:
    path, _, target = href.partition("#")
    assert target, f"counter {href} does not point at a list"
    rows, seen = 0, set()
    next_path: str | None = path
    while next_path and next_path not in seen:
        seen.add(next_path)
        response = await client.get(next_path)
        assert response.status_code == 200, (next_path, response.text[:500])
        parser = RowsIn(target)
        parser.feed(response.text)
        assert parser.found, f"{next_path} has no element #{target}"
        rows += parser.rows
        next_path = parser.next.partition("#")[0] if parser.next else None
    return rows


@pytest.fixture
async def demo_client(demo_settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(demo_settings), raise_server_exceptions=False,
                               base_url="https://testserver.local") as client:
        yield client


async def department_users(settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url, pool_size=1)
    async with create_sessionmaker(engine)() as session:
        codes = list((await session.execute(select(Department.code).order_by(Department.code))).scalars())
    await engine.dispose()
    return [f"dept-{code}" for code in codes]


async def walk_counters(client: AsyncTestClient[Any], settings: Settings,
                        pages: dict[str, list[str]] | None = None) -> tuple[int, int, list[Any]]:
    """Every counter of every role's start pages (``pages``: user → paths; the demo's users unless given)
    against its list: (compared, nonzero, mismatches)."""
    if pages is None:
        pages = dict(START_PAGES) | {user: ["/app/inbox", "/app"] for user in await department_users(settings)}
    compared, mismatches, nonzero = 0, [], 0
    for user, paths in pages.items():
        client.cookies.clear()
        await demo_login(client, settings, user)
        for path in paths:
            page = await client.get(path)
            assert page.status_code == 200, (user, path)
            counters = COUNTER.findall(page.text)
            assert counters, f"{user}: no counters on {path}"
            for href, shown, label in counters:
                target = href if href.startswith("/") else path + href
                length = await list_length(client, target)
                compared += 1
                nonzero += int(shown) > 0
                if int(shown) != length:
                    mismatches.append((user, path, label.strip(), int(shown), length))
    return compared, nonzero, mismatches


async def test_every_counter_of_every_role_equals_its_list(demo_client: AsyncTestClient[Any],
                                                           demo_settings: Settings) -> None:
    compared, nonzero, mismatches = await walk_counters(demo_client, demo_settings)
    assert not mismatches, mismatches
    # The demo book has work in it: the walk compared real numbers, not only zeros.
    assert compared >= 10 and nonzero >= 4, (compared, nonzero)


async def test_counters_equal_their_lists_when_the_lists_page(demo_client: AsyncTestClient[Any],
                                                              demo_settings: Settings,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists of one or two rows a page: a counter still equals the rows its list reaches through its pager,
    and a page says how many there are in all."""
    from agency.web import pages_clerk, pages_department, pages_leader

    for module, name, size in ((pages_clerk, "URGENT_SHOWN", 2), (pages_clerk, "PAGE_SIZE", 2),
                               (pages_department, "WORK_SHOWN", 1), (pages_department, "NOTICES_SHOWN", 1),
                               (pages_leader, "ESCALATIONS_SHOWN", 1)):
        monkeypatch.setattr(module, name, size)
    compared, nonzero, mismatches = await walk_counters(demo_client, demo_settings)
    assert not mismatches, mismatches
    assert compared >= 10 and nonzero >= 4, (compared, nonzero)
    demo_client.cookies.clear()
    await demo_login(demo_client, demo_settings, "clerk")
    workbench = (await demo_client.get("/app")).text
    total = int(re.search(r"需关注的事项（共 (\d+) 项", workbench).group(1))  # type: ignore[union-attr]
    assert total > 2 and "每页 2 项" in workbench and 'rel="next"' in workbench


def _links(html: str, target: str) -> set[str]:
    """The approvals the element ``target`` of a page links to."""
    start = html.index(f'id="{target}"')
    return set(re.findall(r'href="/app/approvals/(\d+)"', html[start:html.index("</table>", start)]))


@pytest.fixture(scope="module")
def untouched_demo(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A demo book of its own: the session's is changed by the tests that walk the department's day (the demo's
    item held by a notice is resubmitted there)."""
    import asyncio

    from agency.db import migrate
    from tests.conftest import load_demo_book, new_database

    folder = tmp_path_factory.mktemp("untouched-demo")
    url = new_database("sqlite", folder)
    migrate.upgrade(url)
    settings = make_settings(url, folder)
    asyncio.run(load_demo_book(settings))
    return settings


async def test_a_supplement_before_acceptance_is_not_to_send(untouched_demo: Settings) -> None:
    """An item in preparation with a notice (a supplement asked before acceptance) is 待补正 until the clerk
    resubmits: in that counter's list, not in 待报送's; both counters are the lengths of their lists; the
    workbench's and the spreadsheet's status read 待补正."""
    async with AsyncTestClient(app=create_app(untouched_demo), raise_server_exceptions=False,
                               base_url="https://testserver.local") as client:
        await _held_by_a_notice_is_not_to_send(client, untouched_demo)


async def _held_by_a_notice_is_not_to_send(demo_client: AsyncTestClient[Any], demo_settings: Settings) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from agency.approvals.models import Approval
    from agency.approvals.rules import awaits_supplement_before_acceptance

    engine = create_engine(demo_settings.database_url, pool_size=1)
    async with create_sessionmaker(engine)() as session:
        preparing = list((await session.execute(select(Approval).where(Approval.status == "preparing"))).scalars())
    await engine.dispose()
    held = {str(a.id) for a in preparing if awaits_supplement_before_acceptance(a.status, a.pending_supplement)}
    ready = {str(a.id) for a in preparing} - held
    assert held, "the demo has an item in preparation with a notice"
    demo_client.cookies.clear()
    await demo_login(demo_client, demo_settings, "clerk")
    workbench = (await demo_client.get("/app")).text
    shown = {href: int(n) for href, n, _ in COUNTER.findall(workbench)}
    to_send = (await demo_client.get("/app?work=to_send")).text
    supplement = (await demo_client.get("/app?work=supplement")).text
    assert _links(to_send, "urgent") == ready
    assert held <= _links(supplement, "urgent")
    assert shown["/app?work=to_send#urgent"] == len(ready)
    assert shown["/app?work=supplement#urgent"] == len(_links(supplement, "urgent"))
    held_id = next(iter(held))
    row = re.search(rf'href="/app/approvals/{held_id}">.*?data-label="状态">([^<]+)<', supplement, re.S)
    assert row and row.group(1) == "待补正", row
    # The spreadsheets of the two lists: the same rows, the same status names.
    for work, expected in (("to_send", len(ready)), ("supplement", shown["/app?work=supplement#urgent"])):
        response = await demo_client.get(f"/app/worklist.xlsx?work={work}")
        assert response.status_code == 200
        rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
        assert len(rows) - 1 == expected, (work, len(rows) - 1, expected)
        statuses = {r[5] for r in rows[1:]}
        assert statuses <= {"材料准备中"} if work == "to_send" else "待补正" in statuses, (work, statuses)


async def test_every_counter_equals_its_list_on_the_seeded_book(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmarks' seeded book (PostgreSQL; projects at every stage, clocks paused and running, the first
    sweep's warnings): lists longer than a page, each counter against every page of its list."""
    from agency.reports import service as reports
    from agency.web import pages_department, pages_leader
    from tests.benchmarks import seed
    from tests.conftest import PG_ADMIN_URL, service_missing

    name = f"agency_counters_{uuid.uuid4().hex[:8]}"
    try:
        seeded = await seed.seeded_database(name, 120, sweep=True)
    except OSError as error:
        service_missing("PostgreSQL at " + PG_ADMIN_URL, error)
    try:
        # The department's and the leader's lists page sooner than in production, so their pagers are walked too.
        for module, constant, size in ((pages_department, "WORK_SHOWN", 7), (pages_department, "NOTICES_SHOWN", 5),
                                       (pages_leader, "ESCALATIONS_SHOWN", 9), (reports, "DASHBOARD_LIMIT", 9)):
            monkeypatch.setattr(module, constant, size)
        settings = make_settings(seeded.url, tmp_path, AGENCY_DEMO_PASSWORD=seed.PASSWORD)
        users = {"bench-clerk0": ["/app"], "bench-leader": ["/app/dashboard", "/app"]} | {
            f"bench-{code[len('dept-'):]}": ["/app/inbox", "/app"] for code in await department_users(settings)}
        async with AsyncTestClient(app=create_app(settings), raise_server_exceptions=False,
                                   base_url="https://testserver.local") as client:
            compared, nonzero, mismatches = await walk_counters(client, settings, users)
            await demo_login(client, settings, "bench-clerk0")
            urgent = (await client.get("/app")).text
            client.cookies.clear()
            await demo_login(client, settings, "bench-leader")
            dashboard = (await client.get("/app/dashboard")).text
        overdue = await _overdue_items(settings)
    finally:
        await seed.drop_database(name)
    assert not mismatches, mismatches
    assert compared >= 10 and nonzero >= 4, (compared, nonzero)
    assert 'rel="next"' in urgent.split('id="urgent"')[1].split('id="projects"')[0], "the seeded worklist pages"
    # The leader's chart of overdue items counts the whole 红牌 / 督办 list by the clocks, not one page of it.
    chart = dashboard.split('id="chart-overdue"')[1].split("</svg>")[0]
    assert sum(int(n) for n in re.findall(r'<text class="value[^"]*"[^>]*>(\d+)</text>', chart)) == overdue > 9


async def _overdue_items(settings: Settings) -> int:
    """The leader's 红牌 / 督办 worklist (open approvals past their promised date by their clocks, whatever became of
    the escalation cards): the list the dashboard's 当前超期事项 counts, its total read directly."""
    from agency.access import Actor, Role
    from agency.approvals import workviews
    from agency.timeutil import today_local

    engine = create_engine(settings.database_url, pool_size=1)
    async with create_sessionmaker(engine)() as session:
        _, total = await workviews.rows(session, Actor(user_id=0, username="leader", role=Role.LEADER),
                                        workviews.RED, today=today_local(), page_size=0)
    await engine.dispose()
    return total


async def test_an_enterprise_page_says_how_many_projects_it_shows(demo_client: AsyncTestClient[Any],
                                                                  demo_settings: Settings,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An enterprise's projects beyond what its page lists: it says so and links to all of them."""
    from sqlalchemy import func

    from agency.projects.models import Project
    from agency.web import pages_enterprises

    engine = create_engine(demo_settings.database_url, pool_size=1)
    async with create_sessionmaker(engine)() as session:
        enterprise_id, total = (await session.execute(
            select(Project.enterprise_id, func.count()).group_by(Project.enterprise_id)
            .order_by(func.count().desc()).limit(1))).one()
    await engine.dispose()
    assert total >= 2, "a demo enterprise has several projects"
    monkeypatch.setattr(pages_enterprises, "PROJECTS_SHOWN", 1)
    demo_client.cookies.clear()
    await demo_login(demo_client, demo_settings, "clerk")
    page = (await demo_client.get(f"/app/enterprises/{enterprise_id}")).text
    assert f"共 {total} 个，显示前 1 个" in page
    rest = re.search(r'<a href="(/app\?q=[^"#]+)#projects">在项目档案中查看全部</a>', page)
    assert rest and await list_length(demo_client, rest.group(1) + "#projects") == total

"""The pages of the lists hanging off a dossier pick a site by name, through the same service query as the API's
``site_code=``: the problems, the rectifications, the leader's return visits and the department's bundles of the
dossiers that site holds — and an unknown site is told in Chinese, by name."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from agency.approvals.models import Approval
from agency.projects.models import Project
from tests.agency.approvals.flow import open_dossier
from tests.agency.sites.test_site_lists_api import dossier_with_a_row_in_each_list
from tests.support import Api, unique
from tests.web.browsers import browser_of


@pytest.mark.today("2026-03-31")
async def test_the_list_pages_show_the_rows_of_the_site_picked(api: Api) -> None:
    hall, east = unique("hall").lower(), unique("sub").lower()
    for code, name, kind in ((hall, "河西镇便民服务大厅", "township_hall"), (east, "城东分中心", "sub_center")):
        saved = await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
        assert saved.status_code == 200, saved.text
    d, ids = await dossier_with_a_row_in_each_list(api)
    await api.execute(update(Project).where(Project.id == d.project["id"]).values(site_code=hall))
    leader = await browser_of(api.client, await _username(api, "leader"))
    bundle = (await api.client.get(f"/api/bundles/{ids['/api/bundles']}", headers=api.admin_headers)).json()
    department = bundle["department_code"]
    officer = await browser_of(api.client, await _username(api, "department", department_code=department))

    pages = ((leader, "/app/problems", "site", f'id="problem-{ids["/api/problems"]}"'),
             (leader, "/app/rectifications", "site", f'id="rectification-{ids["/api/rectifications"]}"'),
             (leader, "/app/dashboard", "fsite", f'action="/app/follow-ups/{ids["/api/follow-ups"]}/close"'),
             (officer, "/app/inbox", "bsite", bundle["code"]))
    for browser, url, param, row in pages:
        shown = (await browser.get(url, params={param: hall})).text
        assert row in shown, url
        # The select names the sites in Chinese, the one picked selected.
        assert f'<select id="{param}" name="{param}">' in shown and "全部站点" in shown, url
        assert f'<option value="{hall}" selected>河西镇便民服务大厅</option>' in shown, url
        assert row not in (await browser.get(url, params={param: east})).text, url
        unknown = await browser.get(url, params={param: "nowhere"})
        assert unknown.status_code == 422 and "站点 nowhere 不存在" in unknown.text, url


async def _username(api: Api, role: str, **binding: str) -> str:
    return (await api.create_user(role, **binding)).username


@pytest.mark.today("2026-03-31")
async def test_the_worklist_of_the_site_picked_counts_and_exports_its_own_items(api: Api) -> None:
    """The workbench's 待办站点: the views, their counters and the spreadsheet hold the items of the dossiers the
    site picked holds — one call per view, as the API's ``GET /api/approvals?site_code=``."""
    hall, east = unique("hall").lower(), unique("sub").lower()
    for code, name, kind in ((hall, "河西镇便民服务大厅", "township_hall"), (east, "城东分中心", "sub_center")):
        saved = await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
        assert saved.status_code == 200, saved.text
    d = await open_dossier(api)
    items = [await d.get(a["id"]) for a in d.project["approvals"]]
    item = next(a for a in items if a["status"] == "planned")
    await api.execute(update(Approval).where(Approval.id.in_(item["prerequisites"])).values(
        status="approved", decided_on=date(2026, 1, 5), status_since=date(2026, 1, 5)))
    await d.ok(item["id"], "prepare")  # 待报送
    await api.execute(update(Project).where(Project.id == d.project["id"]).values(site_code=hall))
    me = (await api.client.get("/api/me", headers=d.clerk)).json()
    clerk = await browser_of(api.client, me["username"])

    def to_send(html: str) -> tuple[int, set[str]]:
        counter = re.search(r'href="[^"]*work=to_send#urgent"><strong>(\d+)</strong>', html)
        assert counter, html
        rows = html.split('id="urgent"')[1].split("</table>")[0]
        return int(counter.group(1)), set(re.findall(r'href="/app/approvals/(\d+)"', rows))

    held = (await clerk.get("/app", params={"work": "to_send", "wsite": hall})).text
    assert f'<option value="{hall}" selected>河西镇便民服务大厅</option>' in held
    assert to_send(held) == (1, {str(item["id"])})
    api_total = (await api.client.get("/api/approvals", headers=d.clerk, params={
        "site_code": hall, "status": "preparing"})).json()["total"]
    assert api_total == 1
    assert to_send((await clerk.get("/app", params={"work": "to_send", "wsite": east})).text) == (0, set())
    exported = await clerk.get("/app/worklist.xlsx", params={"work": "to_send", "wsite": hall})
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert any(item["name"] in str(cell.value) for row in sheet.iter_rows() for cell in row)
    unknown = await clerk.get("/app", params={"wsite": "nowhere"})
    assert unknown.status_code == 422 and "站点 nowhere 不存在" in unknown.text

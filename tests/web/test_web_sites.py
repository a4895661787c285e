"""The administrator's page of service sites: adds a township hall through the same service as the API, names
the kind in Chinese, refuses a Chinese code with a form message; a clerk is refused the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from agency.accounts.models import User
from agency.app import create_app
from agency.cli import in_session
from agency.projects.models import Project, ProjectHandover
from agency.settings import Settings
from agency.sites import service as sites
from tests.support import Api
from tests.web.browsers import browser_of
from tests.web.conftest import demo_login


async def test_the_administrator_adds_a_township_hall_on_the_sites_page(api: Api) -> None:
    admin_name = str((await api.client.get("/api/me", headers=api.admin_headers)).json()["username"])
    admin = await browser_of(api.client, admin_name)
    page = "/app/admin/sites"
    assert "新增或更名站点" in (await admin.get(page)).text
    bad = await admin.post(page, {"code": "河西", "name": "河西镇便民服务大厅", "kind": "township_hall"}, page=page)
    assert bad.status_code == 422 and "站点代码须为小写英文字母开头" in bad.text
    saved = await admin.post(page, {"code": "qingshan", "name": "青山镇便民服务大厅", "kind": "township_hall"},
                             page=page)
    assert saved.status_code == 303
    shown = (await admin.get(saved.headers["location"])).text
    assert "已保存站点 qingshan" in shown and "青山镇便民服务大厅" in shown and "乡镇便民服务大厅" in shown
    listed = (await api.client.get("/api/sites", headers=api.admin_headers)).json()
    assert [(s["name"], s["kind"]) for s in listed if s["code"] == "qingshan"] == [
        ("青山镇便民服务大厅", "township_hall")]

    clerk_name = str((await api.client.get("/api/me", headers=await api.user_headers("clerk"))).json()["username"])
    clerk = await browser_of(api.client, clerk_name)
    assert (await clerk.get(page)).status_code in (403, 303)


@pytest.mark.today("2026-08-04")
async def test_the_hall_clerk_hands_the_dossier_over_on_the_project_page_and_then_only_reads_it(api: Api) -> None:
    from tests.agency.sites.test_handover_api import SITES, _open

    for code, name, kind in SITES:
        await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
    hall_headers = await api.user_headers("clerk", site_code="hexi")
    center_headers = await api.user_headers("clerk", site_code="county")
    dossier = await _open(api, hall_headers)
    page = f"/app/projects/{dossier['id']}"
    hall = await browser_of(api.client, str((await api.client.get("/api/me", headers=hall_headers)).json()["username"]))
    shown = (await hall.get(page)).text
    assert "现由 <strong>河西镇便民服务大厅</strong> 办理" in shown and "移交项目</button>" in shown
    blank = await hall.post(f"{page}/handover", {"note": "", "site_code": "county"}, page=page)
    assert "请填写移交说明" in (await hall.get(blank.headers["location"])).text
    done = await hall.post(f"{page}/handover", {"note": "企业申请由县中心代办", "site_code": "county"}, page=page)
    assert done.status_code == 303
    after = (await hall.get(done.headers["location"])).text
    assert "已移交示范县政务服务中心，由" in after and "接办；本站点保留只读查看" in after
    assert "本站点只能查看，不能修改" in after and "移交项目</button>" not in after
    assert "由河西镇便民服务大厅移交示范县政务服务中心。企业申请由县中心代办" in after
    assert "移交项目" in after  # the timeline's line
    center_name = str((await api.client.get("/api/me", headers=center_headers)).json()["username"])
    center = await browser_of(api.client, center_name)
    taken = (await center.get(page)).text
    assert "现由 <strong>示范县政务服务中心</strong> 办理" in taken and "本站点只能查看" not in taken

    leader_name = str((await api.client.get("/api/me", headers=await api.user_headers("leader"))).json()["username"])
    dashboard = (await (await browser_of(api.client, leader_name)).get("/app/dashboard")).text
    assert "按站点" in dashboard and "河西镇便民服务大厅" in dashboard and "城东分中心" in dashboard


def _forms(html: str) -> set[str]:
    """Where the page's forms post (the sign-out form of every page aside)."""
    return {action for action in re.findall(r'<form[^>]*action="([^"]+)"', html) if "logout" not in action}


@pytest.mark.today("2026-08-04")
async def test_after_the_handover_the_hall_clerk_sees_no_form_he_can_no_longer_use(api: Api) -> None:
    """The project, approval and coordination pages of a dossier handed away show the hall's clerk no form (each
    would answer 403); the center's clerk, who holds it now, has them all."""
    from tests.agency.approvals.flow import Dossier
    from tests.agency.sites.test_handover_api import SITES, _open

    for code, name, kind in SITES:
        await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
    hall_headers = await api.user_headers("clerk", site_code="hexi")
    center_headers = await api.user_headers("clerk", site_code="county")
    project = await _open(api, hall_headers)
    d = Dossier(api, project, hall_headers, project["enterprise"]["id"])
    await d.force_approved("xmba")
    approval = await d.ready_to_submit("ydghxk")
    pid = project["id"]
    pages = (f"/app/projects/{pid}", f"/app/approvals/{approval}", f"/app/projects/{pid}/coordination")
    hall = await browser_of(api.client, str((await api.client.get("/api/me", headers=hall_headers)).json()["username"]))
    center = await browser_of(api.client,
                              str((await api.client.get("/api/me", headers=center_headers)).json()["username"]))
    before = {url: _forms((await hall.get(url)).text) for url in pages}
    assert {f"/app/projects/{pid}/bundles", f"/app/projects/{pid}/documents", f"/app/projects/{pid}/details",
            f"/app/projects/{pid}/handover"} <= before[pages[0]]
    assert f"/app/approvals/{approval}/actions" in before[pages[1]]
    assert f"/app/projects/{pid}/problems" in before[pages[2]]

    handed = await api.client.post(f"/api/projects/{pid}/handover", headers=hall_headers, json={"note": "移交县中心"})
    assert handed.status_code == 201, handed.text
    for url in pages:
        shown = await hall.get(url)
        assert shown.status_code == 200, url
        assert _forms(shown.text) == set(), (url, _forms(shown.text))
    assert "本站点只能查看，不能修改" in (await hall.get(pages[0])).text
    taken = {url: _forms((await center.get(url)).text) for url in pages}
    assert {f"/app/projects/{pid}/bundles", f"/app/projects/{pid}/documents",
            f"/app/projects/{pid}/details"} <= taken[pages[0]]
    assert f"/app/approvals/{approval}/actions" in taken[pages[1]]
    assert f"/app/projects/{pid}/problems" in taken[pages[2]]
    # A form kept from before still meets the service's refusal, in Chinese.
    refused = await hall.post(f"/app/projects/{pid}/documents", {"template": "authorization_letter",
                                                                 "format": "docx"}, page=pages[0])
    assert refused.status_code == 403 and "本站点只能查看" in refused.text


async def test_the_demo_has_the_countys_sites_and_a_dossier_a_hall_handed_over(demo_settings: Settings) -> None:
    """The demo's county: the center, two sub-centers and three township halls; the 临溪镇 hall's clerk opened a
    dossier and handed it to the center, whose clerk now holds it; the hall keeps a read-only view."""
    from agency.demo_office import HANDED_OVER, HANDOVER_NOTE

    async def facts(session: Any) -> tuple[list[str], int, str | None, str, list[tuple[str | None, str, str]]]:
        kinds = [s.kind for s in await sites.list_sites(session)]
        project = (await session.execute(select(Project).where(Project.name == HANDED_OVER.name))).scalar_one()
        clerk = await session.get_one(User, project.clerk_id)
        moves = [(h.from_site_code, h.to_site_code, h.note) for h in (await session.execute(
            select(ProjectHandover).where(ProjectHandover.project_id == project.id))).scalars()]
        return kinds, project.id, project.site_code, clerk.username, moves

    kinds, project_id, held_by, clerk, moves = await in_session(facts, demo_settings)
    assert kinds == ["center", "sub_center", "sub_center", "township_hall", "township_hall", "township_hall"]
    assert (held_by, clerk, moves) == ("county", "clerk", [("linxi", "county", HANDOVER_NOTE)])
    async with AsyncTestClient(app=create_app(demo_settings), raise_server_exceptions=False,
                               base_url="https://testserver.local") as web:
        await demo_login(web, demo_settings, "clerk-linxi")
        shown = (await web.get(f"/app/projects/{project_id}")).text
        assert "现由 <strong>示范县政务服务中心</strong> 办理" in shown and "本站点只能查看，不能修改" in shown
        # The hall's project list still shows the dossier (read-only).
        assert HANDED_OVER.name in (await web.get("/app")).text.split('id="projects"')[1]
    async with AsyncTestClient(app=create_app(demo_settings), raise_server_exceptions=False,
                               base_url="https://testserver.local") as web:
        await demo_login(web, demo_settings, "clerk")
        # The workbench's and the enterprises' lists filtered by site (the same service as ``site_code=``).
        by_center = (await web.get("/app", params={"site": "county"})).text
        assert 'option value="county" selected' in by_center and HANDED_OVER.name in by_center
        by_hall = (await web.get("/app", params={"site": "linxi"})).text
        assert HANDED_OVER.name not in by_hall.split('id="projects"')[1]
        assert "共 0 家企业" in (await web.get("/app/enterprises", params={"site": "linxi"})).text
        assert "共 0 家企业" not in (await web.get("/app/enterprises", params={"site": "county"})).text
        assert (await web.get("/app/enterprises", params={"site": "河西"})).status_code == 400
    async with AsyncTestClient(app=create_app(demo_settings), raise_server_exceptions=False,
                               base_url="https://testserver.local") as web:
        await demo_login(web, demo_settings, "leader")
        # The dashboard's dossiers per site link to the project list of that site, which counts as many.
        dashboard = (await web.get("/app/dashboard")).text
        for name in ("示范县政务服务中心", "临溪镇便民服务中心", "青山镇便民服务大厅"):
            found = re.search(rf'<td data-label="站点">{name}</td><td data-label="在办项目"><a href="([^"]+)">(\d+)</a>'
                              rf'</td><td data-label="全部项目"><a href="([^"]+)">(\d+)</a></td>', dashboard)
            assert found, name
            for link, shown in ((found.group(1), found.group(2)), (found.group(3), found.group(4))):
                listed = (await web.get(link.replace("&amp;", "&").split("#")[0])).text
                assert f"共 {shown} 个项目" in listed, (name, link)


@pytest.mark.today("2026-08-04")
async def test_the_hand_over_form_names_the_center_clerk_who_takes_the_dossier(api: Api) -> None:
    """The project page's hand-over form offers the receiving sites' clerks by name, none picked (then the
    site's least loaded clerk takes it); the one picked becomes the dossier's clerk — the service of
    ``POST /api/projects/{id}/handover`` with ``clerk_id``; a clerk of another site is refused in Chinese."""
    from tests.agency.sites.test_handover_api import _open
    from tests.support import unique

    hall, empty = unique("hall").lower(), unique("empty").lower()
    for code, name, kind in (("county", "示范县政务服务中心", "center"), (hall, "河西镇便民服务大厅", "township_hall"),
                             (empty, "无人值守分中心", "sub_center")):
        await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
    hall_user = await api.create_user("clerk", site_code=hall)
    first, second = [await api.create_user("clerk", site_code="county") for _ in range(2)]
    names = {first.id: unique("钱代办"), second.id: unique("孙代办")}
    for user_id, name in names.items():
        await api.execute(update(User).where(User.id == user_id).values(display_name=name))
    dossier = await _open(api, await api.login(hall_user.username))
    page = f"/app/projects/{dossier['id']}"
    clerk = await browser_of(api.client, hall_user.username)

    shown = (await clerk.get(page)).text
    sites_offered = shown.split('id="handover-site"')[1].split("</select>")[0]
    assert "示范县政务服务中心" in sites_offered and "无人值守分中心" not in sites_offered  # no clerk to take it
    form = shown.split('id="handover-clerk"')[1].split("</select>")[0]
    assert '<option value="" selected>不指定（自动分给接收站点在办项目最少的代办员）</option>' in form
    center_group = form.split('<optgroup label="示范县政务服务中心">')[1].split("</optgroup>")[0]
    for user_id, name in names.items():
        assert f'<option value="{user_id}">{name}</option>' in center_group
    # Another hall's clerk may not take a dossier handed to the center; a made-up choice is refused too.
    other = await api.create_user("clerk", site_code=hall)
    for wrong, says in ((str(other.id), "接办代办员须为接收站点在岗的代办员"), ("钱", "接办代办员选择无效")):
        refused = await clerk.post(f"{page}/handover", {"note": "移交县中心", "site_code": "county",
                                                          "clerk_id": wrong}, page=page)
        assert refused.status_code == 303
        assert says in (await clerk.get(refused.headers["location"])).text
    done = await clerk.post(f"{page}/handover", {"note": "企业申请由县中心代办", "site_code": "county",
                                                   "clerk_id": str(second.id)}, page=page)
    assert done.status_code == 303
    assert f"已移交示范县政务服务中心，由{names[second.id]}接办" in (await clerk.get(done.headers["location"])).text
    async with api.sessions() as session:
        project = await session.get_one(Project, dossier["id"])
        moved = (await session.execute(select(ProjectHandover).where(ProjectHandover.project_id == project.id))
                 ).scalar_one()
    assert (project.site_code, project.clerk_id, moved.received_by) == ("county", second.id, second.id)

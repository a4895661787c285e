"""The approval page and the enterprise portal over HTTP: actions with field errors, timeline, masking."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.test_web_pages import TOKEN_RE, csrf, web_login


async def test_approval_page_actions_errors_and_timeline(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    approval_id = d.project["approvals"][0]["id"]
    clerk = (await client.get("/api/me", headers=d.clerk)).json()["username"]
    await web_login(client, clerk)
    page = await client.get(f"/app/approvals/{approval_id}")
    assert page.status_code == 200, page.text[:2000]
    assert "尚未受理，未开始计时" in page.text and 'name="api-token"' in page.text
    assert 'id="act-prepare"' in page.text and 'id="act-accept"' not in page.text
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    empty = await client.post(f"/app/approvals/{approval_id}/actions",
                              data={"_csrf_token": token, "action": "withdraw", "version": "1", "reason": ""})
    assert empty.status_code == 422 and 'id="e-f-withdraw-reason"' in empty.text and "撤回原因" in empty.text
    stale = await client.post(f"/app/approvals/{approval_id}/actions",
                              data={"_csrf_token": token, "action": "prepare", "version": "99"})
    assert stale.status_code == 409 and "请刷新后重试" in stale.text
    done = await client.post(f"/app/approvals/{approval_id}/actions",
                             data={"_csrf_token": token, "action": "prepare", "version": "1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/app/approvals/{approval_id}?ok=")
    after = await client.get(done.headers["location"])
    assert "已办理：开始准备材料" in after.text and "材料准备中" in after.text
    assert "：开始准备材料" in after.text.split('id="tl-h"')[1]
    project = await client.get(f"/app/projects/{d.project['id']}")
    assert f'href="/app/approvals/{approval_id}"' in project.text and "立项用地规划" in project.text
    assert "：开始准备材料" in project.text and "approval.prepare" not in project.text


async def test_portal_shows_progress_and_missing_materials_masked(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    approval_id = d.project["approvals"][0]["id"]
    await d.ok(approval_id, "prepare")
    user = await api.create_user("enterprise", enterprise_id=d.enterprise_id)
    await web_login(client, user.username)
    home = await client.get("/app")
    assert str(home.url).endswith("/app/portal") and d.project["name"] in home.text
    page = await client.get(f"/app/portal/projects/{d.project['id']}")
    assert page.status_code == 200, page.text[:2000]
    assert "需要贵单位提供的材料" in page.text and d.project["approvals"][0]["name"] in page.text
    assert "立项用地规划" in page.text
    other = await client.get(f"/app/approvals/{approval_id}", follow_redirects=False)
    assert other.status_code == 303 and other.headers["location"] == f"/app/portal/projects/{d.project['id']}"
    assert (await client.get("/app/portal/projects/999999")).status_code == 404
    await csrf(client, "/app/portal")

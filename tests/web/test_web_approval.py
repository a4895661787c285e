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


async def test_upload_form_works_without_javascript(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    approval_id = d.project["approvals"][0]["id"]
    code = (await d.get(approval_id))["materials"][0]["code"]
    clerk = (await client.get("/api/me", headers=d.clerk)).json()["username"]
    await web_login(client, clerk)
    page = await client.get(f"/app/approvals/{approval_id}")
    route = f"/app/approvals/{approval_id}/materials/{code}/files"
    assert f'action="{route}"' in page.text and f'data-api="/api{route[4:]}"' in page.text
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    scan = b"%PDF-1.7\n" + "营业执照扫描件".encode() * 300
    done = await client.post(route, data={"_csrf_token": token}, files={"file": ("执照.pdf", scan, "application/pdf")},
                             follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]
    assert done.headers["location"].startswith(f"/app/approvals/{approval_id}?ok=")
    after = await client.get(done.headers["location"])
    assert "已上传：执照.pdf（第 1 版）" in after.text and '>执照.pdf</a>' in after.text
    wrong = await client.post(route, data={"_csrf_token": token},
                              files={"file": ("说明.txt", "不是扫描件".encode(), "text/plain")})
    assert wrong.status_code == 415
    assert f'id="e-up-{code}"' in wrong.text and "该材料只接受" in wrong.text
    assert "type not accepted" not in wrong.text
    none = await client.post(route, data={"_csrf_token": token}, files={"file": ("", b"", "application/pdf")})
    assert none.status_code == 422 and "请先选择要上传的文件" in none.text
    refused = await client.post(route, files={"file": ("执照.pdf", scan, "application/pdf")})
    assert refused.status_code == 403 and "安全校验码" in refused.text


async def test_enterprise_rates_a_decided_approval_once_on_the_portal(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    await d.ok(xmba, "accept", fgj)
    await d.ok(xmba, "approve", fgj, certificate_no="2026-330521-00-03-000999")
    user = await api.create_user("enterprise", enterprise_id=d.enterprise_id)
    await web_login(client, user.username)
    url = f"/app/portal/projects/{d.project['id']}"
    page = await client.get(url)
    assert "办理服务评价" in page.text and "非常满意" in page.text
    token = await csrf(client, url)
    without_score = await client.post(f"/app/portal/approvals/{xmba}/rating", data={"_csrf_token": token},
                                      follow_redirects=False)
    assert without_score.headers["location"].endswith("?rating=missing")
    rated = await client.post(f"/app/portal/approvals/{xmba}/rating",
                              data={"_csrf_token": token, "score": "2", "comment": "补正来回两次"},
                              follow_redirects=False)
    assert rated.status_code == 303 and rated.headers["location"].endswith("?rating=thanks")
    after = await client.get(url + "?rating=thanks")
    assert "感谢您的评价" in after.text and "已评价：不满意" in after.text
    again = await client.post(f"/app/portal/approvals/{xmba}/rating",
                              data={"_csrf_token": token, "score": "5"}, follow_redirects=False)
    assert again.headers["location"].endswith("?rating=done")
    follow_ups = await api.client.get("/api/follow-ups", headers=api.admin_headers, params={"status": "open"})
    assert xmba in [f["approval_id"] for f in follow_ups.json()["items"]]  # a score of 2 asks for a visit

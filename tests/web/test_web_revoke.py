"""The administrator revokes a paper from the project page (the same service function as
POST /api/documents/{id}/revoke); the public page then says 已撤销 with the reason; nobody else may."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from litestar.testing import AsyncTestClient

from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.browsers import browser_of


async def test_the_admin_revokes_a_paper_from_the_project_page(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    project_id = d.project["id"]
    made = await api.client.post(f"/api/projects/{project_id}/documents", headers=d.clerk,
                                 json={"template": "authorization_letter"})
    assert made.status_code == 201, made.text
    paper = made.json()
    url = f"/app/projects/{project_id}/documents/{paper['id']}/revoke"
    clerk = (await api.client.get("/api/me", headers=d.clerk)).json()["username"]
    async with await browser_of(client, clerk) as browser:
        page = await browser.get(f"/app/projects/{project_id}")
        assert f'action="{url}"' not in page.text  # no revoke form for the clerk
        refused = await browser.post(url, {"reason": "文号有误"}, page=f"/app/projects/{project_id}")
        assert refused.status_code == 403
    admin = await api.create_user("admin")
    async with await browser_of(client, admin.username) as browser:
        page = await browser.get(f"/app/projects/{project_id}")
        assert f'action="{url}"' in page.text and "撤销原因" in page.text
        assert (await browser.post(url, {"reason": "文号有误"}, token="")).status_code == 403  # CSRF as other forms
        empty = await browser.post(url, {"reason": "  "}, page=f"/app/projects/{project_id}")
        assert empty.status_code == 303 and "请填写撤销原因" in unquote(empty.headers["location"])
        done = await browser.post(url, {"reason": "文号有误，已重新出具"}, page=f"/app/projects/{project_id}")
        assert done.status_code == 303 and "ok=" in done.headers["location"], done.text[:500]
        listed = (await browser.get(f"/app/projects/{project_id}")).text
        assert "已撤销（文号有误，已重新出具）" in listed and f'action="{url}"' not in listed
    shown = await client.get(f"/verify/{paper['verification_code']}")
    assert shown.status_code == 200
    # The public page says it is revoked; the reason stays in the office (it may name the dossier).
    assert "已撤销" in shown.text and "文号有误，已重新出具" not in shown.text
    assert (await api.client.get(f"/api/verify/{paper['verification_code']}")).json()["status"] == "revoked"

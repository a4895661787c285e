"""The project page's paper form goes through the same rules as the API (issue 19, finding 1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from agency.documents.models import Document
from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.browsers import browser_of


async def _documents(api: Api, project_id: int) -> int:
    async with api.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Document).where(
            Document.project_id == project_id))).scalar_one())


async def test_the_paper_form_keeps_the_rules_of_the_api(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    project_id = d.project["id"]
    url = f"/app/projects/{project_id}/documents"
    enterprise = await api.create_user("enterprise", enterprise_id=d.enterprise_id)
    officer = await api.create_user("department", department_code="fgj")
    clerk = (await api.client.get("/api/me", headers=d.clerk)).json()["username"]
    async with await browser_of(client, enterprise.username) as browser:
        # With its own session and CSRF token the enterprise got 303 and a stored progress report.
        refused = await browser.post(url, {"template": "progress_report"}, page="/app/portal")
        assert refused.status_code == 403 and "无权" in refused.text
        later = await browser.post(url, {"template": "completion_notice", "approval_id": str(d.approval_id("sgxk"))},
                                   page="/app/portal")
        assert later.status_code == 403
    async with await browser_of(client, officer.username) as browser:
        # 发展和改革局 on an approval of 自然资源和规划局: an official notice on another department's item.
        foreign = await browser.post(url, {"template": "one_time_notice",
                                           "approval_id": str(d.approval_id("ydghxk"))}, page="/app/inbox")
        assert foreign.status_code == 404 and "页面不存在" in foreign.text
        page = await browser.get(f"/app/projects/{project_id}")
        assert page.status_code == 200 and f'action="{url}"' not in page.text  # no form for papers it cannot issue
    async with await browser_of(client, clerk) as browser:
        unfinished = await browser.post(url, {"template": "completion_notice",
                                              "approval_id": str(d.approval_id("sgxk"))})
        assert unfinished.status_code == 303 and "err=" in unfinished.headers["location"]
        assert "不能出具" in unquote(unfinished.headers["location"])
        huge = await browser.post(url, {"template": "one_time_notice", "approval_id": "99999999999999999999"})
        assert huge.status_code == 303 and "err=" in huge.headers["location"]
        assert await _documents(api, project_id) == 0
        made = await browser.post(url, {"template": "authorization_letter"})
        assert made.status_code == 303 and "ok=" in made.headers["location"], made.text[:500]
        # The list says the Word copy is not sealed and gives its verification code, linked to the public check.
        listed = (await browser.get(f"/app/projects/{project_id}")).text
        async with api.sessions() as session:
            code = (await session.execute(select(Document.verification_code).where(
                Document.project_id == project_id))).scalar_one()
        assert "DOCX 版本未签章，以 PDF 版本为准" in listed and f'href="/verify/{code}"' in listed
    assert await _documents(api, project_id) == 1

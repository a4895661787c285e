"""The sync's review queue and the project code on the pages: the same service functions as the API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from agency import timeutil
from agency.accounts.models import User
from agency.projects.models import Project
from agency.sync.models import SyncRecord
from tests.agency.approvals.flow import open_dossier
from tests.agency.sync.conftest import external_fgj  # noqa: F401  (a fixture)
from tests.agency.sync.test_sync_api import integration_headers, push, record
from tests.support import Api
from tests.web.test_web_pages import TOKEN_RE, web_login


async def _token(client: AsyncTestClient[Any], path: str) -> str:
    match = TOKEN_RE.search((await client.get(path)).text)
    assert match is not None
    return match.group(1)


async def test_the_clerk_matches_and_the_admin_discards_queued_records(client: AsyncTestClient[Any],
                                                                        api: Api) -> None:
    d = await open_dossier(api)
    gongai = await integration_headers(api)
    code = f"2025-339001-29-03-{uuid.uuid4().int % 1_000_000:06d}"
    stray, junk = record(code, "submitted"), record(code, "accepted")
    await push(api, gongai, stray, junk)
    async with api.sessions() as session:
        ids = {r.record_id: r.id for r in (await session.execute(select(SyncRecord).where(
            SyncRecord.record_id.in_([stray["record_id"], junk["record_id"]])))).scalars()}

    clerk = await api.create_user("clerk")
    await web_login(client, clerk.username)
    queue = await client.get("/app/sync")
    assert queue.status_code == 200 and stray["record_id"] in queue.text
    assert f"未找到项目代码为 {code} 的项目档案" in queue.text and "接口密钥" not in queue.text
    token = await _token(client, "/app/sync")
    # xmba of the clerk's dossier (发展和改革局 online): the record is checked like the officer's act.
    xmba = d.approval_id("xmba")
    await d.ok(xmba, "prepare")
    await d.scan(xmba)
    matched = await client.post(f"/app/sync/{ids[stray['record_id']]}/match",
                                data={"_csrf_token": token, "approval_id": str(xmba)}, follow_redirects=False)
    assert matched.status_code == 303 and "ok=" in matched.headers["location"]
    assert (await d.get(xmba))["status"] == "submitted"
    empty = await client.post(f"/app/sync/{ids[junk['record_id']]}/discard",
                              data={"_csrf_token": token, "reason": ""}, follow_redirects=False)
    assert "err=" in empty.headers["location"]

    await client.post("/logout", data={"_csrf_token": token})
    admin = await api.create_user("admin")
    await web_login(client, admin.username)
    token = await _token(client, "/app/sync")
    discarded = await client.post(f"/app/sync/{ids[junk['record_id']]}/discard",
                                  data={"_csrf_token": token, "reason": "省系统测试数据"}, follow_redirects=False)
    assert discarded.status_code == 303 and "ok=" in discarded.headers["location"]
    made = await client.post("/app/admin/integration-keys", data={"_csrf_token": token,
                                                                  "name": f"web-{uuid.uuid4().hex[:6]}"})
    assert made.status_code == 200 and 'id="new-key">agi_' in made.text


async def test_the_clerk_enters_the_project_code_on_the_project_page(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    async with api.sessions() as session:
        clerk_id = (await session.execute(select(Project.clerk_id).where(
            Project.id == d.project["id"]))).scalar_one()
        username = (await session.execute(select(User.username).where(User.id == clerk_id))).scalar_one()
    await web_login(client, username)
    path = f"/app/projects/{d.project['id']}"
    assert "尚未赋码" in (await client.get(path)).text
    token = await _token(client, path)
    bad = await client.post(f"{path}/investment-code", data={"_csrf_token": token, "investment_code": "2025-1"},
                            follow_redirects=False)
    assert "err=" in bad.headers["location"]
    code = f"2024-339001-29-02-{uuid.uuid4().int % 1_000_000:06d}"
    good = await client.post(f"{path}/investment-code", data={"_csrf_token": token, "investment_code": code},
                             follow_redirects=False)
    assert "ok=" in good.headers["location"]
    assert code in (await client.get(path)).text


@pytest.mark.usefixtures("external_fgj")
async def test_the_admin_applies_a_late_record_as_a_correction_on_the_page(client: AsyncTestClient[Any],
                                                                           api: Api) -> None:
    d = await open_dossier(api)
    code = f"2025-339001-29-03-{uuid.uuid4().int % 1_000_000:06d}"
    assert (await api.client.patch(f"/api/projects/{d.project['id']}", headers=d.clerk,
                                   json={"investment_code": code})).status_code == 200
    gongai = await integration_headers(api)
    today = timeutil.today()
    await push(api, gongai, record(code, "submitted", effective_on=(today - timedelta(days=1)).isoformat()))
    late = record(code, "accepted", effective_on=(today - timedelta(days=3)).isoformat())
    assert (await push(api, gongai, late))["queued"]
    async with api.sessions() as session:
        row_id = (await session.execute(select(SyncRecord.id).where(
            SyncRecord.record_id == late["record_id"]))).scalar_one()
    admin = await api.create_user("admin")
    await web_login(client, admin.username)
    queue = await client.get("/app/sync", params={"status": "late"})
    assert "作为更正应用" in queue.text and "更正理由" in queue.text
    token = await _token(client, "/app/sync")
    corrected = await client.post(f"/app/sync/{row_id}/apply", data={"_csrf_token": token, "reason": "省系统补录"},
                                  follow_redirects=False)
    assert corrected.status_code == 303 and "ok=" in corrected.headers["location"]
    assert (await d.get(d.approval_id("xmba")))["clock"]["accepted_on"] == (today - timedelta(days=3)).isoformat()

"""即评: an enterprise rates a completed approval once; bad ratings are followed up (回访); the SMS
rating link needs no login, expires and cannot be replayed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from agency import timeutil
from agency.approvals.models import Approval
from agency.evaluations import service as evaluations
from agency.evaluations.models import RatingLink
from agency.notifications.models import Notification
from agency.notifications.service import SMS_LIMIT
from agency.settings import Settings
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.evaluations.apps import api_with_handlers
from tests.support import Api


@pytest.fixture
async def xapi(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    async with api_with_handlers(settings) as api:
        yield api


async def _approved(api: Api) -> tuple[Dossier, int, dict[str, str]]:
    """A dossier whose 企业投资项目备案 (fgj) is approved, and a user of its enterprise."""
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    await d.ok(xmba, "accept", fgj)
    await d.ok(xmba, "approve", fgj, certificate_no="2026-330521-01-03-000999")
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    return d, xmba, enterprise


async def _issue(api: Api, approval_id: int, *, now: datetime | None = None) -> str:
    async with api.sessions() as session:
        url = await evaluations.issue_rating_link(session, await session.get_one(Approval, approval_id),
                                                  "https://zwfw.example.gov.cn/", now=now)
        await session.commit()
    return url.rsplit("/", 1)[1]


async def test_enterprise_rates_a_completed_approval_once(xapi: Api) -> None:
    _, xmba, enterprise = await _approved(xapi)
    rated = await xapi.client.post("/api/evaluations", headers=enterprise,
                                   json={"approval_id": xmba, "score": 5, "comment": "代办员很专业"})
    assert rated.status_code == 201, rated.text
    body = rated.json()
    assert (body["score"], body["score_name"], body["channel"]) == (5, "非常满意", "app")
    assert body["department_code"] == "fgj" and body["follow_up_id"] is None
    again = await xapi.client.post("/api/evaluations", headers=enterprise, json={"approval_id": xmba, "score": 4})
    assert again.status_code == 409 and "一次" in again.json()["detail"]


async def test_rating_rules(xapi: Api) -> None:
    d, xmba, enterprise = await _approved(xapi)
    unfinished = d.approval_id("ydghxk")
    not_done = await xapi.client.post("/api/evaluations", headers=enterprise,
                                      json={"approval_id": unfinished, "score": 4})
    assert not_done.status_code == 409 and "办结" in not_done.json()["detail"]
    for score in (0, 6):
        bad = await xapi.client.post("/api/evaluations", headers=enterprise, json={"approval_id": xmba, "score": score})
        assert bad.status_code == 422 and bad.json()["extra"][0]["field"] == "score", bad.text
    # Another enterprise's user is told the approval does not exist; other roles may not rate at all.
    other = await open_dossier(xapi)
    stranger = await xapi.user_headers("enterprise", enterprise_id=other.enterprise_id)
    hidden = await xapi.client.post("/api/evaluations", headers=stranger, json={"approval_id": xmba, "score": 5})
    assert hidden.status_code == 404
    for headers in (d.clerk, xapi.admin_headers, await xapi.user_headers("leader")):
        refused = await xapi.client.post("/api/evaluations", headers=headers, json={"approval_id": xmba, "score": 5})
        assert refused.status_code == 403
    unauthenticated = await xapi.client.post("/api/evaluations", json={"approval_id": xmba, "score": 5})
    assert unauthenticated.status_code == 401


async def test_bad_rating_opens_a_follow_up_until_closed_with_a_note(xapi: Api) -> None:
    d, xmba, enterprise = await _approved(xapi)
    rated = await xapi.client.post("/api/evaluations", headers=enterprise,
                                   json={"approval_id": xmba, "score": 2, "comment": "材料退回了三次"})
    assert rated.status_code == 201 and rated.json()["score_name"] == "不满意"
    follow_up_id = rated.json()["follow_up_id"]
    assert follow_up_id is not None
    leader = await xapi.user_headers("leader")
    listed = (await xapi.client.get("/api/follow-ups", headers=leader, params={"status": "open"})).json()
    mine = next(f for f in listed["items"] if f["id"] == follow_up_id)
    assert (mine["approval_id"], mine["score"], mine["comment"], mine["status"]) == (xmba, 2, "材料退回了三次", "open")
    # The dossier's clerk sees it (and was told in the app); another clerk and the enterprise do not.
    clerk_view = (await xapi.client.get("/api/follow-ups", headers=d.clerk)).json()
    assert [f["id"] for f in clerk_view["items"]] == [follow_up_id]
    other_clerk = await xapi.user_headers("clerk")
    assert (await xapi.client.get("/api/follow-ups", headers=other_clerk)).json()["total"] == 0
    assert (await xapi.client.get("/api/follow-ups", headers=enterprise)).status_code == 403
    async with xapi.sessions() as session:
        told = (await session.execute(select(Notification).where(
            Notification.object_type == "follow_up", Notification.object_id == str(follow_up_id)))).scalars().all()
    assert told and "不满意" in told[0].body
    assert (await xapi.client.post(f"/api/follow-ups/{follow_up_id}/close", headers=other_clerk,
                                   json={"note": "已回访"})).status_code == 404
    no_note = await xapi.client.post(f"/api/follow-ups/{follow_up_id}/close", headers=leader, json={})
    assert no_note.status_code == 422
    closed = await xapi.client.post(f"/api/follow-ups/{follow_up_id}/close", headers=d.clerk,
                                    json={"note": "电话回访，企业认可整改措施"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["note"] == "电话回访，企业认可整改措施"
    twice = await xapi.client.post(f"/api/follow-ups/{follow_up_id}/close", headers=leader, json={"note": "再次"})
    assert twice.status_code == 409
    still_open = (await xapi.client.get("/api/follow-ups", headers=leader, params={"status": "open"})).json()
    assert follow_up_id not in [f["id"] for f in still_open["items"]]


async def test_fair_rating_opens_no_follow_up(xapi: Api) -> None:
    _, xmba, enterprise = await _approved(xapi)
    rated = await xapi.client.post("/api/evaluations", headers=enterprise, json={"approval_id": xmba, "score": 3})
    assert rated.status_code == 201 and rated.json()["follow_up_id"] is None
    assert rated.json()["score_name"] == "基本满意"


async def test_rating_link_by_sms_works_once_without_login(xapi: Api) -> None:
    _, xmba, enterprise = await _approved(xapi)
    token = await _issue(xapi, xmba)
    async with xapi.sessions() as session:
        sms = (await session.execute(select(Notification).where(
            Notification.channel == "sms", Notification.object_id == str(xmba),
            Notification.body.contains(token)))).scalar_one()
        link = (await session.execute(select(RatingLink).where(
            RatingLink.token_hash == evaluations.token_hash(token)))).scalar_one()
    assert sms.recipient_address == "13800001111" and len(sms.body) <= SMS_LIMIT
    assert f"https://zwfw.example.gov.cn/rate/{token}" in sms.body
    assert link.token_hash == evaluations.token_hash(token) and token not in link.token_hash
    assert link.expires_at - link.created_at == timedelta(days=7)

    shown = await xapi.client.get(f"/api/ratings/{token}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["approval_name"] == "企业投资项目备案" and shown.json()["department_name"]
    assert shown.json()["levels"][0] == {"score": 5, "name": "非常满意"}
    rated = await xapi.client.post(f"/api/ratings/{token}", json={"score": 1, "comment": "太慢"})
    assert rated.status_code == 201, rated.text
    assert rated.json()["channel"] == "link" and rated.json()["follow_up_id"] is not None
    replay = await xapi.client.post(f"/api/ratings/{token}", json={"score": 5})
    assert replay.status_code == 410 and "已使用" in replay.json()["detail"]
    assert (await xapi.client.get(f"/api/ratings/{token}")).status_code == 410
    # Rated through the link: the logged-in enterprise cannot rate the same approval again.
    again = await xapi.client.post("/api/evaluations", headers=enterprise, json={"approval_id": xmba, "score": 5})
    assert again.status_code == 409
    assert (await xapi.client.get("/api/ratings/not-a-real-token-at-all")).status_code == 404


async def test_rating_link_expires_after_seven_days(xapi: Api) -> None:
    _, xmba, _ = await _approved(xapi)
    token = await _issue(xapi, xmba, now=timeutil.now() - timedelta(days=7, minutes=1))
    expired = await xapi.client.get(f"/api/ratings/{token}")
    assert expired.status_code == 410 and "过期" in expired.json()["detail"]
    refused = await xapi.client.post(f"/api/ratings/{token}", json={"score": 5})
    assert refused.status_code == 410
    async with xapi.sessions() as session:
        with pytest.raises(evaluations.Gone):
            await evaluations.rate_with_token(session, token, 5, "")


async def test_rating_in_the_app_spends_the_links(xapi: Api) -> None:
    _, xmba, enterprise = await _approved(xapi)
    token = await _issue(xapi, xmba)
    rated = await xapi.client.post("/api/evaluations", headers=enterprise, json={"approval_id": xmba, "score": 4})
    assert rated.status_code == 201
    async with xapi.sessions() as session:
        with pytest.raises(evaluations.Gone):
            await evaluations.rate_with_token(session, token, 5, "")
    assert (await xapi.client.post(f"/api/ratings/{token}", json={"score": 5})).status_code == 410


async def test_rate_with_token_service_refuses_a_second_use(xapi: Api) -> None:
    _, xmba, _ = await _approved(xapi)
    token = await _issue(xapi, xmba)
    async with xapi.sessions() as session:
        evaluation, follow_up = await evaluations.rate_with_token(session, token, 4, "满意")
        await session.commit()
    assert evaluation.score == 4 and follow_up is None
    async with xapi.sessions() as session:
        with pytest.raises(evaluations.Gone):
            await evaluations.rate_with_token(session, token, 4, "")

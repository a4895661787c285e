"""What the audit trail lacked and what leaked (issue 19, finding 7): archive downloads, marking messages read,
the pages' idle-timeout revocation; an administrator's sweep recorded as his; rating-link tokens out of the log
and, once delivered, out of the outbox."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from agency import timeutil
from agency.accounts.models import AuthToken
from agency.approvals.models import Approval
from agency.audit.models import AuditEvent
from agency.evaluations import service as evaluations
from agency.notifications.channels import Channels, LoggingMailer, LoggingSmsGateway
from agency.notifications.delivery import deliver_due
from agency.notifications.models import Notification
from agency.notifications.service import enqueue
from tests.agency.approvals.flow import open_dossier
from tests.agency.bundles.test_bundles_api import upload_required
from tests.support import Api, FreshApi
from tests.web.browsers import browser_of


async def _lines(api: Api, action: str, object_id: object) -> list[AuditEvent]:
    async with api.sessions() as session:
        return list((await session.execute(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_id == str(object_id)).order_by(AuditEvent.id))).scalars())


async def test_archive_downloads_are_audited_like_a_file_download(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    ydghxk = d.approval_id("ydghxk")
    await d.ok(ydghxk, "prepare")
    files = await upload_required(d, ydghxk)
    bundle = await api.client.post("/api/bundles", headers=d.clerk,
                                   json={"project_id": d.project["id"], "approval_ids": [ydghxk]})
    bundle_id = bundle.json()["id"]
    assert (await api.client.get(f"/api/bundles/{bundle_id}/archive", headers=d.clerk)).status_code == 200
    officer = await api.create_user("department", department_code="zrzy")
    async with await browser_of(api.client, officer.username) as browser:
        assert (await browser.get(f"/app/bundles/{bundle_id}/archive")).status_code == 200
    lines = await _lines(api, "bundle.archive_download", bundle_id)
    assert [line.actor_role for line in lines] == ["clerk", "department"]
    assert lines[1].actor_username == officer.username and lines[1].project_id == d.project["id"]
    assert sorted(lines[0].after["files"]) == sorted(f["id"] for f in files)
    assert (await api.client.get(f"/api/projects/{d.project['id']}/archive", headers=d.clerk)).status_code == 200
    [dossier] = await _lines(api, "project.archive_download", d.project["id"])
    assert dossier.actor_role == "clerk" and dossier.after["files"] >= len(files)


async def test_an_administrators_sweep_is_recorded_as_his_with_the_day_he_gave(api: Api) -> None:
    swept = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": "2026-06-01"})
    assert swept.status_code == 200, swept.text
    admin = (await api.client.get("/api/me", headers=api.admin_headers)).json()
    async with api.sessions() as session:
        line = (await session.execute(select(AuditEvent).where(
            AuditEvent.action == "escalation.sweep", AuditEvent.actor_id == admin["id"]))).scalar_one()
    assert line.actor_username == admin["username"] and line.actor_role == "admin"
    assert line.after["as_of"] == "2026-06-01"


async def test_marking_messages_read_is_audited(api: Api) -> None:
    user = await api.create_user("clerk")
    headers = await api.login(user.username)
    async with api.sessions() as session:
        for n in range(2):
            await enqueue(session, key=f"audit-read-{user.id}-{n}", channel="in_app", user_id=user.id,
                          subject="测试", body="测试消息", object_type="user", object_id=user.id)
        await session.commit()
    inbox = (await api.client.get("/api/notifications", headers=headers)).json()
    first = inbox["items"][0]["id"]
    assert (await api.client.post("/api/notifications/read", headers=headers, json={"ids": [first]})).json() == {
        "marked": 1}
    assert (await api.client.post("/api/notifications/read", headers=headers, json={})).json() == {"marked": 1}
    assert (await api.client.post("/api/notifications/read", headers=headers, json={})).json() == {"marked": 0}
    lines = await _lines(api, "notification.read", user.id)
    assert [line.after["count"] for line in lines] == [1, 1]  # nothing marked, nothing to record
    assert lines[0].after["notification_ids"] == [first] and lines[0].actor_id == user.id


async def test_the_pages_idle_timeout_is_audited(api: Api) -> None:
    user = await api.create_user("clerk")
    async with await browser_of(api.client, user.username) as browser:
        past = timeutil.now() - timedelta(minutes=api.settings.session_idle_minutes + 1)
        await api.execute(update(AuthToken).where(AuthToken.user_id == user.id, AuthToken.kind == "web")
                          .values(last_seen_at=past))
        ended = await browser.get("/app")
        assert ended.status_code == 303 and "reason=idle" in ended.headers["location"]
    [line] = await _lines(api, "auth.session_idle_timeout", user.id)
    assert line.actor_username == user.username and line.after["idle_minutes"] == api.settings.session_idle_minutes


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def test_rating_link_tokens_stay_out_of_the_log_and_only_their_hash_stays_in_the_outbox(
        backend: str, tmp_path: Path) -> None:
    async with FreshApi(backend, tmp_path) as api:  # the delivery run takes every due message it finds
        d = await open_dossier(api)
        async with api.sessions() as session:
            approval = await session.get_one(Approval, d.approval_id("xmba"))
            url = await evaluations.issue_rating_link(session, approval, "https://agency.example.cn")
            await session.commit()
        token = url.rsplit("/", 1)[1]
        pending = await api.client.get("/api/outbox", headers=api.admin_headers, params={"channel": "sms"})
        assert token not in pending.text and "/rate/" in pending.text  # the administrator sees it masked
        # The app configured the process's logging: listen where its lines go.
        captured, sms_log = _Lines(), logging.getLogger("agency.notifications")
        logging.getLogger().addHandler(captured)
        level, sms_log.disabled = sms_log.level, False
        sms_log.setLevel(logging.INFO)
        try:
            report = await deliver_due(api.sessions, Channels(sms=LoggingSmsGateway(), email=LoggingMailer()),
                                       max_attempts=3)
            assert report.sent >= 1
            logging.getLogger("agency.test").warning("unhandled error on POST /rate/%s", token)  # any line at all
        finally:
            logging.getLogger().removeHandler(captured)
            sms_log.setLevel(level)
        text = "\n".join(captured.lines)
        assert text.count("/rate/") >= 2 and token not in text, text
        async with api.sessions() as session:
            row = (await session.execute(select(Notification).where(
                Notification.channel == "sms", Notification.body.contains("/rate/")))).scalar_one()
        assert row.status == "sent" and token not in row.body
        assert evaluations.token_hash(token) in row.body  # the same hash the rating link's row keeps
        assert (await api.client.get(f"/api/ratings/{token}")).status_code == 200  # the link itself still works

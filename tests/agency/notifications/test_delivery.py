"""Delivering the outbox: a flaky SMS gateway, two workers at once, dead letters the admin retries,
Chinese e-mail through a real SMTP server, and SMS texts cut to one segment.

The gateway is a small HTTP server on 127.0.0.1 and the mail server an aiosmtpd one. The module has a
database of its own and each test starts with an empty outbox, since the worker takes every due
message it finds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select

from agency import timeutil
from agency.app import ROUTE_HANDLERS, create_app
from agency.audit.models import AuditEvent
from agency.db import migrate
from agency.db.engine import create_engine, create_sessionmaker
from agency.notifications.admin import OutboxController
from agency.notifications.channels import (
    Channels,
    HttpSmsGateway,
    LoggingMailer,
    LoggingSmsGateway,
    Outgoing,
    SmtpMailer,
    channels_from_settings,
)
from agency.notifications.delivery import backoff, deliver_due
from agency.notifications.models import Notification
from agency.notifications.service import SMS_LIMIT, enqueue
from tests.conftest import drop_database, make_settings, new_database
from tests.support import Api

PHONE = "13800138000"
GATEWAY_KEY = "gw-test-key"


@dataclass
class Call:
    headers: dict[str, str]
    payload: dict[str, Any]


@dataclass
class SmsGatewayServer:
    """An SMS gateway that answers ``status`` to its first ``failures`` calls, then 200."""

    failures: int = 0
    status: int = 503
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)
    url: str = ""

    async def __aenter__(self) -> SmsGatewayServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/sms/send"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in head[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.calls.append(Call(headers, json.loads(body)))
            failing = len(self.calls) <= self.failures
            await asyncio.sleep(self.delay)
            status, reply = (self.status, b'{"error":"busy"}') if failing else (200, b'{"ok":true}')
            writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(reply)}"
                         "\r\nConnection: close\r\n\r\n".encode() + reply)
            await writer.drain()
        finally:
            writer.close()

    def texts_by_id(self) -> dict[str, list[str]]:
        seen: dict[str, list[str]] = {}
        for call in self.calls:
            seen.setdefault(call.payload["id"], []).append(call.payload["text"])
        return seen


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
async def outbox_app(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Api]:
    """An app with the outbox controller, on a migrated database that only this module uses."""
    tmp_path = tmp_path_factory.mktemp("outbox")
    url = await asyncio.to_thread(new_database, backend, tmp_path)
    engine = None
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        settings = make_settings(url, tmp_path)
        extra = [] if OutboxController in ROUTE_HANDLERS else [OutboxController]
        engine = create_engine(url, pool_size=4)
        app = create_app(settings, extra_handlers=extra)
        async with AsyncTestClient(app=app, raise_server_exceptions=False) as client:
            api = Api(client, create_sessionmaker(engine), settings)
            await api.bootstrap_admin()
            yield api
    finally:
        if engine is not None:
            await engine.dispose()
        await asyncio.to_thread(drop_database, url)


@pytest.fixture
async def outbox_api(outbox_app: Api) -> Api:
    """The module's app with an empty outbox: the worker takes every due message it finds."""
    await outbox_app.execute(delete(Notification))
    return outbox_app


async def audit_since(api: Api, baseline: int) -> list[AuditEvent]:
    async with api.sessions() as session:
        return list((await session.execute(select(AuditEvent).where(
            AuditEvent.id > baseline, AuditEvent.object_type == "notification").order_by(AuditEvent.id))).scalars())


async def last_audit_id(api: Api) -> int:
    async with api.sessions() as session:
        return int((await session.execute(select(func.coalesce(func.max(AuditEvent.id), 0)))).scalar_one())


async def put(api: Api, key: str, *, channel: str = "sms", body: str = "您的项目备案已受理，请留意后续通知。",
              address: str | None = PHONE, subject: str = "受理通知", name: str = "张经理") -> Notification:
    async with api.sessions() as session:
        await enqueue(session, key=key, channel=channel, address=address, name=name, subject=subject, body=body,
                      object_type="approval", object_id=7, project_id=None)
        await session.commit()
    return await row(api, key)


async def row(api: Api, key: str) -> Notification:
    async with api.sessions() as session:
        return (await session.execute(select(Notification).where(
            Notification.dedupe_key.startswith(f"{key}:")))).scalar_one()


def sms_via(url: str) -> Channels:
    return Channels(sms=HttpSmsGateway(url, GATEWAY_KEY), email=LoggingMailer())


async def test_gateway_down_twice_then_up_delivers_the_sms_once_under_one_idempotency_key(outbox_api: Api) -> None:
    api = outbox_api
    message = await put(api, "approval:1:accept")
    async with SmsGatewayServer(failures=2) as gateway:
        channels, t0 = sms_via(gateway.url), timeutil.now()
        first = await deliver_due(api.sessions, channels, now=t0, max_attempts=8)
        assert (first.sent, first.retried, first.dead) == (0, 1, 0)
        after_first = await row(api, "approval:1:accept")
        assert after_first.attempts == 1 and after_first.next_attempt_at == t0 + timedelta(seconds=30)
        assert "503" in (after_first.last_error or "")
        too_early = await deliver_due(api.sessions, channels, now=t0 + timedelta(seconds=29), max_attempts=8)
        assert too_early.sent + too_early.retried == 0 and len(gateway.calls) == 1
        second = await deliver_due(api.sessions, channels, now=t0 + timedelta(seconds=30), max_attempts=8)
        assert second.retried == 1
        assert (await row(api, "approval:1:accept")).next_attempt_at == t0 + timedelta(seconds=90)
        third = await deliver_due(api.sessions, channels, now=t0 + timedelta(seconds=90), max_attempts=8)
        assert third.sent == 1
        again = await deliver_due(api.sessions, channels, now=t0 + timedelta(hours=3), max_attempts=8)
        assert again.sent + again.retried + again.dead == 0
    assert len(gateway.calls) == 3
    assert {c.headers["idempotency-key"] for c in gateway.calls} == {message.dedupe_key}
    assert {c.headers["authorization"] for c in gateway.calls} == {f"Bearer {GATEWAY_KEY}"}
    assert gateway.calls[-1].payload == {"to": PHONE, "text": message.body, "id": str(message.id)}
    done = await row(api, "approval:1:accept")
    assert (done.status, done.attempts, done.sent_at) == ("sent", 2, t0 + timedelta(seconds=90))


async def test_two_workers_running_at_once_deliver_every_sms_exactly_once(outbox_api: Api) -> None:
    api = outbox_api
    ids = [(await put(outbox_api, f"approval:{n}:accept", address=f"1390000{n:04d}")).id for n in range(24)]
    async with SmsGatewayServer(delay=0.005) as gateway:
        channels = sms_via(gateway.url)
        reports = await asyncio.gather(
            deliver_due(api.sessions, channels, max_attempts=8),
            deliver_due(api.sessions, channels, max_attempts=8))
    assert sorted(int(i) for i in gateway.texts_by_id()) == sorted(ids)
    assert len(gateway.calls) == len(ids)
    assert sum(r.sent for r in reports) == len(ids) and all(r.retried == r.dead == 0 for r in reports)
    async with api.sessions() as session:
        statuses = set((await session.execute(select(Notification.status))).scalars())
    assert statuses == {"sent"}


async def test_sms_failing_every_time_goes_dead_shows_to_the_admin_and_a_retry_sends_it(outbox_api: Api) -> None:
    api = outbox_api
    baseline = await last_audit_id(api)
    message = await put(api, "escalation:9:red", body="【督办】项目审批已超期，请尽快办理。")
    unreachable, t0 = sms_via(f"http://127.0.0.1:{free_port()}/sms"), timeutil.now()
    outcomes = [await deliver_due(api.sessions, unreachable, now=t0 + timedelta(hours=n), max_attempts=3)
                for n in range(4)]
    assert [(o.retried, o.dead) for o in outcomes] == [(1, 0), (1, 0), (0, 1), (0, 0)]
    dead = await row(api, "escalation:9:red")
    assert (dead.status, dead.attempts) == ("dead", 3) and "短信网关不可达" in (dead.last_error or "")
    [audit] = await audit_since(api, baseline)
    assert (audit.action, audit.object_id, audit.actor_username) == ("notification.dead", str(message.id), "system")
    assert PHONE not in json.dumps(audit.after, ensure_ascii=False)

    clerk = await api.user_headers("clerk")
    assert (await api.client.get("/api/outbox?status=dead", headers=clerk)).status_code == 403
    listed = await api.client.get("/api/outbox", params={"status": "dead", "channel": "sms"}, headers=api.admin_headers)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 1 and page["counts"]["dead"] == 1
    item = page["items"][0]
    assert (item["id"], item["status"], item["attempts"], item["recipient"]) == (message.id, "dead", 3, "138****8000")
    assert (await api.client.get("/api/outbox?status=lost", headers=api.admin_headers)).status_code == 422

    assert (await api.client.post(f"/api/outbox/{message.id}/retry", headers=clerk)).status_code == 403
    retried = await api.client.post(f"/api/outbox/{message.id}/retry", headers=api.admin_headers)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    twice = await api.client.post(f"/api/outbox/{message.id}/retry", headers=api.admin_headers)
    assert twice.status_code == 409
    assert (await api.client.post("/api/outbox/999999/retry", headers=api.admin_headers)).status_code == 404
    assert [(e.action, e.object_id) for e in await audit_since(api, baseline)] == [
        ("notification.dead", str(message.id)), ("notification.retry", str(message.id))]

    async with SmsGatewayServer() as gateway:
        report = await deliver_due(api.sessions, sms_via(gateway.url), max_attempts=3)
    assert report.sent == 1 and len(gateway.calls) == 1
    assert (await row(api, "escalation:9:red")).status == "sent"


async def test_sms_that_can_never_go_out_is_a_dead_letter_at_the_first_attempt(outbox_api: Api) -> None:
    api = outbox_api
    await put(api, "approval:3:accept", address=None)
    await put(api, "approval:4:accept", address="not-a-number")
    async with SmsGatewayServer(failures=1, status=400) as gateway:
        report = await deliver_due(api.sessions, sms_via(gateway.url), max_attempts=8)
    assert (report.sent, report.retried, report.dead) == (0, 0, 2)
    assert len(gateway.calls) == 1  # the row without a number never reached the gateway
    no_number, refused = await row(api, "approval:3:accept"), await row(api, "approval:4:accept")
    assert (no_number.status, no_number.attempts) == ("dead", 1)
    assert no_number.last_error == "没有收件地址（no recipient address）"
    assert refused.status == "dead" and "HTTP 400" in (refused.last_error or "")


@dataclass
class MailSink:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


async def test_email_reaches_the_smtp_server_with_its_chinese_subject_and_body_intact(outbox_api: Api) -> None:
    api = outbox_api
    subject = "【督办通知】项目“年产5万吨新型建材”施工许可已超期"
    body = ("王科长：\n\n施工许可（承诺期限 2026年3月20日）已超期 3 个工作日，请于今日内办结或说明理由。\n\n"
            "示范县行政服务中心")
    await put(api, "escalation:5:l3", channel="email", address="wang@county.gov.cn", name="王科长",
              subject=subject, body=body)
    sink, port = MailSink(), free_port()
    down = Channels(sms=LoggingSmsGateway(), email=SmtpMailer(f"smtp://127.0.0.1:{port}", "agency@county.gov.cn"))
    t0 = timeutil.now()
    assert (await deliver_due(api.sessions, down, now=t0, max_attempts=8)).retried == 1  # server not up yet
    assert "邮件发送失败" in ((await row(api, "escalation:5:l3")).last_error or "")
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        report = await deliver_due(api.sessions, down, now=t0 + timedelta(minutes=1), max_attempts=8)
    finally:
        await asyncio.to_thread(controller.stop)
    assert report.sent == 1 and len(sink.messages) == 1
    mail_from, recipients, content = sink.messages[0]
    assert (mail_from, recipients) == ("agency@county.gov.cn", ["wang@county.gov.cn"])
    mail = message_from_bytes(content, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["Subject"] == subject
    assert mail["To"].addresses[0].display_name == "王科长"
    assert mail.get_content().strip() == body
    assert content.isascii()  # encoded for any relay, not raw UTF-8 bytes
    assert (await row(api, "escalation:5:l3")).status == "sent"


async def test_sms_longer_than_one_segment_is_cut_to_70_characters_before_it_is_sent(outbox_api: Api) -> None:
    api = outbox_api
    long_text = ("您好：贵公司“年产5万吨新型建材项目”的建设工程规划许可证申请材料不齐，"
                 "请于五个工作日内补正：总平面图、建筑设计方案、规划条件核实意见、授权委托书，详询代办员。")
    assert len(long_text) > SMS_LIMIT
    stored = await put(api, "approval:8:supplement", body=long_text)
    assert stored.body == long_text[:SMS_LIMIT]
    async with SmsGatewayServer() as gateway:
        assert (await deliver_due(api.sessions, sms_via(gateway.url), max_attempts=8)).sent == 1
    assert [c.payload["text"] for c in gateway.calls] == [long_text[:SMS_LIMIT]]


async def test_in_app_messages_are_never_handed_to_a_channel(outbox_api: Api) -> None:
    api = outbox_api
    user = await api.create_user("clerk")
    async with api.sessions() as session:
        await enqueue(session, key="approval:2:accept", channel="in_app", user_id=user.id, subject="受理",
                      body="已受理", object_type="approval", object_id=2)
        await session.commit()
    async with SmsGatewayServer() as gateway:
        report = await deliver_due(api.sessions, sms_via(gateway.url), max_attempts=8)
    assert report.sent == 0 and gateway.calls == []


def test_retry_waits_double_each_time_from_30_seconds_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert backoff(50) == timedelta(hours=1)


async def test_without_a_gateway_the_sms_is_logged_with_the_number_masked(caplog: pytest.LogCaptureFixture,
                                                                         tmp_path: Path) -> None:
    settings = make_settings("sqlite+aiosqlite:///unused.db", tmp_path)
    channels = channels_from_settings(settings)
    assert isinstance(channels.sms, LoggingSmsGateway) and isinstance(channels.email, LoggingMailer)
    configured = channels_from_settings(make_settings(
        "sqlite+aiosqlite:///unused.db", tmp_path, AGENCY_SMS_GATEWAY_URL="https://sms.example.cn/send",
        AGENCY_SMS_GATEWAY_KEY="k", AGENCY_SMTP_URL="smtps://u:p%40ss@mail.example.cn"))
    assert isinstance(configured.sms, HttpSmsGateway) and configured.sms.url == "https://sms.example.cn/send"
    assert isinstance(configured.email, SmtpMailer)
    assert (configured.email.port, configured.email.password, configured.email.implicit_tls) == (465, "p@ss", True)
    with caplog.at_level(logging.INFO, logger="agency.notifications"):
        await channels.sms.send(Outgoing(id=1, key="k", to=PHONE, name="", subject="", body="您好"))
    assert "138****8000" in caplog.text and PHONE not in caplog.text

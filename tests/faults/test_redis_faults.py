"""Redis stopped and started again under a running `agency serve` and `agency worker`: the API keeps
taking work, /health names the queue, and once Redis is back the same worker sends every SMS that
waited in the outbox — each exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from agency.notifications.models import Notification
from tests.agency.approvals.flow import open_dossier
from tests.agency.notifications.test_delivery import SmsGatewayServer
from tests.faults.stack import (
    assert_audit_chain_intact,
    health,
    http_api,
    own_redis,
    poll_until,
    server_env,
    start_server,
    start_worker,
)
from tests.support import Api

pytestmark = pytest.mark.integration


async def _accepted_by_the_department(api: Api) -> int:
    """One dossier whose 企业投资项目备案 the department accepts: the enterprise gets an SMS."""
    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    await d.ok(xmba, "accept", await d.officer("fgj"))
    return xmba


async def _sms_outbox(api: Api) -> dict[str, str]:
    """dedupe key → status of every SMS in the outbox."""
    async with api.sessions() as session:
        rows = (await session.execute(select(Notification.dedupe_key, Notification.status).where(
            Notification.channel == "sms"))).all()
    return {key: status for key, status in rows}


async def test_redis_stopped_and_restarted_the_api_keeps_working_and_every_sms_goes_out_once(
        database: str, tmp_path: Path) -> None:
    redis = own_redis(tmp_path / "redis.log")
    async with SmsGatewayServer() as gateway:
        env = server_env(database, tmp_path, AGENCY_REDIS_URL=redis.url, AGENCY_SMS_GATEWAY_URL=gateway.url,
                         AGENCY_SMS_GATEWAY_KEY="gw-key")
        server, url = await start_server(env, tmp_path / "serve.log")
        worker = start_worker(env, tmp_path / "worker.log")
        try:
            async with http_api(url, database, tmp_path) as api:
                assert (await health(url))["queue"] == "ok"
                await _accepted_by_the_department(api)

                async def all_sent() -> bool:
                    assert worker.alive, worker.tail()
                    outbox = await _sms_outbox(api)
                    return bool(outbox) and set(outbox.values()) == {"sent"}

                await poll_until(all_sent, "the worker to send the first SMS", within=30)
                before = set(await _sms_outbox(api))

                redis.stop()
                down = await health(url)
                assert (down["status"], down["queue"], down["database"], down["storage"]) == (
                    "degraded", "unavailable", "ok", "ok")
                for _ in range(2):  # the office goes on: every write lands, its SMS waits in the outbox
                    await _accepted_by_the_department(api)
                waiting = {key for key, status in (await _sms_outbox(api)).items() if status == "pending"}
                assert len(waiting) >= 2 and not waiting & before

                redis.start()  # empty: every job queued before is gone, the outbox is the truth
                await poll_until(lambda: _queue_ok(url), "/health to report the queue ok again")
                await poll_until(all_sent, "the worker to send what waited while Redis was down", within=60)
                assert worker.alive, "the worker stopped with Redis and did not come back\n" + worker.tail()

                outbox = await _sms_outbox(api)
                keys = [call.headers["idempotency-key"] for call in gateway.calls]
                assert sorted(keys) == sorted(outbox), "each SMS reaches the gateway exactly once"
                assert (await health(url))["status"] == "ok"
                await assert_audit_chain_intact(env)
        finally:
            worker.stop()
            server.stop()
            redis.stop()


async def _queue_ok(url: str) -> bool:
    return (await health(url))["queue"] == "ok"

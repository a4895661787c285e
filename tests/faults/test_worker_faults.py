"""`agency worker` killed (SIGKILL) in the middle of rendering the supervision notices of a sweep and in the
middle of delivering the outbox. A new worker finishes the work: every escalation fires once with one
supervision notice,
every SMS reaches the gateway — a repeat only for a message that was in flight at the kill, under the
same Idempotency-Key so the gateway drops it — and the audit chain and the storage stay sound.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

import storage
from agency import timeutil
from agency.app import create_app
from agency.audit.models import AuditEvent
from agency.calendar.seed import default_calendar
from agency.db.engine import create_engine, create_sessionmaker
from agency.documents.models import Document
from agency.escalation.models import Escalation
from agency.jobs.models import Job
from agency.notifications.channels import idempotency_key
from agency.notifications.models import Notification
from agency.queue import SWEEP_JOB
from agency.timeutil import today_local
from tests.agency.approvals.flow import open_dossier
from tests.agency.files.files_fixtures import multipart, pdf, upload_path
from tests.agency.notifications.test_delivery import SmsGatewayServer
from tests.conftest import make_settings
from tests.faults.stack import (
    Service,
    assert_audit_chain_intact,
    assert_storage_consistent,
    operator,
    own_redis,
    poll_until,
    server_env,
    start_worker,
)
from tests.support import Api

pytestmark = pytest.mark.integration
DOSSIERS = 10
ESCALATION_SMS = "【电子监察】"
MAX_IN_FLIGHT = 4  # the worker's max_jobs: at most this many messages are out at the moment of a kill


async def _overdue_items(api: Api, count: int) -> list[int]:
    """``count`` dossiers whose 企业投资项目备案 was accepted today, with its scans really uploaded."""
    officer = await api.user_headers("department", department_code="fgj")
    accepted = []
    for n in range(count):
        d = await open_dossier(api)
        d.officers["fgj"] = officer
        xmba = d.approval_id("xmba")
        await d.ok(xmba, "prepare")
        for material in (m["code"] for m in (await d.get(xmba))["materials"] if m["required"]):
            body, content_type = multipart(pdf(seed=f"{xmba}-{material}-{n}"))
            uploaded = await api.client.post(upload_path(xmba, material), content=body,
                                             headers={**d.clerk, **content_type})
            assert uploaded.status_code == 201, uploaded.text
        await d.ok(xmba, "submit")
        await d.ok(xmba, "accept", officer)
        accepted.append(xmba)
    return accepted


async def _count(api: Api, query: Any) -> int:
    async with api.sessions() as session:
        return int((await session.execute(query)).scalar_one())


async def _escalations(api: Api) -> list[Escalation]:
    async with api.sessions() as session:
        return list((await session.execute(select(Escalation))).scalars())


async def _sms(api: Api) -> dict[str, str]:
    async with api.sessions() as session:
        rows = (await session.execute(select(Notification.dedupe_key, Notification.status).where(
            Notification.channel == "sms"))).all()
    return {key: status for key, status in rows}


async def _sweep(redis_url: str, as_of: date, job_id: str) -> None:
    """What the cron tick does: one sweep job on the queue."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        await pool.enqueue_job(SWEEP_JOB, as_of.isoformat(), _job_id=job_id)
    finally:
        await pool.aclose()


def _age_orphans(root: Path, keys: set[str]) -> None:
    """Stands for the hour an orphan object is kept before --repair-orphans may remove it."""
    for key in keys:
        sidecar = (root / key).with_name(f".{(root / key).name}.meta.json")
        if sidecar.exists():
            side = json.loads(sidecar.read_text(encoding="utf-8"))
            if (side.get("metadata") or {}).get("uploaded-at"):
                side["metadata"]["uploaded-at"] = (timeutil.now() - timedelta(hours=2)).isoformat()
                sidecar.write_text(json.dumps(side), encoding="utf-8")


async def test_worker_killed_mid_sweep_and_mid_delivery_loses_and_doubles_nothing(
        database: str, tmp_path: Path) -> None:
    redis = own_redis(tmp_path / "redis.log")
    workers: list[Service] = []
    engine = create_engine(database, pool_size=2)
    async with SmsGatewayServer(delay=0.02) as gateway:
        overrides = {"AGENCY_REDIS_URL": redis.url, "AGENCY_SMS_GATEWAY_URL": gateway.url,
                     "AGENCY_SMS_GATEWAY_KEY": "gw-key", "AGENCY_SWEEP_INTERVAL_SECONDS": "3600"}
        env = server_env(database, tmp_path, **overrides)
        settings = make_settings(database, tmp_path, **overrides)
        store = storage.open_store(settings.storage_url)

        def worker(name: str) -> Service:
            workers.append(start_worker(env, tmp_path / f"{name}.log"))
            return workers[-1]

        async def objects() -> set[str]:
            return {key async for key in store.iter_keys()}

        try:
            async with AsyncTestClient(app=create_app(settings), raise_server_exceptions=False) as client:
                api = Api(client, create_sessionmaker(engine), settings)
                await api.bootstrap_admin()
                items = await _overdue_items(api, DOSSIERS)
            scans = await objects()
            as_of = default_calendar().add_workdays(today_local(), 10)  # every item red and L3 by then

            # 1. Killed while it renders the supervision notices of the red cards its sweep fired: the firings
            #    are committed (the sweep's own transaction, before its papers); the batch of notices being
            #    rendered dies whole, leaving only objects without rows; the notice job is left running.
            first = worker("worker-1")
            await _sweep(redis.url, as_of, "sweep-1")

            async def rendering() -> bool:
                assert first.alive, first.tail()
                return len(await objects() - scans) >= 2

            await poll_until(rendering, "the notice job to store its first supervision notices")
            first.kill()
            assert await _escalations(api), "the sweep committed nothing before its papers"
            # (The acceptance notices the setup's actions issued are there already; no supervision notice is.)
            assert await _count(api, select(func.count()).select_from(Document).where(
                Document.template_code == "supervision_notice")) == 0
            orphans = await objects() - scans
            checked = await operator(env, "storage", "check")
            assert checked.returncode == 1
            assert {line for line in checked.stdout.splitlines() if line.startswith(("MISSING", "SHA256", "ORPHAN"))
                    } == {f"ORPHAN object (no row): {key}" for key in orphans}, checked.stdout
            running = await _count(api, select(func.count()).select_from(Job).where(Job.status == "running"))
            assert running == 1
            # Stands for the lease of a job left running by a stopped process passing (30 minutes).
            await api.execute(update(Job).where(Job.status == "running")
                              .values(started_at=timeutil.now() - timedelta(hours=1)))

            # 2. The next tick, on a new worker: the notice job is taken again, the sweep fires nothing new;
            #    killed while it delivers the SMS.
            second = worker("worker-2")
            await _sweep(redis.url, as_of, "sweep-2")

            async def delivering() -> bool:
                assert second.alive, second.tail()
                sent = sum(c.payload["text"].startswith(ESCALATION_SMS) for c in gateway.calls)
                return sent >= 3 and "pending" in (await _sms(api)).values()

            await poll_until(delivering, "the worker to be delivering the escalation SMS")
            second.kill()
            fired = await _escalations(api)
            assert fired, "the sweep of the second worker committed nothing"

            # 3. A third worker; the leases the killed one held run out (stands for the 5 minutes passing).
            await api.execute(update(Notification).where(Notification.status == "pending")
                              .values(next_attempt_at=timeutil.now()))
            await api.execute(update(Job).where(Job.status == "running")
                              .values(started_at=timeutil.now() - timedelta(hours=1)))
            third = worker("worker-3")

            async def all_done() -> bool:
                assert third.alive, third.tail()
                outbox = await _sms(api)
                unfinished = await _count(api, select(func.count()).select_from(Job).where(
                    Job.status.in_(("pending", "running"))))
                return set(outbox.values()) == {"sent"} and unfinished == 0

            await poll_until(all_done, "every SMS to be sent and every notice job done", within=60)
            third.stop()
        finally:
            for each in workers:
                each.kill()
            redis.stop()
            await store.aclose()

    # Every item fired red and L3 once; each red has exactly one supervision notice; one sweep audit line.
    fired = await _escalations(api)
    assert Counter((e.approval_id, e.rule, e.level) for e in fired).most_common(1)[0][1] == 1
    assert {(e.approval_id, e.level) for e in fired if e.rule == "clock"} >= {
        (item, level) for item in items for level in ("red", "l3")}
    reds = [e for e in fired if e.level == "red" and e.rule == "clock"]
    notices = await _count(api, select(func.count()).select_from(Document).where(
        Document.template_code == "supervision_notice"))
    assert notices == len(reds) == len({e.document_id for e in reds} - {None})
    async with api.sessions() as session:
        sweeps = list((await session.execute(select(AuditEvent.after).where(
            AuditEvent.action == "escalation.sweep"))).scalars())
    assert sorted(i for after in sweeps for i in after["escalation_ids"]) == sorted(e.id for e in fired)

    # No SMS lost; a repeat only under the same Idempotency-Key, for at most the messages out at the kill.
    outbox = await _sms(api)
    calls = Counter(call.headers["idempotency-key"] for call in gateway.calls)
    assert set(calls) == {idempotency_key(key) for key in outbox}
    repeats = {key: n for key, n in calls.items() if n > 1}
    assert sum(n - 1 for n in repeats.values()) <= MAX_IN_FLIGHT, repeats
    for key in repeats:  # the same message each time, so the gateway's dedupe drops the repeat
        assert len({json.dumps(c.payload, sort_keys=True) for c in gateway.calls
                    if c.headers["idempotency-key"] == key}) == 1

    await assert_audit_chain_intact(env)
    # The second worker may have been killed inside the retried notice job too: its objects join the first's.
    before = await operator(env, "storage", "check")
    left = {line.removeprefix("ORPHAN object (no row): ") for line in before.stdout.splitlines()
            if line.startswith("ORPHAN")}
    assert left >= orphans, before.stdout
    _age_orphans(tmp_path / "storage", left)
    repaired = await operator(env, "storage", "check", "--repair-orphans")
    assert f"removed {len(left)} orphan objects" in repaired.stdout, repaired.stdout
    await assert_storage_consistent(env)
    await engine.dispose()

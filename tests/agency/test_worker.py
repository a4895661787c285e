"""The arq worker against a real Redis, and an API that keeps working while Redis is down."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from agency.calendar.seed import default_calendar
from agency.documents.models import Document
from agency.escalation.models import Escalation
from agency.jobs.runner import JobRunner
from agency.notifications.models import Notification
from agency.queue import run_delivery
from agency.timeutil import today_local
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.conftest import REQUIRE_SERVICES
from tests.support import Api, FreshApi

REDIS_URL = os.environ.get("AGENCY_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
CALENDAR = default_calendar()
pytestmark = pytest.mark.integration


async def _redis_or_skip() -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.flushdb()
    except Exception as error:
        if REQUIRE_SERVICES:
            pytest.fail(f"AGENCY_REQUIRE_SERVICES=1 but Redis at {REDIS_URL} is not reachable ({error!r})")
        pytest.skip(f"SKIPPED INTEGRATION TEST: Redis at {REDIS_URL} is not reachable ({error!r})")
    finally:
        await client.aclose()


def _production_database_only(backend: str) -> None:
    # arq workers are the production path (PostgreSQL + Redis); the embedded SQLite default runs the same jobs
    # in-process instead (tests/agency/escalation, tests/agency/notifications cover those on SQLite).
    if backend != "postgresql":
        pytest.skip("the arq worker runs against PostgreSQL; SQLite deployments use the in-process scheduler")


async def _overdue_offline_item(d: Dossier) -> int:
    await d.force_approved("sgxk")
    dljr = await d.ready_to_submit("dljr", prepare_on=CALENDAR.add_workdays(today_local(), -20))
    await d.ok(dljr, "submit", effective_on=CALENDAR.add_workdays(today_local(), -16))
    await d.ok(dljr, "accept", effective_on=CALENDAR.add_workdays(today_local(), -15))
    return dljr


def _worker_burst(api_settings: object, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGENCY_DATABASE_URL": api_settings.database_url,  # type: ignore[attr-defined]
           "AGENCY_REDIS_URL": REDIS_URL, "AGENCY_STORAGE_URL": api_settings.storage_url,  # type: ignore[attr-defined]
           "AGENCY_SECRET_KEY": "x" * 40, "AGENCY_DATA_DIR": str(tmp_path), "AGENCY_LOG_LEVEL": "INFO"}
    return subprocess.run([sys.executable, "-m", "agency.cli", "worker", "--burst"], env=env, capture_output=True,
                          text=True, timeout=180, check=False)


async def test_worker_sweeps_generates_the_notice_and_delivers(backend: str, tmp_path: Path) -> None:
    _production_database_only(backend)
    await _redis_or_skip()
    async with FreshApi(backend, tmp_path, AGENCY_REDIS_URL=REDIS_URL) as api:
        d = await open_dossier(api)
        dljr = await _overdue_offline_item(d)
        from arq import create_pool
        from arq.connections import RedisSettings

        pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
        await pool.enqueue_job("sweep_escalations")
        await pool.aclose()
        result = await asyncio.to_thread(_worker_burst, api.settings, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        async with api.sessions() as session:
            levels = set((await session.execute(select(Escalation.level).where(
                Escalation.approval_id == dljr))).scalars())
            notices = (await session.execute(select(func.count()).select_from(Document).where(
                Document.approval_id == dljr, Document.template_code == "supervision_notice"))).scalar_one()
            pending = (await session.execute(select(func.count()).select_from(Notification).where(
                Notification.status == "pending"))).scalar_one()
            sent_sms = (await session.execute(select(func.count()).select_from(Notification).where(
                Notification.channel == "sms", Notification.status == "sent"))).scalar_one()
        # The worker's own log says what its jobs did: shown whenever the sweep fired nothing.
        assert {"red", "l3"} <= levels, f"worker output:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        assert notices == 1
        assert pending == 0 and sent_sms >= 2
        # A second run fires nothing new and sends nothing twice.
        pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
        await pool.enqueue_job("sweep_escalations", _job_id="second-sweep")
        await pool.aclose()
        assert (await asyncio.to_thread(_worker_burst, api.settings, tmp_path)).returncode == 0
        async with api.sessions() as session:
            again = (await session.execute(select(func.count()).select_from(Escalation).where(
                Escalation.approval_id == dljr))).scalar_one()
            sent_again = (await session.execute(select(func.count()).select_from(Notification).where(
                Notification.channel == "sms", Notification.status == "sent"))).scalar_one()
        assert again == len(levels) and sent_again == sent_sms


async def test_redis_down_keeps_the_api_up_and_nothing_is_lost(backend: str, tmp_path: Path) -> None:
    await _redis_or_skip()
    async with FreshApi(backend, tmp_path, AGENCY_REDIS_URL="redis://127.0.0.1:6390/0") as api:
        health = (await api.client.get("/health")).json()
        assert health["status"] == "degraded" and health["queue"] == "unavailable"
        d = await open_dossier(api)
        fgj = await d.officer("fgj")
        xmba = await d.ready_to_submit("xmba")
        await d.ok(xmba, "submit")
        accepted = await d.act(xmba, "accept", fgj)
        assert accepted.status_code == 200  # the SMS to the enterprise waits in the outbox
        async with api.sessions() as session:
            waiting = (await session.execute(select(func.count()).select_from(Notification).where(
                Notification.channel == "sms", Notification.status == "pending"))).scalar_one()
        assert waiting >= 1
        # Redis is back (a worker runs): the outbox is delivered, nothing was lost.
        report = await run_delivery(api.sessions, api.settings)
        assert report["sent"] == waiting


async def _running_worker(api: Api, tmp_path: Path) -> asyncio.subprocess.Process:
    """A real ``agency worker`` on the API's database and storage, once it has told Redis it is alive."""
    env = {**os.environ, "AGENCY_DATABASE_URL": api.settings.database_url, "AGENCY_REDIS_URL": REDIS_URL,
           "AGENCY_STORAGE_URL": api.settings.storage_url, "AGENCY_SECRET_KEY": "x" * 40,
           "AGENCY_DATA_DIR": str(tmp_path), "AGENCY_LOG_LEVEL": "INFO"}
    worker = await asyncio.create_subprocess_exec(sys.executable, "-m", "agency.cli", "worker", env=env,
                                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        for _ in range(100):
            if await redis.exists("arq:queue:health-check"):
                break
            await asyncio.sleep(0.2)
    finally:
        await redis.aclose()
    return worker


async def test_papers_render_in_the_worker_when_one_is_running(backend: str, tmp_path: Path) -> None:
    _production_database_only(backend)
    await _redis_or_skip()
    async with FreshApi(backend, tmp_path, AGENCY_REDIS_URL=REDIS_URL) as api:
        worker = await _running_worker(api, tmp_path)
        try:
            d = await open_dossier(api)
            made = await api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                         json={"template": "registration_form"})
            assert made.status_code == 201, made.text
            downloaded = await api.client.get(f"/api/files/{made.json()['file_id']}", headers=d.clerk)
            assert downloaded.content[:2] == b"PK"  # a real .docx came back from the worker
        finally:
            worker.terminate()
            output, _ = await asyncio.wait_for(worker.communicate(), 30)
        assert b"render_paper" in output


async def test_an_actions_papers_are_handed_to_the_worker_and_the_api_does_not_render_them(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _production_database_only(backend)
    await _redis_or_skip()
    async with FreshApi(backend, tmp_path, AGENCY_REDIS_URL=REDIS_URL) as api:
        d = await open_dossier(api)
        await d.force_approved("xmba")
        zrzy = await d.officer("zrzy")
        ydghxk = await d.ready_to_submit("ydghxk")
        await d.ok(ydghxk, "submit")
        worker = await _running_worker(api, tmp_path)
        ran_here: list[int] = []
        original_run = JobRunner.run

        async def watched_run(self: JobRunner, job_id: int) -> bool:
            ran_here.append(job_id)  # this process is the API: the worker is another process
            return await original_run(self, job_id)

        monkeypatch.setattr(JobRunner, "run", watched_run)
        try:
            accepted = await d.ok(ydghxk, "accept", zrzy)
            assert _notices(accepted)["acceptance_notice"]["status"] == "pending"
            for _ in range(150):
                notice = _notices(await d.get(ydghxk))["acceptance_notice"]
                if notice["status"] != "pending":
                    break
                await asyncio.sleep(0.2)
        finally:
            worker.terminate()
            output, _ = await asyncio.wait_for(worker.communicate(), 30)
        assert notice["status"] == "ready" and notice["number"], (notice, output.decode()[-3000:])
        assert ran_here == []
        assert b"run_job" in output


def _notices(approval: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["template"]: n for n in approval["notices"]}

"""PostgreSQL connections of a running `agency serve` cut by the server (pg_terminate_backend): between
requests the pool replaces the dead connections unseen; in the middle of an approval action the
client gets a clear 503 and the action is not half done — then it is done once, audit chain intact."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from agency.approvals.models import ClockEventRow
from agency.audit.models import AuditEvent
from agency.notifications.models import Notification
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.faults.stack import assert_audit_chain_intact, http_api, poll_until, server_env, start_server
from tests.support import Api

pytestmark = pytest.mark.integration


def _dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _terminate(database_url: str, where: str = "true") -> list[int]:
    """pg_terminate_backend on the other connections to the test database (never this one)."""
    admin = await asyncpg.connect(_dsn(database_url))
    try:
        rows = await admin.fetch(
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = current_database() AND pid <> pg_backend_pid() AND ({where})")
    finally:
        await admin.close()
    return [row["pid"] for row in rows]


async def _what_happened(api: Api, approval_id: int) -> tuple[int, int, bool]:
    """The traces an acceptance leaves: its audit line, its clock event, whether it wrote to the outbox."""
    async with api.sessions() as session:
        audits = (await session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "approval", AuditEvent.object_id == str(approval_id),
            AuditEvent.action == "approval.accept"))).scalar_one()
        clocks = (await session.execute(select(func.count()).select_from(ClockEventRow).where(
            ClockEventRow.approval_id == approval_id))).scalar_one()
        outbox = (await session.execute(select(func.count()).select_from(Notification).where(
            Notification.object_type == "approval", Notification.object_id == str(approval_id)))).scalar_one()
    return audits, clocks, outbox > 0


async def _submitted(api: Api) -> tuple[Dossier, int, dict[str, str]]:
    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    return d, xmba, await d.officer("fgj")


async def test_pooled_connections_killed_between_requests_are_replaced_unseen(database: str, tmp_path: Path) -> None:
    env = server_env(database, tmp_path)
    server, url = await start_server(env, tmp_path / "serve.log")
    try:
        async with http_api(url, database, tmp_path) as api:
            d, xmba, fgj = await _submitted(api)
            await api.sessions.kw["bind"].dispose()  # the test's own pool: only the server's connections remain
            killed = await _terminate(database, "backend_type = 'client backend'")
            assert killed, "the server held no connection to cut"
            # The pool now holds only dead connections: the next requests still succeed (pre-ping).
            for _ in range(3):
                listed = await api.client.get("/api/projects", headers=d.clerk)
                assert listed.status_code == 200, listed.text
            accepted = await d.act(xmba, "accept", fgj)
            assert accepted.status_code == 200, accepted.text
            assert await _what_happened(api, xmba) == (1, 1, True)
            await assert_audit_chain_intact(env)
    finally:
        server.stop()
    assert "Traceback" not in server.output()


async def test_connection_cut_in_the_middle_of_an_action_is_a_clear_503_and_nothing_half_done(
        database: str, tmp_path: Path) -> None:
    env = server_env(database, tmp_path)
    server, url = await start_server(env, tmp_path / "serve.log")
    try:
        async with http_api(url, database, tmp_path) as api:
            d, xmba, fgj = await _submitted(api)
            before = await d.get(xmba)
            assert await _what_happened(api, xmba) == (0, 0, False)

            # Hold the audit log against writers: the action writes its new state, then waits at its commit to write
            # its audit line (the last statement before COMMIT).
            holder = await asyncpg.connect(_dsn(database))
            try:
                await holder.execute("BEGIN")
                await holder.execute("LOCK TABLE audit_events IN SHARE MODE")
                action = asyncio.create_task(d.act(xmba, "accept", fgj, version=before["version"]))

                async def waiting_on_the_audit_log() -> list[int]:
                    assert not action.done(), action.result().text
                    return await _terminate(database, "wait_event_type = 'Lock' AND backend_xid IS NOT NULL")

                await poll_until(waiting_on_the_audit_log, "the action to wait for the audit log, its writes begun")
                response = await asyncio.wait_for(action, 30)
            finally:
                await holder.close()

            assert response.status_code == 503, response.text
            body = response.json()
            assert body["status_code"] == 503 and "数据库暂时不可用" in body["detail"]
            assert "Traceback" not in response.text and "asyncpg" not in response.text
            # Nothing of the action is left: not the status, nor the clock, nor an audit line, nor an SMS.
            after = await d.get(xmba)
            assert (after["status"], after["version"], after["clock"]["accepted_on"]) == (
                "submitted", before["version"], None)
            assert await _what_happened(api, xmba) == (0, 0, False)

            # The officer tries again: done once, with its audit line; the server answers as before.
            retried = await d.act(xmba, "accept", fgj, version=before["version"])
            assert retried.status_code == 200, retried.text
            assert retried.json()["status"] == "accepted"
            assert await _what_happened(api, xmba) == (1, 1, True)
            assert (await api.client.get("/api/projects", headers=d.clerk)).status_code == 200
            await assert_audit_chain_intact(env)
    finally:
        server.stop()

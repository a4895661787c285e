"""The audit log records logins and writes, is append-only, and `agency audit verify` finds tampering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from agency.access import Actor, Role
from agency.audit import sealer
from agency.audit import service as audit
from agency.audit.models import AuditEvent
from agency.cli import main
from agency.db import migrate
from agency.db.engine import create_engine, create_sessionmaker
from agency.settings import get_settings
from tests.conftest import drop_database, new_database
from tests.support import PASSWORD, Api

CLERK = Actor(user_id=7, username="clerk7", role=Role.CLERK, client_addr="10.0.0.7")


async def test_logins_and_failures_are_audited_with_address(api: Api) -> None:
    user = await api.create_user("clerk")
    await api.client.post("/api/auth/login", json={"username": user.username, "password": "Wrong@2026x"})
    await api.login(user.username)
    async with api.sessions() as session:
        events = (await session.execute(
            select(AuditEvent).where(AuditEvent.action == "auth.login", AuditEvent.object_id == str(user.id))
            .order_by(AuditEvent.id))).scalars().all()
    assert [e.result for e in events] == ["failure", "success"]
    assert events[0].after == {"reason": "bad password", "failures": 1}
    assert all(e.actor_username == user.username and e.client_addr for e in events)


async def test_user_creation_is_audited_with_who_and_what(api: Api) -> None:
    response = await api.client.post("/api/users", headers=api.admin_headers, json={
        "username": "auditme" + PASSWORD[-4:].lower(), "password": "Good#2026pw", "role": "leader",
        "display_name": "审计"})
    user_id = response.json()["id"]
    async with api.sessions() as session:
        event = (await session.execute(select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.object_id == str(user_id)))).scalar_one()
    assert event.actor_role == "admin" and event.after is not None and event.after["role"] == "leader"
    assert "password" not in str(event.after)


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = new_database(backend, tmp_path)
    migrate.upgrade(url)
    yield url
    drop_database(url)


async def _write_events(url: str, count: int) -> list[int]:
    engine = create_engine(url)
    events = []
    async with create_sessionmaker(engine)() as session:
        for n in range(count):
            events.append(await audit.record(session, CLERK, "project.update", "project", n, project_id=n,
                                             before={"name": "旧名称", "n": n},
                                             after={"name": "新名称 <&>", "n": n + 1}))
        await session.commit()
        # As the service's sealer does right after the commit (PostgreSQL; SQLite seals at the commit itself).
        await sealer.seal_all(create_sessionmaker(engine))
    await engine.dispose()
    # A line is written, and so numbered, when its transaction commits.
    return [e.id for e in events]


async def _sql(url: str, *statements: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


def _verify(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[int, str]:
    monkeypatch.setenv("AGENCY_DATABASE_URL", url)
    monkeypatch.setenv("AGENCY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AGENCY_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def test_verify_reports_an_intact_chain(fresh_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    asyncio.run(_write_events(fresh_url, 25))
    code, output = _verify(fresh_url, monkeypatch, tmp_path)
    assert code == 0, output
    assert "25 events verified" in output


def test_changed_line_is_named_by_verify(fresh_url: str, backend: str, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    ids = asyncio.run(_write_events(fresh_url, 10))
    victim = ids[6]
    tamper = f"UPDATE audit_events SET after = '{{\"name\": \"篡改\"}}' WHERE id = {victim}"
    if backend == "postgresql":
        # Only the database owner can step around the trigger, and the chain still tells.
        asyncio.run(_sql(fresh_url, "SET session_replication_role = replica", tamper))
    else:
        asyncio.run(_sql(fresh_url, "DROP TRIGGER audit_events_no_update", tamper))
    code, output = _verify(fresh_url, monkeypatch, tmp_path)
    assert code == 1
    assert f"audit event #{victim}: content does not match its hash" in output


def test_removed_line_is_named_by_verify(fresh_url: str, backend: str, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    ids = asyncio.run(_write_events(fresh_url, 10))
    delete = f"DELETE FROM audit_events WHERE id = {ids[3]}"
    if backend == "postgresql":
        asyncio.run(_sql(fresh_url, "SET session_replication_role = replica", delete))
    else:
        asyncio.run(_sql(fresh_url, "DROP TRIGGER audit_events_no_delete", delete))
    code, output = _verify(fresh_url, monkeypatch, tmp_path)
    assert code == 1
    assert f"audit event #{ids[4]}: does not follow #{ids[2]}" in output


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_application_cannot_change_or_delete_audit_lines(fresh_url: str, statement: str) -> None:
    asyncio.run(_write_events(fresh_url, 2))
    with pytest.raises(DBAPIError, match="append-only"):
        asyncio.run(_sql(fresh_url, statement))


def test_concurrent_writers_keep_one_chain(fresh_url: str, backend: str, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    async def many() -> None:
        await asyncio.gather(*(_write_events(fresh_url, 5) for _ in range(8)))

    asyncio.run(many())
    code, output = _verify(fresh_url, monkeypatch, tmp_path)
    assert code == 0, output
    assert "40 events verified" in output


# SQLite serialises every writer from BEGIN (one small office): PostgreSQL only.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_open_transaction_that_wrote_an_audit_line_does_not_hold_up_other_writers(fresh_url: str) -> None:
    engine = create_engine(fresh_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as slow, sessions() as quick:
            await audit.record(slow, CLERK, "project.update", "project", 1, project_id=1)
            await slow.flush()  # the slow action goes on working (rendering a paper, say) …
            await audit.record(quick, CLERK, "project.update", "project", 2, project_id=2)
            # … and another action commits meanwhile instead of waiting for the chain's lock.
            await asyncio.wait_for(quick.commit(), timeout=5)
            await asyncio.wait_for(slow.commit(), timeout=5)
    finally:
        await engine.dispose()
    checked, broken = await _verify_in(fresh_url)
    assert (checked, broken) == (2, None)


async def _verify_in(url: str) -> tuple[int, object]:
    engine = create_engine(url)
    try:
        await sealer.seal_all(create_sessionmaker(engine))
        async with create_sessionmaker(engine)() as session:
            return await audit.verify_chain(session)
    finally:
        await engine.dispose()


# Sealing after the commit: PostgreSQL only (SQLite seals at the commit, one writer at a time).
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_line_committed_after_a_later_one_was_sealed_is_chained_after_it(fresh_url: str) -> None:
    engine = create_engine(fresh_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as slow:
            # A transaction that got its line's id first and commits last.
            await audit.record(slow, CLERK, "project.update", "project", 1, project_id=1)
            await slow.run_sync(lambda s: s.dispatch.before_commit(s))  # writes the line: its id is taken now
            await _write_in(sessions, 2)
            assert await sealer.seal_all(sessions) == 1  # the slow one's line is not committed: not seen
            await slow.commit()
        assert await sealer.seal_all(sessions) == 1
        async with sessions() as session:
            order = (await session.execute(select(AuditEvent.object_id).order_by(AuditEvent.chain_seq))).scalars()
            ids = (await session.execute(select(AuditEvent.object_id).order_by(AuditEvent.id))).scalars()
            assert (list(order), list(ids)) == (["2", "1"], ["1", "2"])
    finally:
        await engine.dispose()
    assert await _verify_in(fresh_url) == (2, None)


async def _write_in(sessions, object_id: int) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        await audit.record(session, CLERK, "project.update", "project", object_id, project_id=object_id)
        await session.commit()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_unsealed_line_can_get_its_seal_but_never_other_content(fresh_url: str) -> None:
    async def scenario() -> None:
        engine = create_engine(fresh_url)
        sessions = create_sessionmaker(engine)
        await _write_in(sessions, 1)
        await engine.dispose()
        with pytest.raises(DBAPIError, match="append-only"):
            await _sql(fresh_url, "UPDATE audit_events SET action = 'x', hash = repeat('1', 64), "
                                  "prev_hash = repeat('0', 64), chain_seq = 1")

    asyncio.run(scenario())
    assert asyncio.run(_verify_in(fresh_url)) == (1, None)


async def test_the_services_sealer_seals_an_actions_line_within_moments(api: Api, backend: str) -> None:
    response = await api.client.post("/api/users", headers=api.admin_headers, json={
        "username": "sealme" + PASSWORD[-4:].lower(), "password": "Good#2026pw", "role": "leader",
        "display_name": "封存"})
    assert response.status_code == 201, response.text
    async with api.sessions() as session:
        line = (await session.execute(select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.object_id == str(response.json()["id"])))).scalar_one()
    for _ in range(100):  # woken by the commit: sealed long before a second has passed
        async with api.sessions() as session:
            sealed = (await session.execute(select(AuditEvent.hash, AuditEvent.chain_seq)
                                            .where(AuditEvent.id == line.id))).one()
        if sealed.hash is not None:
            break
        await asyncio.sleep(0.01)
    assert sealed.hash is not None and sealed.chain_seq is not None
    async with api.sessions() as session:
        assert (await audit.verify_chain(session))[1] is None


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_downgrading_below_the_sealer_seals_the_waiting_lines_as_the_sealer_would(fresh_url: str) -> None:
    from agency.audit.chain import ChainChecker

    async def write_unsealed() -> None:
        engine = create_engine(fresh_url)
        sessions = create_sessionmaker(engine)
        async with sessions() as slow:
            # Sealed out of id order first: a line that took its id first and committed after another.
            await audit.record(slow, CLERK, "project.update", "project", 9, project_id=9)
            await slow.run_sync(lambda s: s.dispatch.before_commit(s))
            await _write_in(sessions, 10)
            await sealer.seal_all(sessions)
            await slow.commit()
        await sealer.seal_all(sessions)
        async with sessions() as session:  # then lines the sealer has not reached
            for n in range(3):
                await audit.record(session, CLERK, "project.update", "project", n, project_id=n,
                                   before={"名称": "旧", "n": n, "x": [1.5, None]}, after={"名称": "新 <&>"})
            await session.commit()
        await engine.dispose()

    async def lines_in_id_order() -> list[AuditEvent]:
        engine = create_engine(fresh_url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT id, occurred_at, actor_id, actor_username, actor_role, action, object_type, object_id, "
                "project_id, result, before, after, client_addr, prev_hash, hash FROM audit_events ORDER BY id"))).all()
        await engine.dispose()
        return [AuditEvent(**row._mapping) for row in rows]

    asyncio.run(write_unsealed())
    migrate.downgrade(fresh_url, "0040")
    lines = asyncio.run(lines_in_id_order())
    checker = ChainChecker()
    checker.feed(lines)
    assert (checker.checked, checker.first_break) == (5, None)
    assert [line.object_id for line in lines] == ["10", "9", "0", "1", "2"]
    migrate.upgrade(fresh_url)
    assert asyncio.run(_verify_in(fresh_url)) == (5, None)

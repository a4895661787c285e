"""The few-seconds memory of bearer tokens: revocations in this process count at once, those made
elsewhere (another server process, a script on the database) within TTL_SECONDS."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from agency import timeutil
from agency.accounts import token_cache
from agency.accounts.models import AuthToken, User
from tests.support import PASSWORD, Api


async def test_logout_and_password_change_count_at_once(api: Api) -> None:
    user = await api.create_user("clerk", must_change_password=True)
    headers = await api.login(user.username)
    assert (await api.client.get("/api/projects", headers=headers)).status_code == 403  # initial password
    changed = await api.client.post("/api/me/password", headers=headers, json={
        "current_password": PASSWORD, "new_password": "N3w-Passw0rd!"})
    assert changed.status_code in (200, 204), changed.text
    # The remembered actor still said "must change password": the commit on users forgot it.
    assert (await api.client.get("/api/projects", headers=headers)).status_code == 200
    assert (await api.client.post("/api/auth/logout", headers=headers)).status_code in (200, 204)
    assert (await api.client.get("/api/me", headers=headers)).status_code == 401


async def test_an_admin_disabling_through_the_service_counts_at_once(api: Api) -> None:
    user = await api.create_user("clerk")
    headers = await api.login(user.username)
    assert (await api.client.get("/api/me", headers=headers)).status_code == 200
    await api.execute(update(User).where(User.id == user.id).values(is_active=False))
    assert (await api.client.get("/api/me", headers=headers)).status_code == 401


async def test_a_revocation_made_outside_this_process_counts_within_the_ttl(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    elapsed = [0.0]  # seconds on the memo's own clock: the test moves it, not the machine's load
    monkeypatch.setattr(token_cache._actors, "monotonic", lambda: elapsed[0])
    user = await api.create_user("clerk")
    headers = await api.login(user.username)
    assert (await api.client.get("/api/me", headers=headers)).status_code == 200
    # A plain connection, no ORM session: what another process's write looks like to this one.
    async with api.sessions() as session:
        connection = await session.connection()
        await connection.execute(text(f"UPDATE {AuthToken.__tablename__} SET revoked_at = :now "
                                      "WHERE user_id = :user"), {"now": timeutil.now(), "user": user.id})
        await session.commit()
    token_cache_hit = await api.client.get("/api/me", headers=headers)
    assert token_cache_hit.status_code == 200
    elapsed[0] += token_cache.TTL_SECONDS - 0.1
    assert (await api.client.get("/api/me", headers=headers)).status_code == 200
    elapsed[0] += 0.2
    assert (await api.client.get("/api/me", headers=headers)).status_code == 401

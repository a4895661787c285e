"""Login, lockout, tokens, password policy and role guards, through HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import update

from agency import timeutil
from agency.accounts.models import AuthToken
from tests.support import PASSWORD, Api, unique


async def test_login_returns_token_and_user(api: Api) -> None:
    user = await api.create_user("clerk")
    response = await api.client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == body["user"] | {"id": user.id, "username": user.username, "role": "clerk",
                                           "department_code": None, "enterprise_id": None}
    me = await api.client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["username"] == user.username


async def test_wrong_password_is_401_and_says_attempts_left(api: Api) -> None:
    user = await api.create_user("clerk")
    response = await api.client.post("/api/auth/login", json={"username": user.username, "password": "Wrong@123"})
    assert response.status_code == 401
    assert response.json()["status_code"] == 401
    assert "4" in response.json()["detail"]


async def test_unknown_user_gets_the_same_401(api: Api) -> None:
    response = await api.client.post("/api/auth/login", json={"username": unique("ghost"), "password": "x"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.json()["detail"]


async def test_five_failures_lock_the_account_for_thirty_minutes(api: Api) -> None:
    user = await api.create_user("clerk")
    for _ in range(4):
        response = await api.client.post("/api/auth/login", json={"username": user.username, "password": "Bad@1234"})
        assert response.status_code == 401
    fifth = await api.client.post("/api/auth/login", json={"username": user.username, "password": "Bad@1234"})
    assert fifth.status_code == 423
    assert "锁定" in fifth.json()["detail"]
    locked_until = datetime.fromisoformat(fifth.json()["extra"]["locked_until"])
    assert timedelta(minutes=29) < locked_until - timeutil.now() <= timedelta(minutes=30)
    # Even the right password is refused while the lock holds.
    right = await api.client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert right.status_code == 423


async def test_login_works_again_after_the_lock_time(api: Api) -> None:
    user = await api.create_user("clerk")
    for _ in range(5):
        await api.client.post("/api/auth/login", json={"username": user.username, "password": "Bad@1234"})
    await api.expire_lock(user.username)
    response = await api.client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    # The count starts afresh: one more failure is not a new lock.
    again = await api.client.post("/api/auth/login", json={"username": user.username, "password": "Bad@1234"})
    assert again.status_code == 401


async def test_admin_unlocks_a_locked_account(api: Api) -> None:
    user = await api.create_user("clerk")
    for _ in range(5):
        await api.client.post("/api/auth/login", json={"username": user.username, "password": "Bad@1234"})
    unlocked = await api.client.post(f"/api/users/{user.id}/lock", json={"locked": False}, headers=api.admin_headers)
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    assert (await api.client.post("/api/auth/login",
                                  json={"username": user.username, "password": PASSWORD})).status_code == 200


async def test_logout_revokes_the_token(api: Api) -> None:
    headers = await api.user_headers("clerk")
    assert (await api.client.post("/api/auth/logout", headers=headers)).status_code == 200
    response = await api.client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["status_code"] == 401


async def test_expired_token_is_refused(api: Api) -> None:
    headers = await api.user_headers("clerk")
    await api.execute(update(AuthToken).values(expires_at=timeutil.now() - timedelta(seconds=1))
                      .where(AuthToken.revoked_at.is_(None), AuthToken.expires_at > timeutil.now()))
    assert (await api.client.get("/api/me", headers=headers)).status_code == 401


async def test_token_with_past_expiry_claim_is_refused(api: Api) -> None:
    headers = await api.user_headers("clerk")
    token = headers["Authorization"].split()[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    forged = jwt.encode(claims, api.settings.secret_key, algorithm="HS256")
    assert (await api.client.get("/api/me", headers={"Authorization": f"Bearer {forged}"})).status_code == 401


async def test_token_signed_with_another_key_is_refused(api: Api) -> None:
    headers = await api.user_headers("clerk")
    claims = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret-key-of-enough-length-000000", algorithm="HS256")
    assert (await api.client.get("/api/me", headers={"Authorization": f"Bearer {forged}"})).status_code == 401


async def test_no_token_is_401(api: Api) -> None:
    response = await api.client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["detail"]


async def test_initial_password_must_be_changed_before_anything_else(api: Api) -> None:
    user = await api.create_user("admin", must_change_password=True)
    headers = await api.login(user.username)
    blocked = await api.client.get("/api/users", headers=headers)
    assert blocked.status_code == 403
    assert blocked.json()["extra"] == {"must_change_password": True}
    assert (await api.client.get("/api/me", headers=headers)).json()["must_change_password"] is True
    changed = await api.client.post("/api/me/password", headers=headers,
                                    json={"current_password": PASSWORD, "new_password": "Fresh#2026pw"})
    assert changed.status_code == 200 and changed.json()["must_change_password"] is False
    assert (await api.client.get("/api/users", headers=headers)).status_code == 200
    assert (await api.client.post("/api/auth/login",
                                  json={"username": user.username, "password": "Fresh#2026pw"})).status_code == 200


async def test_password_change_ends_other_sessions(api: Api) -> None:
    user = await api.create_user("clerk")
    first = await api.login(user.username)
    second = await api.login(user.username)
    await api.client.post("/api/me/password", headers=first,
                          json={"current_password": PASSWORD, "new_password": "Fresh#2026pw"})
    assert (await api.client.get("/api/me", headers=first)).status_code == 200
    assert (await api.client.get("/api/me", headers=second)).status_code == 401


async def test_password_policy_names_the_field(api: Api) -> None:
    headers = await api.user_headers("clerk")
    cases = ["Ab1!", "alllowercase1", "ALLUPPER123", "NoDigitsHere"]
    for weak in cases:
        response = await api.client.post("/api/me/password", headers=headers,
                                         json={"current_password": PASSWORD, "new_password": weak})
        assert response.status_code == 422, weak
        assert response.json()["extra"][0]["field"] == "new_password"


async def test_wrong_current_password_names_the_field(api: Api) -> None:
    headers = await api.user_headers("clerk")
    response = await api.client.post("/api/me/password", headers=headers,
                                     json={"current_password": "Nope@2026x", "new_password": "Fresh#2026pw"})
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "current_password"


async def test_admin_creates_users_with_policy_and_bindings(api: Api) -> None:
    name = unique("officer")
    weak = await api.client.post("/api/users", headers=api.admin_headers, json={
        "username": name, "password": "short", "role": "clerk", "display_name": "张三"})
    assert weak.status_code == 422 and weak.json()["extra"][0]["field"] == "password"
    unbound = await api.client.post("/api/users", headers=api.admin_headers, json={
        "username": name, "password": "Good#2026pw", "role": "department", "display_name": "张三"})
    assert unbound.status_code == 422 and unbound.json()["extra"][0]["field"] == "department_code"
    created = await api.client.post("/api/users", headers=api.admin_headers, json={
        "username": name, "password": "Good#2026pw", "role": "clerk", "display_name": "张三",
        "phone": "13812345678"})
    assert created.status_code == 201, created.text
    assert created.json()["must_change_password"] is True
    assert created.json()["phone"] == "138****5678"
    duplicate = await api.client.post("/api/users", headers=api.admin_headers, json={
        "username": name, "password": "Good#2026pw", "role": "clerk", "display_name": "张三"})
    assert duplicate.status_code == 409
    listed = await api.client.get("/api/users", params={"q": name}, headers=api.admin_headers)
    assert listed.status_code == 200
    assert [u["username"] for u in listed.json()["items"]] == [name]


async def test_only_admin_manages_users(api: Api) -> None:
    for role in ("clerk", "leader"):
        headers = await api.user_headers(role)
        assert (await api.client.get("/api/users", headers=headers)).status_code == 403
        response = await api.client.post("/api/users", headers=headers, json={
            "username": unique("x"), "password": "Good#2026pw", "role": "admin", "display_name": "x"})
        assert response.status_code == 403
    department = await api.user_headers("department", department_code="zjj")
    assert (await api.client.get("/api/users", headers=department)).status_code == 403


async def test_one_address_failing_across_many_accounts_is_slowed_down(backend: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.support import FreshApi

    async with FreshApi(backend, tmp_path, AGENCY_LOGIN_FAILURES_PER_ADDRESS="6") as api:
        users = [await api.create_user("clerk") for _ in range(3)]
        statuses = []
        for attempt in range(9):
            response = await api.client.post("/api/auth/login", json={
                "username": users[attempt % 3].username, "password": "Wrong@2026x"})
            statuses.append(response.status_code)
        # No account reached its own lock (3 failures each), but the address did after 6 failures.
        assert statuses[:6] == [401] * 6 and statuses[6:] == [429] * 3
        limited = await api.client.post("/api/auth/login", json={"username": users[0].username, "password": PASSWORD})
        assert limited.status_code == 429 and "10 分钟" in limited.json()["detail"]
        assert 540 <= int(limited.headers["retry-after"]) <= 600  # until the oldest failure leaves the window


async def test_admin_resets_a_password_which_must_then_be_changed(api: Api) -> None:
    user = await api.create_user("clerk")
    old_session = await api.login(user.username)
    weak = await api.client.post(f"/api/users/{user.id}/password", headers=api.admin_headers, json={"password": "weak"})
    assert weak.status_code == 422 and weak.json()["extra"][0]["field"] == "password"
    reset = await api.client.post(f"/api/users/{user.id}/password", headers=api.admin_headers,
                                  json={"password": "Reset#2026pw"})
    assert reset.status_code == 200 and reset.json()["must_change_password"] is True
    assert (await api.client.get("/api/me", headers=old_session)).status_code == 401
    fresh = await api.login(user.username, "Reset#2026pw")
    assert (await api.client.get("/api/projects", headers=fresh)).status_code == 403  # must change it first

"""Lock, deactivation and an administrator's password reset end every token and web session of the user
(issue 19, finding 3): at once in the process that did it, within the token cache's lifetime in any other."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from agency.accounts import token_cache
from agency.settings import Settings
from tests.support import PASSWORD, REPOSITORY, Api, same_clock
from tests.web.browsers import browser_of

ENDINGS = {
    "lock": ("/lock", {"locked": True}),
    "deactivate": ("/deactivate", None),
    "password_reset": ("/password", {"password": "Reset#2026pw"}),
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
async def test_every_token_and_web_session_of_the_user_ends(api: Api, ending: str) -> None:
    user = await api.create_user("clerk")
    first, second = await api.login(user.username), await api.login(user.username)
    async with await browser_of(api.client, user.username) as browser:
        assert (await browser.get("/app")).status_code == 200
        for headers in (first, second):
            assert (await api.client.get("/api/me", headers=headers)).status_code == 200  # remembered now
        path, body = ENDINGS[ending]
        done = await api.client.post(f"/api/users/{user.id}{path}", headers=api.admin_headers, json=body)
        assert done.status_code == 200, done.text
        for headers in (first, second):
            assert (await api.client.get("/api/me", headers=headers)).status_code == 401
            assert (await api.client.get("/api/projects", headers=headers)).status_code == 401
        page = await browser.get("/app")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")


async def test_deactivation_refuses_login_until_activation_and_shows_on_the_users_page(api: Api) -> None:
    user = await api.create_user("clerk")
    old = await api.login(user.username)
    deactivated = await api.client.post(f"/api/users/{user.id}/deactivate", headers=api.admin_headers)
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False
    refused = await api.client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert refused.status_code == 401
    me = (await api.client.get("/api/me", headers=api.admin_headers)).json()
    assert (await api.client.post(f"/api/users/{me['id']}/deactivate", headers=api.admin_headers)).status_code == 409
    admin = await api.create_user("admin")
    async with await browser_of(api.client, admin.username) as browser:
        await browser.post(f"/app/admin/users/{user.id}/lock", {"locked": "1"}, page="/app/admin/users")
        page = (await browser.get("/app/admin/users")).text
        row = page.split(f"<td data-label=\"用户名\">{user.username}</td>")[1].split("</tr>")[0]
        assert "已停用" in row and "已锁定" in row and f"/app/admin/users/{user.id}/activate" in row
        activated = await browser.post(f"/app/admin/users/{user.id}/activate", page="/app/admin/users")
        assert activated.status_code == 303
        await browser.post(f"/app/admin/users/{user.id}/lock", {"locked": "0"}, page="/app/admin/users")
        row = (await browser.get("/app/admin/users")).text.split(
            f"<td data-label=\"用户名\">{user.username}</td>")[1].split("</tr>")[0]
        assert "已停用" not in row and "已锁定" not in row and f"/app/admin/users/{user.id}/deactivate" in row
    assert (await api.client.get("/api/me", headers=old)).status_code == 401  # activation revives no session
    assert (await api.client.post("/api/auth/login", json={"username": user.username,
                                                           "password": PASSWORD})).status_code == 200


@contextmanager
def server_on(settings: Settings, data: Path) -> Iterator[str]:
    """Another server process (`agency serve`) on the same database as the test's app."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENCY_")}
    env.update(**same_clock(), AGENCY_DATA_DIR=str(data), AGENCY_DATABASE_URL=settings.database_url,
               AGENCY_STORAGE_URL=settings.storage_url, AGENCY_SECRET_KEY=settings.secret_key,
               AGENCY_SCHEDULER="off", AGENCY_LOG_LEVEL="WARNING")
    log = (data / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "agency.cli", "serve", "--no-migrate", "--port", str(port)],
                               cwd=REPOSITORY, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.25)
        else:
            raise RuntimeError("server did not start: " + (data / "server.log").read_text(errors="replace")[-2000:])
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.mark.parametrize("ending", ["lock", "deactivate"])
async def test_another_server_process_refuses_the_token_within_the_cache_lifetime(
        api: Api, tmp_path: Path, ending: str) -> None:
    user = await api.create_user("clerk")
    with server_on(api.settings, tmp_path) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as other:
            login = await other.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            assert (await other.get("/api/me", headers=headers)).status_code == 200  # remembered there now
            path, body = ENDINGS[ending]
            done = await api.client.post(f"/api/users/{user.id}{path}", headers=api.admin_headers, json=body)
            assert done.status_code == 200, done.text
            ended = time.monotonic()
            while (await other.get("/api/me", headers=headers)).status_code == 200:
                assert time.monotonic() - ended < token_cache.TTL_SECONDS + 1.0, "token still honoured"
                await asyncio.sleep(0.1)
            assert (await other.get("/api/me", headers=headers)).status_code == 401
            assert time.monotonic() - ended <= token_cache.TTL_SECONDS + 1.0

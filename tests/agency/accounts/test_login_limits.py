"""Failed logins are limited per address *and* username, with a far higher limit per address behind it
(issue 19, finding 8): one colleague's mistyping no longer locks an office behind one NAT address out, a
throttled attempt never tells whether its password was right, and a 429 says when to try again."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from agency.audit.models import AuditEvent
from tests.support import PASSWORD, FreshApi
from tests.web.browsers import Browser


def _same(text: str) -> str:
    return re.sub(r"\d+", "#", text)  # the seconds to wait may tick over between two answers


async def test_the_strict_limit_is_one_username_at_one_address(backend: str, tmp_path: Path) -> None:
    async with FreshApi(backend, tmp_path, AGENCY_LOGIN_FAILURES_PER_ADDRESS_AND_USER="3",
                        AGENCY_LOGIN_FAILURES_PER_ADDRESS="50", AGENCY_LOCKOUT_THRESHOLD="100") as api:
        typist, colleague = await api.create_user("clerk"), await api.create_user("clerk")
        for _ in range(3):
            failed = await api.client.post("/api/auth/login", json={"username": typist.username,
                                                                    "password": "Wrong@2026x"})
            assert failed.status_code == 401
        right = await api.client.post("/api/auth/login", json={"username": typist.username, "password": PASSWORD})
        wrong = await api.client.post("/api/auth/login", json={"username": typist.username,
                                                               "password": "Wrong@2026x"})
        # No oracle: the right password and a wrong one get the same answer while the limit holds.
        assert right.status_code == wrong.status_code == 429
        assert _same(right.json()["detail"]) == _same(wrong.json()["detail"])
        assert "token" not in right.text
        assert 1 <= int(right.headers["retry-after"]) <= 600
        assert right.json()["extra"]["retry_after_seconds"] == int(right.headers["retry-after"])
        # The colleague at the same address is not held back by it.
        assert (await api.client.post("/api/auth/login", json={"username": colleague.username,
                                                               "password": PASSWORD})).status_code == 200
        # The page's login form answers the same, with Retry-After too.
        async with Browser(api.client) as browser:
            token = await browser.token("/login")
            page = await browser.http.post("/login", data={"_csrf_token": token, "username": typist.username,
                                                           "password": PASSWORD})
            assert page.status_code == 429 and "登录失败次数过多" in page.text
            assert 1 <= int(page.headers["retry-after"]) <= 600
        async with api.sessions() as session:
            throttled = (await session.execute(select(AuditEvent).where(
                AuditEvent.action == "auth.login", AuditEvent.result == "throttled",
                AuditEvent.actor_username == typist.username))).scalars().all()
        assert len(throttled) == 3 and {e.after["limit"] for e in throttled} == {"address_and_username"}

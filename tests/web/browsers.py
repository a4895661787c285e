"""Several people's browsers on one running app: each with its own cookies (web session, CSRF)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support import PASSWORD

TOKEN_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Browser:
    """A browser on the app the test client already runs: the same app (its lifespan ran once, in the
    fixture; requests run on its event loop), cookies of its own."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = httpx.AsyncClient(transport=client._transport, base_url="https://testserver.local")

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.http.cookies.clear()  # the transport is the test client's: it closes it

    async def token(self, path: str = "/login") -> str:
        """The CSRF token a page's forms carry."""
        page = await self.http.get(path, follow_redirects=True)
        match = TOKEN_RE.search(page.text)
        assert match, (path, page.status_code, page.text[:500])
        return match.group(1)

    async def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        token = await self.token("/login")
        response = await self.http.post("/login", data={"_csrf_token": token, "username": username,
                                                        "password": password})
        assert response.status_code == 303, response.text[:1000]
        return response

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def post(self, path: str, data: dict[str, Any] | None = None, *, token: str | None = None,
                   page: str = "/app", **kwargs: Any) -> httpx.Response:
        """A form post with the CSRF token of ``page`` (or the one given)."""
        form = dict(data or {})
        form["_csrf_token"] = token if token is not None else await self.token(page)
        return await self.http.post(path, data=form, **kwargs)


async def browser_of(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Browser:
    browser = Browser(client)
    await browser.login(username, password)
    return browser

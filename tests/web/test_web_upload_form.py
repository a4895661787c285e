"""The upload form of the approval page (issue 19, finding 6): the session and the approval are checked before a
byte of the body is read, the CSRF token before any file, and the body is held to the upload limit as the API's.

Before, the CSRF middleware parsed (and spooled) the whole multipart body — up to a 1 GiB cap — for anyone
holding the cookie and token ``GET /login`` hands out, and only then did the page find there was no session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agency.settings import Settings
from tests.agency.approvals.flow import open_dossier
from tests.agency.files.files_fixtures import LIMIT, MiB, asgi_post, body_messages, files_app, multipart, pdf
from tests.web.browsers import Browser


def _cookies(browser: Browser) -> str:
    return "; ".join(f"{name}={value}" for name, value in browser.http.cookies.items())


async def test_the_upload_form_checks_before_it_reads(settings: Settings, tmp_path: Path) -> None:
    async with files_app(settings.database_url, tmp_path, "file", AGENCY_UPLOAD_LIMIT_MB="1") as app:
        d = await open_dossier(app.api)
        xmba = d.approval_id("xmba")
        await d.ok(xmba, "prepare")
        route = f"/app/approvals/{xmba}/materials/yyzz/files"
        clerk = (await app.client.get("/api/me", headers=d.clerk)).json()["username"]
        big = pdf(3 * MiB, seed="form upload")

        async def post(browser: Browser, token: str, data: bytes = big, declared: bool = True) -> Any:
            body, content_type = multipart(data, "执照.pdf", before={"_csrf_token": token})
            headers = {**content_type, "cookie": _cookies(browser)}
            if declared:
                headers["content-length"] = str(len(body))
            return await asgi_post(app.client, route, headers, body_messages(body))

        # Nothing but the CSRF cookie and token the login page gives anyone.
        async with Browser(app.client) as stranger:
            anonymous = await post(stranger, await stranger.token("/login"))
            assert anonymous.status == 303 and anonymous.consumed == 0, anonymous
        # A session that may not upload, or may not even see the approval; the dossier's own enterprise may
        # (into the pending list), so its oversized declared body is refused like the clerk's, unread.
        enterprise = await app.api.create_user("enterprise", enterprise_id=d.enterprise_id)
        own_officer = await app.api.create_user("department", department_code="fgj")
        officer = await app.api.create_user("department", department_code="zrzy")
        for user, status in ((own_officer, 403), (officer, 404), (enterprise, 413)):
            async with Browser(app.client) as browser:
                await browser.login(user.username)
                refused = await post(browser, await browser.token("/app"))
                assert refused.status == status and refused.consumed == 0, (user.role, refused)
        async with Browser(app.client) as browser:
            await browser.login(clerk)
            token = await browser.token(f"/app/approvals/{xmba}")
            declared = await post(browser, token)
            assert declared.status == 413 and declared.consumed == 0, declared
            undeclared = await post(browser, token, declared=False)
            assert undeclared.status == 413 and undeclared.consumed <= LIMIT + 256 * 1024, undeclared
            forged = await post(browser, "s" + "0" * 64, pdf(512 * 1024, seed="forged"))
            assert forged.status == 403 and forged.consumed <= 64 * 1024, forged  # stopped at the token
            fits = await post(browser, token, pdf(200 * 1024, seed="fits"))
            assert fits.status == 303, fits
        assert [f["filename"] for m in (await d.get(xmba))["materials"] for f in m["files"]] == ["执照.pdf"]

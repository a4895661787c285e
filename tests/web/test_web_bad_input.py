"""Bad input to the pages and their forms: a 4xx page or the form again with its error, never a 500, and no
traceback in the server's log (issue 19, finding 5 — the web routes in the malformed-input tables)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.browsers import Browser, browser_of

HUGE = "99999999999999999999"  # beyond 2^63: no row can have it

# (role, method, path, form or None, expected status, text the answer must hold)
BAD: list[tuple[str, str, str, dict[str, Any] | None, int, str]] = [
    ("clerk", "GET", f"/app/projects/{HUGE}", None, 404, "页面不存在"),
    ("clerk", "GET", f"/app/approvals/{HUGE}", None, 404, "页面不存在"),
    ("clerk", "GET", f"/app/files/{HUGE}", None, 404, "页面不存在"),
    ("admin", "GET", f"/app/admin/templates/authorization_letter/versions/{HUGE}", None, 404, "页面不存在"),
    ("admin", "GET", f"/app/admin/templates/application_form/xmba/versions/{HUGE}", None, 404, "页面不存在"),
    ("admin", "GET", "/app/admin/templates/no_such_template/versions/1", None, 404, "页面不存在"),
    ("enterprise", "GET", f"/app/portal/projects/{HUGE}", None, 404, "页面不存在"),
    ("enterprise", "POST", f"/app/portal/approvals/{HUGE}/rating", {"score": "5"}, 404, "页面不存在"),
    ("enterprise", "POST", "/app/portal/approvals/{approval}/rating", {"score": "99"}, 303, ""),
    ("enterprise", "POST", "/app/portal/approvals/{approval}/rating", {"score": "-1e9"}, 303, ""),
    ("department", "POST", f"/app/bundles/{HUGE}/receive", {}, 404, "页面不存在"),
    ("department", "POST", f"/app/escalations/{HUGE}/acknowledge", {"note": "x"}, 404, "页面不存在"),
    ("leader", "POST", f"/app/follow-ups/{HUGE}/close", {"note": "已回访"}, 404, "页面不存在"),
    ("leader", "POST", f"/app/projects/{HUGE}/green-channel/decide", {"decision": "approve"}, 404, "页面不存在"),
    ("clerk", "POST", f"/app/projects/{HUGE}/green-channel", {"reason": "重点项目急需"}, 404, "页面不存在"),
    ("admin", "POST", f"/app/admin/users/{HUGE}/lock", {"locked": "1"}, 404, "页面不存在"),
    ("admin", "POST", f"/app/admin/users/{HUGE}/deactivate", {}, 404, "页面不存在"),
    ("clerk", "POST", "/app/projects/new", {"enterprise_id": HUGE, "name": "测试项目",
                                            "route_code": "new_industrial", "investment_wan": "100",
                                            "location": "开发区"}, 422, 'id="e-enterprise_id"'),
    ("clerk", "POST", "/app/projects/new", {"enterprise_id": "1e400", "name": "测试项目",
                                            "route_code": "new_industrial", "investment_wan": "1e400",
                                            "location": "开发区"}, 422, "field-error"),
    ("clerk", "POST", "/app/projects/{project}/documents", {"template": "one_time_notice", "approval_id": HUGE},
     303, ""),
    ("clerk", "POST", "/app/projects/{project}/documents", {"template": "x" * 5000}, 303, ""),
    ("clerk", "POST", "/app/projects/{project}/bundles", {"approval_ids": [HUGE, "1"]}, 303, ""),
    ("clerk", "POST", "/app/approvals/{approval}/actions", {"action": "prepare", "version": HUGE}, 422, "页面已过期"),
    ("clerk", "POST", "/app/approvals/{approval}/actions", {"action": "extend", "version": "1", "days": HUGE,
                                                           "reason": "x"}, 422, ""),
    ("admin", "POST", "/app/admin/users", {"username": "web-bad-input", "display_name": "x", "role": "enterprise",
                                           "password": "Good#2026pw!", "enterprise_id": HUGE}, 422,
     'id="e-enterprise_id"'),
    ("admin", "GET", "/app/admin/calendar?year=99999", None, 422, ""),
    ("admin", "GET", "/app/admin/calendar?year=abc", None, 400, ""),
    ("admin", "POST", "/app/admin/calendar", {"day": "2026-02-30"}, 422, "请输入日期"),
    ("admin", "POST", "/app/admin/departments/zrzy", {"name": "x" * 10_000, "mode": "online"}, 422, ""),
    ("leader", "GET", "/app/reports?from=2026-13-01", None, 400, ""),
    ("leader", "GET", "/app/reports?from=9999-01-01&to=9999-12-31", None, 200, "9999"),  # an empty report
    ("clerk", "GET", f"/app?page={HUGE}", None, 400, ""),
    ("clerk", "GET", "/app?status=nonsense", None, 400, ""),
    ("clerk", "POST", "/app/approvals/{approval}/supplement/preview", {"version": "1", "missing_materials": "../x"},
     409, ""),
]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def server_log() -> Iterator[_Records]:
    """What the app logs meanwhile (its own logging configuration replaced pytest's capture)."""
    handler = _Records()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


@pytest.fixture
async def browsers(client: AsyncTestClient[Any], api: Api) -> Any:
    d = await open_dossier(api)
    users = {"clerk": (await api.client.get("/api/me", headers=d.clerk)).json()["username"]}
    for role, binding in (("admin", {}), ("leader", {}), ("department", {"department_code": "fgj"}),
                          ("enterprise", {"enterprise_id": d.enterprise_id})):
        users[role] = (await api.create_user(role, **binding)).username
    opened = {role: await browser_of(client, name) for role, name in users.items()}
    yield d, opened
    for browser in opened.values():
        await browser.__aexit__()


async def test_bad_input_to_the_pages_is_never_a_server_error(browsers: Any) -> None:
    d, opened = browsers
    ids = {"project": d.project["id"], "approval": d.approval_id("xmba")}
    problems = []
    with server_log() as log:
        for role, method, path, form, status, text in BAD:
            browser: Browser = opened[role]
            url = path.format(**ids)
            if method == "GET":
                response = await browser.get(url)
            else:
                response = await browser.post(url, form, page="/app/password")
            if response.status_code != status or text not in response.text:
                problems.append(f"{role} {method} {url}: {response.status_code} (expected {status}) "
                                f"{response.text[:300] if text not in response.text else ''}")
        # A multipart body cut short, and form fields that are not UTF-8.
        clerk: Browser = opened["clerk"]
        token = await clerk.token("/app/password")
        upload = f"/app/approvals/{ids['approval']}/materials/yyzz/files"
        head = b'--b\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n' + token.encode()
        cut = await clerk.http.post(upload, content=head + b'\r\n--b\r\nContent-Disposition: form-data; name="file"; '
                                    b'filename="a.pdf"\r\n\r\n%PDF-1.7 and then nothing',
                                    headers={"content-type": "multipart/form-data; boundary=b"})
        latin = await clerk.http.post("/app/enterprises/new", content=b"_csrf_token=" + token.encode()
                                      + b"&name=\xff\xfe\xfd",
                                      headers={"content-type": "application/x-www-form-urlencoded"})
        for name, response in (("cut multipart", cut), ("not UTF-8", latin)):
            if not 400 <= response.status_code < 500:
                problems.append(f"{name}: {response.status_code} {response.text[:300]}")
    errors = [f"{r.name}: {r.getMessage()[:200]}" for r in log.records if r.levelno >= logging.ERROR or r.exc_info]
    assert problems == [], "\n".join(problems)
    assert errors == [], "server log:\n" + "\n".join(errors)

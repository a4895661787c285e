"""Every error has the body of API.md, and bad input never gives a 500."""

from __future__ import annotations

import pytest

from tests.support import Api, unique

MALFORMED = [
    # (method, path, raw body, expected status, field named in extra or None)
    ("POST", "/api/auth/login", b"{bad json", 400, None),
    ("POST", "/api/auth/login", b"", 400, None),
    ("POST", "/api/auth/login", b"[1, 2]", 400, None),
    ("POST", "/api/auth/login", b'{"username": "a"}', 422, "password"),
    ("POST", "/api/auth/login", b'{"username": 5, "password": "x"}', 422, "username"),
    ("POST", "/api/auth/login", b'{"username": "a", "password": "x", "admin": true}', 422, "admin"),
    ("POST", "/api/auth/login", b'{"username": "", "password": "x"}', 422, "username"),
    ("POST", "/api/auth/login", "{\"username\": \"\u00e9\udcff\"}".encode("utf-8", "surrogatepass"), 400, None),
    # Nested deeper than the decoder recurses: a RecursionError and a 500 before, even without a login.
    ("POST", "/api/auth/login", b"[" * 1000 + b"]" * 1000, 400, None),
    ("POST", "/api/auth/login", b'{"username": ' * 1000 + b"1" + b"}" * 1000, 400, None),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), MALFORMED)
async def test_malformed_requests_get_clear_errors(api: Api, method: str, path: str, body: bytes, status: int,
                                                   field: str | None) -> None:
    response = await api.client.request(method, path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) == {"status_code", "detail", "extra"}
    assert payload["status_code"] == status and payload["detail"]
    if field:
        assert payload["extra"][0]["field"] == field


AUTHENTICATED = [
    ("POST", "/api/users", {"username": "x1", "password": "Good#2026pw", "role": "wizard", "display_name": "x"},
     422, "role"),
    ("POST", "/api/users", {"username": "../etc", "password": "Good#2026pw", "role": "clerk", "display_name": "x"},
     422, "username"),
    ("POST", "/api/users", {"username": "x2", "password": "Good#2026pw", "role": "clerk", "display_name": "x",
                            "enterprise_id": "abc"}, 422, "enterprise_id"),
    ("GET", "/api/users?page=0", None, 422, "page"),
    ("GET", "/api/users?page_size=100000", None, 422, "page_size"),
    ("GET", "/api/users?page=abc", None, 422, "page"),
    ("GET", "/api/users/99999999", None, 404, None),
    ("GET", "/api/users/not-a-number", None, 404, None),
    ("GET", "/api/no/such/route", None, 404, None),
    ("DELETE", "/api/me", None, 405, None),
    ("POST", "/api/users", {"username": "x3", "password": "Good#2026pw", "role": "enterprise", "display_name": "x",
                            "enterprise_id": 2**63}, 422, "enterprise_id"),
    ("POST", "/api/projects/1/documents", {"template": "progress_report", "approval_id": 2**64}, 422, "approval_id"),
    ("POST", "/api/notifications/read", {"ids": [2**63]}, 422, "ids[0]"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), AUTHENTICATED)
async def test_bad_input_from_a_logged_in_admin(api: Api, method: str, path: str, body: object, status: int,
                                               field: str | None) -> None:
    response = await api.client.request(method, path, json=body, headers=api.admin_headers)
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) == {"status_code", "detail", "extra"} and payload["status_code"] == status
    assert "Traceback" not in response.text
    if field:
        assert payload["extra"][0]["field"] == field


async def test_unknown_route_without_login_is_json_404_or_401(api: Api) -> None:
    response = await api.client.get(f"/{unique('nowhere')}")
    assert response.status_code == 404
    assert response.json()["status_code"] == 404


async def test_openapi_document_has_bearer_scheme(api: Api) -> None:
    response = await api.client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "Bearer" or s.get("scheme") == "bearer" for s in schemes.values())
    assert "/api/auth/login" in document["paths"] and "/health" in document["paths"]
    page = await api.client.get("/schema")
    assert page.status_code == 200 and "html" in page.headers["content-type"]


async def test_health_reports_each_component(api: Api) -> None:
    response = await api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok", "queue": "in-process"}


OUT_OF_RANGE = [
    ("GET", "/api/calendar/3568510739051660800"),
    ("GET", "/api/calendar/1900"),
    ("GET", "/api/users/36893488147419103233"),
    ("POST", "/api/outbox/36893488147419103233/retry"),
    ("GET", "/api/projects/36893488147419103233"),
    ("GET", "/api/files/36893488147419103233"),
]


@pytest.mark.parametrize(("method", "path"), OUT_OF_RANGE)
async def test_numbers_beyond_what_the_database_holds_are_4xx(api: Api, method: str, path: str) -> None:
    response = await api.client.request(method, path, headers=api.admin_headers)
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) == {"status_code", "detail", "extra"}


@pytest.mark.parametrize("path", ["/api/users", "/api/users/1", "/api/outbox", "/api/projects", "/api/bundles"])
async def test_options_preflight_is_never_a_server_error(api: Api, path: str) -> None:
    response = await api.client.options(path)
    assert response.status_code < 500, response.text


async def test_security_headers_on_api_and_pages(api: Api) -> None:
    for path in ("/health", "/login"):
        response = await api.client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self';" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "same-origin"
        assert all(len(response.headers.get_list(name)) == 1 for name in response.headers)  # each once
    # The API reference comes from the app's own files: the same policy, but for the viewer's own start script.
    reference = await api.client.get("/schema")
    assert reference.headers["x-content-type-options"] == "nosniff"
    policy = reference.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline';" in policy and "default-src 'self';" in policy
    assert "http" not in policy
    assert "https://" not in reference.text and "http://" not in reference.text
    viewer = await api.client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert viewer.status_code == 200 and "javascript" in viewer.headers["content-type"]


def test_a_database_pool_that_stays_busy_is_a_503_not_a_500() -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from agency.http import internal_handler

    class _Request:
        method = "GET"

        class url:  # noqa: N801 - mimics Request.url
            path = "/api/projects/1"

    response = internal_handler(_Request(), PoolTimeout("QueuePool limit of size 20 overflow 10 reached"))  # type: ignore[arg-type]
    assert response.status_code == 503
    assert "service unavailable" in response.content["detail"]

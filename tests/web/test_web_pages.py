"""The pages over HTTP: session cookie, CSRF, idle timeout, forced password change, forms, error pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from agency import timeutil
from agency.accounts.models import AuthToken
from tests.support import PASSWORD, Api

TOKEN_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf(client: AsyncTestClient[Any], path: str = "/login") -> str:
    response = await client.get(path)
    match = TOKEN_RE.search(response.text)
    assert match, response.text[:500]
    return match.group(1)


async def web_login(client: AsyncTestClient[Any], username: str, password: str = PASSWORD) -> Any:
    token = await csrf(client)
    return await client.post("/login", data={"_csrf_token": token, "username": username, "password": password,
                                             "next": "/app"}, follow_redirects=False)


async def test_pages_redirect_to_login_when_no_session(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/app/projects/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/app/projects/new"
    login = await client.get("/login")
    assert "登录" in login.text and 'name="_csrf_token"' in login.text


async def test_login_sets_httponly_session_cookie_and_logout_ends_it(client: AsyncTestClient[Any], api: Api) -> None:
    clerk = await api.create_user("clerk")
    response = await web_login(client, clerk.username)
    assert response.status_code == 303 and response.headers["location"] == "/app"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("agency_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    page = await client.get("/app")
    assert page.status_code == 200 and "工作台" in page.text and "今日待办" in page.text
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    out = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    again = await client.get("/app", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


async def test_form_post_without_csrf_token_is_refused(client: AsyncTestClient[Any], api: Api) -> None:
    clerk = await api.create_user("clerk")
    await client.get("/login")
    response = await client.post("/login", data={"username": clerk.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "安全校验码" in response.text and response.headers["content-type"].startswith("text/html")


async def test_wrong_password_shows_the_lockout_message_of_the_api(client: AsyncTestClient[Any], api: Api) -> None:
    clerk = await api.create_user("clerk")
    response = await web_login(client, clerk.username, "wrong-password")
    assert response.status_code == 401
    assert "再错 4 次账号将被锁定" in response.text


async def test_idle_session_is_ended(client: AsyncTestClient[Any], api: Api) -> None:
    clerk = await api.create_user("clerk")
    await web_login(client, clerk.username)
    assert (await client.get("/app")).status_code == 200
    past = timeutil.now() - timedelta(minutes=api.settings.session_idle_minutes + 1)
    await api.execute(update(AuthToken).where(AuthToken.user_id == clerk.id, AuthToken.kind == "web")
                      .values(last_seen_at=past))
    response = await client.get("/app", follow_redirects=False)
    assert response.status_code == 303 and "reason=idle" in response.headers["location"]
    assert "自动退出" in (await client.get(response.headers["location"])).text


async def test_initial_password_must_be_changed_first(client: AsyncTestClient[Any], api: Api) -> None:
    clerk = await api.create_user("clerk", must_change_password=True)
    response = await web_login(client, clerk.username)
    assert response.headers["location"] == "/app/password"
    assert (await client.get("/app", follow_redirects=False)).headers["location"] == "/app/password"
    token = await csrf(client, "/app/password")
    bad = await client.post("/app/password", data={"_csrf_token": token, "current_password": "nope",
                                                   "new_password": "New@2026pass!", "confirm": "New@2026pass!"})
    assert bad.status_code == 422 and "当前密码不正确" in bad.text and 'id="e-current_password"' in bad.text
    ok = await client.post("/app/password", data={"_csrf_token": token, "current_password": PASSWORD,
                                                  "new_password": "New@2026pass!", "confirm": "New@2026pass!"},
                           follow_redirects=False)
    assert ok.status_code == 303
    assert (await client.get("/app")).status_code == 200


async def test_wrong_credit_code_is_shown_next_to_its_field(client: AsyncTestClient[Any], api: Api) -> None:
    clerk = await api.create_user("clerk")
    await web_login(client, clerk.username)
    token = await csrf(client, "/app/enterprises/new")
    response = await client.post("/app/enterprises/new", data={
        "_csrf_token": token, "credit_code": "91330521MA2B3C4D5X", "name": "测试企业", "legal_representative": "张三",
        "contact_name": "李四", "contact_phone": "13800000000", "address": "工业园区一号"})
    assert response.status_code == 422
    error = re.search(r'<p class="field-error" id="e-credit_code"[^>]*>([^<]+)</p>', response.text)
    assert error and "统一社会信用代码无效" in error.group(1)
    phone = await client.post("/app/enterprises/new", data={
        "_csrf_token": token, "credit_code": "x", "name": "测试企业", "legal_representative": "张三",
        "contact_name": "李四", "contact_phone": "abc", "address": "工业园区一号"})
    assert 'id="e-contact_phone"' in phone.text


async def test_enterprise_and_project_forms_create_a_dossier(client: AsyncTestClient[Any], api: Api) -> None:
    from tests.support import valid_credit_code

    clerk = await api.create_user("clerk")
    await web_login(client, clerk.username)
    token = await csrf(client, "/app/enterprises/new")
    created = await client.post("/app/enterprises/new", data={
        "_csrf_token": token, "credit_code": valid_credit_code(), "name": "页面测试企业",
        "legal_representative": "张三",
        "contact_name": "李四", "contact_phone": "13800000000", "address": "工业园区一号"}, follow_redirects=False)
    assert created.status_code == 303, created.text
    form = await client.get(created.headers["location"])
    enterprise_id = re.search(r"enterprise_id=(\d+)", created.headers["location"]).group(1)  # type: ignore[union-attr]
    route = re.search(r'<option value="([^"]+)"', form.text.split('name="route_code"')[1])
    assert route
    missing = await client.post("/app/projects/new", data={"_csrf_token": token, "enterprise_id": enterprise_id,
                                                           "name": "新项目", "route_code": route.group(1),
                                                           "investment_wan": "0", "location": "园区"})
    assert missing.status_code == 422 and 'id="e-investment_wan"' in missing.text
    done = await client.post("/app/projects/new", data={"_csrf_token": token, "enterprise_id": enterprise_id,
                                                        "name": "页面测试项目", "route_code": route.group(1),
                                                        "investment_wan": "1200", "location": "工业园区"},
                             follow_redirects=False)
    assert done.status_code == 303, done.text
    project = await client.get(done.headers["location"])
    assert project.status_code == 200 and "页面测试项目" in project.text and "g-bar" in project.text
    listing = await client.get("/app?q=页面测试项目")
    assert "共 1 个项目" in listing.text


async def test_unknown_or_invisible_pages_are_html_404_and_api_errors_stay_json(client: AsyncTestClient[Any],
                                                                                api: Api) -> None:
    clerk = await api.create_user("clerk")
    await web_login(client, clerk.username)
    for path in ("/app/projects/999999", "/app/nothing/here"):
        response = await client.get(path)
        assert response.status_code == 404 and "页面不存在" in response.text
    api_error = await client.get("/api/projects/999999", headers=api.admin_headers)
    assert api_error.status_code == 404 and api_error.json()["status_code"] == 404

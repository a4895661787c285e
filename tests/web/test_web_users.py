"""The administrator's user pages over HTTP, on the demo data: the role chosen explicitly, the enterprise picked by
name, one password rule shown where a password is set, editing, deactivation and reactivation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agency.accounts.passwords import MIN_LENGTH, RULE_ZH
from agency.app import create_app
from agency.settings import Settings
from tests.web.conftest import demo_login
from tests.web.test_web_pages import TOKEN_RE

PASSWORD = "Strong-Passw0rd-2026!"


@pytest.fixture
async def web(demo_settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(demo_settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as c:
        yield c


async def _token(client: AsyncTestClient[Any], path: str) -> tuple[str, str]:
    page = await client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.text[:500])
    return TOKEN_RE.search(page.text).group(1), page.text  # type: ignore[union-attr]


def _user_id(listing: str, username: str) -> str:
    edit_link = rf'<a href="/app/admin/users/(\d+)" class="button">编辑<span class="sr-only"> {re.escape(username)}<'
    found = re.search(edit_link, listing)
    assert found, username
    return found.group(1)


def _enterprise_options(text: str) -> list[tuple[str, str]]:
    select = re.search(r'<select id="f-enterprise_id" name="enterprise_id"[^>]*>(.*?)</select>', text, re.S)
    assert select
    return [(v, n) for v, n in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', select.group(1))]


async def test_the_new_user_form_asks_for_a_role_and_names_enterprises(web: AsyncTestClient[Any],
                                                                       demo_settings: Settings) -> None:
    await demo_login(web, demo_settings, "admin")
    token, users = await _token(web, "/app/admin/users")
    # No role is preselected: the first option is the empty "please choose".
    role = re.search(r'<select id="f-role" name="role" required[^>]*>\s*<option value="" selected>请选择角色</option>',
                     users)
    assert role, users[:3000]
    assert "企业 #" not in users and 'name="enterprise_id" type="number"' not in users
    assert f"密码规则：{RULE_ZH}" in users and f"至少 {MIN_LENGTH} 位" in users
    enterprises = _enterprise_options(users)
    assert enterprises and all(re.search(r"[\u4e00-\u9fff]", name) for _, name in enterprises)
    # A linked enterprise user shows its enterprise's name in the list.
    assert any(name.split("（")[0] in users.split('id="list-h"')[1] for _, name in enterprises)
    no_role = await web.post("/app/admin/users", data={
        "_csrf_token": token, "username": "web-no-role", "display_name": "无角色", "role": "", "password": PASSWORD})
    assert no_role.status_code == 422 and "请选择角色" in no_role.text
    weak = await web.post("/app/admin/users", data={
        "_csrf_token": token, "username": "web-weak", "display_name": "弱密码", "role": "clerk", "password": "abc"})
    assert weak.status_code == 422 and RULE_ZH in weak.text and "password must" not in weak.text
    unbound = await web.post("/app/admin/users", data={
        "_csrf_token": token, "username": "web-unbound", "display_name": "未绑定", "role": "enterprise",
        "password": PASSWORD})
    assert unbound.status_code == 422 and "企业用户必须选择所属企业" in unbound.text
    enterprise_id, enterprise_name = enterprises[0]
    created = await web.post("/app/admin/users", data={
        "_csrf_token": token, "username": "web-ent-user", "display_name": "企业经办人", "role": "enterprise",
        "enterprise_id": enterprise_id, "password": PASSWORD}, follow_redirects=False)
    assert created.status_code == 303, created.text[:2000]
    listing = (await web.get("/app/admin/users")).text
    row = listing.split('<td data-label="用户名">web-ent-user</td>')[1].split("</tr>")[0]
    assert enterprise_name.split("（")[0] in row


async def test_the_admin_edits_deactivates_and_reactivates_a_user(web: AsyncTestClient[Any],
                                                                  demo_settings: Settings) -> None:
    await demo_login(web, demo_settings, "admin")
    token, _ = await _token(web, "/app/admin/users")
    created = await web.post("/app/admin/users", data={
        "_csrf_token": token, "username": "web-edit-me", "display_name": "待编辑", "role": "clerk",
        "password": PASSWORD}, follow_redirects=False)
    assert created.status_code == 303
    user_id = _user_id((await web.get("/app/admin/users")).text, "web-edit-me")
    _, form = await _token(web, f"/app/admin/users/{user_id}")
    assert 'id="user-edit"' in form and 'value="待编辑"' in form and '<option value="clerk" selected>' in form
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    base = {"_csrf_token": token, "display_name": "已编辑", "phone": "13800001234", "role": "department",
            "department_code": "", "enterprise_id": "", "site_code": "", "version": version}
    missing = await web.post(f"/app/admin/users/{user_id}", data=base)
    assert missing.status_code == 422 and "部门用户必须选择所属部门" in missing.text
    saved = await web.post(f"/app/admin/users/{user_id}", data=base | {"department_code": "fgj"},
                           follow_redirects=False)
    assert saved.status_code == 303, saved.text[:2000]
    listing = (await web.get("/app/admin/users")).text
    row = listing.split('<td data-label="用户名">web-edit-me</td>')[1].split("</tr>")[0]
    assert "已编辑" in row and "部门窗口人员" in row and "发展和改革局" in row
    stale = await web.post(f"/app/admin/users/{user_id}", data=base | {"department_code": "fgj", "display_name": "旧"})
    assert stale.status_code == 422 and "已被他人修改" in stale.text
    no_role = await web.post(f"/app/admin/users/{user_id}", data=base | {"role": ""})
    assert no_role.status_code == 422 and "请选择角色" in no_role.text
    off = await web.post(f"/app/admin/users/{user_id}/deactivate", data={"_csrf_token": token, "from": "edit"})
    assert off.status_code == 200 and "已停用用户 web-edit-me" in off.text and "重新启用" in off.text
    on = await web.post(f"/app/admin/users/{user_id}/activate", data={"_csrf_token": token, "from": "edit"})
    assert on.status_code == 200 and "已重新启用用户 web-edit-me" in on.text and "停用该用户" in on.text
    assert (await web.get("/app/admin/users/999999")).status_code == 404


async def test_the_password_change_form_states_the_same_rule(web: AsyncTestClient[Any],
                                                             demo_settings: Settings) -> None:
    await demo_login(web, demo_settings, "clerk")
    _, form = await _token(web, "/app/password")
    assert f"密码规则：{RULE_ZH}" in form and "至少 10 位" not in form

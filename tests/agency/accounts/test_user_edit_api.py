"""PATCH /api/users/{id}: the administrator edits a user — roles and their bindings, validation naming the field,
404, a stale version, deactivation that ends sessions, and the audit line — on both databases."""

from __future__ import annotations

from sqlalchemy import select

from agency.audit.models import AuditEvent
from tests.agency.projects.project_factory import create_enterprise
from tests.support import PASSWORD, Api


async def _patch(api: Api, user_id: int, body: dict[str, object],
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    response = await api.client.patch(f"/api/users/{user_id}", json=body, headers=headers or api.admin_headers)
    return response.status_code, response.json()


def _field(body: dict[str, object]) -> object:
    extra = body.get("extra")
    return extra[0].get("field") if isinstance(extra, list) and extra else None


async def test_admin_edits_name_phone_and_role(api: Api) -> None:
    user = await api.create_user("clerk")
    status, body = await _patch(api, user.id, {"display_name": "李四", "phone": "13900001111"})
    assert status == 200, body
    assert body["display_name"] == "李四" and body["phone"] == "139****1111" and body["role"] == "clerk"
    version = body["version"]
    status, body = await _patch(api, user.id, {"role": "department", "department_code": "fgj", "version": version})
    assert status == 200, body
    assert body["role"] == "department" and body["department_code"] == "fgj"
    # Back to clerk: the department the new role does not have goes with it.
    status, body = await _patch(api, user.id, {"role": "clerk"})
    assert status == 200 and body["department_code"] is None
    status, body = await _patch(api, user.id, {"phone": ""})
    assert status == 200 and body["phone"] is None


async def test_linking_an_enterprise_user(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    user = await api.create_user("leader")
    status, body = await _patch(api, user.id, {"role": "enterprise"})
    assert status == 422 and _field(body) == "enterprise_id" and "企业" in str(body["detail"])
    status, body = await _patch(api, user.id, {"role": "enterprise", "enterprise_id": enterprise["id"]})
    assert status == 200 and body["enterprise_id"] == enterprise["id"] and body["role"] == "enterprise"
    status, body = await _patch(api, user.id, {"enterprise_id": 999_999_999})
    assert status == 422 and _field(body) == "enterprise_id"


async def test_validation_names_the_field(api: Api) -> None:
    user = await api.create_user("clerk")
    cases: list[tuple[dict[str, object], str]] = [
        ({"role": "overlord"}, "role"),
        ({"phone": "电话"}, "phone"),
        ({"display_name": ""}, "display_name"),
        ({"department_code": "fgj"}, "department_code"),  # a clerk has no department
        ({"role": "department", "department_code": "nosuch"}, "department_code"),
        ({"site_code": "nosuch"}, "site_code"),
        ({"is_active": "yes"}, "is_active"),
    ]
    for body, field in cases:
        status, answer = await _patch(api, user.id, body)
        assert status in (400, 422), (body, status, answer)
        assert field in str(answer), (body, answer)
    status, answer = await _patch(api, user.id, {"version": 999})
    assert status == 409 and _field(answer) == "version"


async def test_unknown_user_is_404_and_only_the_admin_may_edit(api: Api) -> None:
    assert (await _patch(api, 999_999_999, {"display_name": "无人"}))[0] == 404
    user = await api.create_user("clerk")
    for role in ("clerk", "leader"):
        headers = await api.user_headers(role)
        assert (await _patch(api, user.id, {"display_name": "越权"}, headers))[0] == 403


async def test_deactivation_by_patch_ends_the_login_and_is_audited(api: Api) -> None:
    user = await api.create_user("clerk")
    session = await api.login(user.username)
    status, body = await _patch(api, user.id, {"is_active": False, "display_name": "已离职"})
    assert status == 200 and body["is_active"] is False
    assert (await api.client.get("/api/me", headers=session)).status_code == 401
    refused = await api.client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
    assert refused.status_code == 401
    status, body = await _patch(api, user.id, {"is_active": True})
    assert status == 200 and body["is_active"] is True
    assert (await api.client.post("/api/auth/login", json={"username": user.username,
                                                          "password": PASSWORD})).status_code == 200
    async with api.sessions() as db:
        lines = list((await db.execute(select(AuditEvent).where(
            AuditEvent.action == "user.update", AuditEvent.object_id == str(user.id)).order_by(AuditEvent.id)))
            .scalars())
    assert len(lines) == 2
    assert lines[0].before == {"display_name": "测试clerk", "is_active": True}
    assert lines[0].after is not None and lines[0].after["is_active"] is False
    assert lines[0].after["display_name"] == "已离职" and lines[0].after["revoked_sessions"] >= 1


async def test_an_admin_cannot_demote_or_deactivate_himself(api: Api) -> None:
    me = (await api.client.get("/api/me", headers=api.admin_headers)).json()
    status, body = await _patch(api, me["id"], {"role": "clerk"})
    assert status == 409 and _field(body) == "role"
    status, body = await _patch(api, me["id"], {"is_active": False})
    assert status == 409 and _field(body) == "is_active"
    assert (await _patch(api, me["id"], {"display_name": "系统管理员甲"}))[0] == 200

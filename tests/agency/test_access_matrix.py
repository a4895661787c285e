"""Every operation of the OpenAPI document × every role × an object of one's own vs another's.

The table below says, per operation, which roles may use it and for which roles it is scoped (they
see only their own enterprise's or department's objects). The test fails on any leak — a success
where 403/404 is due, or another's object answering anything but 403/404 — and on any operation
of the document that is missing from the table. Writes are sent with an empty or invalid body, so
an allowed role gets a validation error (proof it passed the guard) and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from agency.escalation.models import Escalation
from agency.evaluations.models import Evaluation, FollowUp
from agency.notifications.models import Notification
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.bundles.test_bundles_api import upload_required
from tests.support import Api

ALL = frozenset({"admin", "clerk", "leader", "department", "enterprise"})
STAFF = frozenset({"admin", "clerk", "leader"})
DENIED = {401, 403, 404}


@dataclass
class World:
    """Objects of enterprise A (ours: its dossier holds 自然资源和规划局's items) and of B (on the
    technical-upgrade route, which has none of that department's items)."""

    ids: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    method: str
    url: Callable[[dict[str, Any]], str]  # from the ids of one side ("own" or "other")
    allowed: frozenset[str]
    scoped: frozenset[str] = frozenset()  # roles that must get 403/404 for the other side's object
    body: Any = None
    public: bool = False  # no login needed: checked once, not per role


def own_other(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda ids: key.format(**ids)


TABLE: dict[str, Rule] = {
    "GET /health": Rule("GET", own_other("/health"), ALL, public=True),
    "POST /api/auth/login": Rule("POST", own_other("/api/auth/login"), ALL, public=True, body={}),
    "POST /api/auth/logout": Rule("POST", own_other("/api/auth/logout"), ALL, public=True),
    "GET /api/me": Rule("GET", own_other("/api/me"), ALL),
    "POST /api/me/password": Rule("POST", own_other("/api/me/password"), ALL, body={}),
    "GET /api/users": Rule("GET", own_other("/api/users"), frozenset({"admin"})),
    "POST /api/users": Rule("POST", own_other("/api/users"), frozenset({"admin"}), body={}),
    "GET /api/users/{user_id}": Rule("GET", own_other("/api/users/{user}"), frozenset({"admin"})),
    "POST /api/users/{user_id}/lock": Rule("POST", own_other("/api/users/{user}/lock"), frozenset({"admin"}), body={}),
    "POST /api/users/{user_id}/password": Rule("POST", own_other("/api/users/{user}/password"), frozenset({"admin"}),
                                               body={}),
    "GET /api/departments": Rule("GET", own_other("/api/departments"), ALL),
    "PUT /api/departments/{code}": Rule("PUT", own_other("/api/departments/zrzy"), frozenset({"admin"}), body={}),
    "GET /api/catalog/items": Rule("GET", own_other("/api/catalog/items"), ALL),
    "GET /api/catalog/routes": Rule("GET", own_other("/api/catalog/routes"), ALL),
    "POST /api/catalog/import": Rule("POST", own_other("/api/catalog/import"), frozenset({"admin"}), body="x: ["),
    "GET /api/calendar/{year}": Rule("GET", own_other("/api/calendar/2026"), ALL),
    "PUT /api/calendar/{day}": Rule("PUT", own_other("/api/calendar/2026-12-01"), frozenset({"admin"}), body={}),
    "GET /api/enterprises": Rule("GET", own_other("/api/enterprises"), ALL),
    "POST /api/enterprises": Rule("POST", own_other("/api/enterprises"), frozenset({"admin", "clerk"}), body={}),
    "GET /api/enterprises/{enterprise_id}": Rule("GET", own_other("/api/enterprises/{enterprise}"), ALL,
                                                 frozenset({"enterprise", "department"})),
    "GET /api/projects": Rule("GET", own_other("/api/projects"), ALL),
    "POST /api/projects": Rule("POST", own_other("/api/projects"), frozenset({"clerk"}), body={}),
    "GET /api/projects/{project_id}": Rule("GET", own_other("/api/projects/{project}"), ALL,
                                           frozenset({"enterprise", "department"})),
    "POST /api/projects/{project_id}/approvals": Rule("POST", own_other("/api/projects/{project}/approvals"),
                                                      frozenset({"clerk"}), body={}),
    "DELETE /api/projects/{project_id}/approvals/{approval_id}": Rule(
        "DELETE", own_other("/api/projects/{project}/approvals/{prepared}"), frozenset({"clerk"})),
    "GET /api/projects/{project_id}/archive": Rule("GET", own_other("/api/projects/{project}/archive"), STAFF),
    "POST /api/projects/{project_id}/close": Rule("POST", own_other("/api/projects/{project}/close"),
                                                  frozenset({"clerk"}), body={}),
    "GET /api/projects/{project_id}/documents": Rule("GET", own_other("/api/projects/{project}/documents"), ALL,
                                                     frozenset({"enterprise", "department"})),
    "POST /api/projects/{project_id}/documents": Rule(
        "POST", own_other("/api/projects/{project}/documents"), frozenset({"admin", "clerk", "leader", "department"}),
        frozenset({"department"}), body={}),
    "GET /api/projects/{project_id}/events": Rule("GET", own_other("/api/projects/{project}/events"), ALL,
                                                  frozenset({"enterprise", "department"})),
    "PUT /api/projects/{project_id}/facts": Rule("PUT", own_other("/api/projects/{project}/facts"),
                                                 frozenset({"clerk"}), body={"building_area_m2": -1}),
    "POST /api/projects/{project_id}/green-channel": Rule(
        "POST", own_other("/api/projects/{project}/green-channel"), frozenset({"clerk"}), body={}),
    "POST /api/projects/{project_id}/green-channel/decision": Rule(
        "POST", own_other("/api/projects/{project}/green-channel/decision"), frozenset({"leader"}), body={}),
    "PUT /api/projects/{project_id}/milestones/{code}": Rule(
        "PUT", own_other("/api/projects/{project}/milestones/construction_complete"), frozenset({"clerk"}),
        body={"done_on": "2999-01-01"}),
    "GET /api/approvals": Rule("GET", own_other("/api/approvals"), ALL),
    "GET /api/approvals/{approval_id}": Rule("GET", own_other("/api/approvals/{approval}"), ALL,
                                             frozenset({"enterprise", "department"})),
    "POST /api/approvals/{approval_id}/actions": Rule(
        "POST", own_other("/api/approvals/{approval}/actions"), ALL, frozenset({"enterprise", "department"}),
        body={}),
    "POST /api/approvals/{approval_id}/handler": Rule(
        "POST", own_other("/api/approvals/{approval}/handler"), ALL, frozenset({"enterprise", "department"}),
        body={}),
    "POST /api/approvals/{approval_id}/materials/{material_code}/files": Rule(
        "POST", own_other("/api/approvals/{approval}/materials/{material}/files"), frozenset({"admin", "clerk"}),
        frozenset(), body={}),
    "GET /api/files/{file_id}": Rule("GET", own_other("/api/files/{file}"), ALL,
                                     frozenset({"enterprise", "department"})),
    "GET /api/files/{file_id}/meta": Rule("GET", own_other("/api/files/{file}/meta"), ALL,
                                          frozenset({"enterprise", "department"})),
    "GET /api/document-templates": Rule("GET", own_other("/api/document-templates"), ALL),
    "PUT /api/document-templates/{code}": Rule("PUT", own_other("/api/document-templates/authorization_letter"),
                                               frozenset({"admin"}), body="not a docx"),
    "PUT /api/document-templates/application_form/{item_code}": Rule(
        "PUT", own_other("/api/document-templates/application_form/xmba"), frozenset({"admin"}), body="not a docx"),
    "GET /api/bundles": Rule("GET", own_other("/api/bundles"), ALL),
    "POST /api/bundles": Rule("POST", own_other("/api/bundles"), frozenset({"clerk"}), body={}),
    "GET /api/bundles/{bundle_id}": Rule("GET", own_other("/api/bundles/{bundle}"), ALL,
                                         frozenset({"enterprise", "department", "clerk"})),
    "GET /api/bundles/{bundle_id}/archive": Rule("GET", own_other("/api/bundles/{bundle}/archive"), ALL,
                                                 frozenset({"enterprise", "department", "clerk"})),
    "POST /api/bundles/{bundle_id}/receive": Rule(
        # Our bundle goes to an online department: only its officers sign (a clerk does so for offline ones).
        "POST", own_other("/api/bundles/{bundle}/receive"), frozenset({"department"}),
        frozenset({"department", "clerk"}), body={"effective_on": "2999-01-01"}),
    "GET /api/escalations": Rule("GET", own_other("/api/escalations"), ALL),
    "POST /api/escalations/sweep": Rule("POST", own_other("/api/escalations/sweep"), frozenset({"admin"}),
                                        body={"as_of": "not a date"}),
    "POST /api/escalations/{escalation_id}/acknowledge": Rule(
        "POST", own_other("/api/escalations/{escalation}/acknowledge"), frozenset({"admin", "leader", "department"}),
        frozenset({"department"}), body={"note": 5}),
    "POST /api/escalations/{escalation_id}/resolve": Rule(
        "POST", own_other("/api/escalations/{escalation}/resolve"), frozenset({"admin", "leader", "clerk"}),
        frozenset({"clerk"}), body={"note": 5}),
    "GET /api/notifications": Rule("GET", own_other("/api/notifications"), ALL),
    "POST /api/notifications/read": Rule("POST", own_other("/api/notifications/read"), ALL, body={"ids": "x"}),
    "GET /api/outbox": Rule("GET", own_other("/api/outbox"), frozenset({"admin"})),
    "POST /api/outbox/{notification_id}/retry": Rule("POST", own_other("/api/outbox/{notification}/retry"),
                                                     frozenset({"admin"})),
    "GET /api/dashboard": Rule("GET", own_other("/api/dashboard"), frozenset({"admin", "leader"})),
    "GET /api/reports/departments": Rule("GET", own_other("/api/reports/departments"), STAFF),
    "POST /api/evaluations": Rule("POST", own_other("/api/evaluations"), frozenset({"enterprise"}), body={}),
    "GET /api/follow-ups": Rule("GET", own_other("/api/follow-ups"), STAFF),
    "POST /api/follow-ups/{follow_up_id}/close": Rule(
        "POST", own_other("/api/follow-ups/{follow_up}/close"), STAFF, frozenset({"clerk"}), body={"note": 5}),
    "GET /api/ratings/{token}": Rule("GET", own_other("/api/ratings/not-a-token"), ALL, public=True),
    "POST /api/ratings/{token}": Rule("POST", own_other("/api/ratings/not-a-token"), ALL, public=True, body={}),
}


async def _side(api: Api, route: str, enterprise_user: bool) -> tuple[Dossier, dict[str, Any]]:
    d = await open_dossier(api, route)
    await d.force_approved("xmba")
    item = "ydghxk" if route == "new_industrial" else "jnsc"
    approval = d.approval_id(item)
    await d.ok(approval, "prepare")
    files = await upload_required(d, approval)
    bundle = await api.client.post("/api/bundles", headers=d.clerk,
                                   json={"project_id": d.project["id"], "approval_ids": [approval]})
    assert bundle.status_code == 201, bundle.text
    prepared = d.approval_id("jnsc" if route == "new_industrial" else "hp")
    await d.ok(prepared, "prepare")
    ids = {"project": d.project["id"], "approval": approval, "prepared": prepared, "file": files[0]["id"],
           "material": files[0]["material_code"], "enterprise": d.enterprise_id, "bundle": bundle.json()["id"]}
    department = (await d.get(approval))["department_code"]
    async with api.sessions() as session:
        now = datetime.now(UTC)
        escalation = Escalation(approval_id=approval, project_id=d.project["id"], department_code=department,
                                rule="clock", level="red", as_of=date(2026, 11, 25), fired_at=now, status="open",
                                notified=True, targets=[])
        session.add(escalation)
        await session.flush()
        evaluation = Evaluation(approval_id=approval, project_id=d.project["id"], enterprise_id=d.enterprise_id,
                                department_code=department, score=1, channel="app", rated_on=date(2026, 11, 25))
        session.add(evaluation)
        await session.flush()
        follow_up = FollowUp(evaluation_id=evaluation.id, approval_id=approval, project_id=d.project["id"],
                             department_code=department)
        notification = Notification(dedupe_key=f"matrix:{approval}", channel="sms", recipient_address="13800000000",
                                    subject="x", body="x", object_type="approval", object_id=str(approval),
                                    status="dead", next_attempt_at=now, created_at=now)
        session.add_all([follow_up, notification])
        await session.commit()
        ids |= {"escalation": escalation.id, "follow_up": follow_up.id, "notification": notification.id}
    return d, ids


async def _world(api: Api) -> tuple[World, World]:
    a, own = await _side(api, "new_industrial", True)
    _, other = await _side(api, "tech_upgrade", False)
    user = await api.create_user("clerk")
    own["user"] = other["user"] = user.id
    headers = {
        "admin": api.admin_headers,
        "clerk": a.clerk,
        "leader": await api.user_headers("leader"),
        # 自然资源和规划局: A's dossier holds its items, B's (technical upgrade) none.
        "department": await a.officer("zrzy"),
        "enterprise": await api.user_headers("enterprise", enterprise_id=a.enterprise_id),
    }
    return World(own, headers), World(other, headers)


async def _call(api: Api, rule: Rule, ids: dict[str, Any], headers: dict[str, str] | None) -> int:
    url = rule.url(ids)
    if isinstance(rule.body, str):
        response = await api.client.request(rule.method, url, content=rule.body.encode(), headers=headers or {})
    elif rule.body is not None:
        response = await api.client.request(rule.method, url, json=rule.body, headers=headers or {})
    else:
        response = await api.client.request(rule.method, url, headers=headers or {})
    return response.status_code


def _operations(api: Api) -> set[str]:
    schema = api.client.app.openapi_schema.to_schema()
    return {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item
            if method in ("get", "post", "put", "delete", "patch")}


async def test_every_operation_is_in_the_table(api: Api) -> None:
    assert _operations(api) - set(TABLE) == set(), "operations missing from the access matrix"
    assert set(TABLE) - _operations(api) == set(), "operations in the matrix that the API no longer has"


async def test_no_role_reaches_what_it_may_not(api: Api) -> None:
    own, other = await _world(api)
    problems = []
    for key, rule in TABLE.items():
        if rule.public or key.endswith("/logout"):
            status = await _call(api, rule, own.ids, None)
            if status >= 500:
                problems.append(f"{key} without login: {status}")
            continue
        assert await _call(api, rule, own.ids, None) == 401, f"{key} without a token"
        for role in sorted(ALL):
            headers = own.headers[role]
            status = await _call(api, rule, own.ids, headers)
            if status >= 500:
                problems.append(f"{key} as {role}: {status}")
            elif role not in rule.allowed and status not in DENIED:
                problems.append(f"{key} as {role} (not allowed): {status}")
            elif role in rule.allowed and status in {401, 403} | ({404} if rule.method == "GET" else set()):
                problems.append(f"{key} as {role} (allowed, own object): {status}")
            if role in rule.scoped:
                leaked = await _call(api, rule, other.ids, headers)
                if leaked not in {403, 404} | ({400, 422} if rule.method != "GET" else set()):
                    problems.append(f"{key} as {role} on another's object: {leaked}")
    assert problems == [], "\n".join(problems)

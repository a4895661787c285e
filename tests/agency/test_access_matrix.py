"""Every operation of the OpenAPI document × every role × an object of one's own vs another's.

The table below says, per operation, which roles may use it and for which roles it is scoped (they
see only their own enterprise's or department's objects). The test fails on any leak — a success
where 403/404 is due, or another's object answering anything but 403/404 — and on any operation
of the document that is missing from the table. Writes are sent with an empty or invalid body, so
an allowed role gets a validation error (proof it passed the guard) and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from litestar.routes import HTTPRoute

from agency import timeutil
from agency.coordination.models import Meeting, MeetingProject, Problem
from agency.escalation.models import Escalation
from agency.evaluations.models import Evaluation, Rectification
from agency.jobs.models import Job
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
    # The user of both sides is a throwaway clerk: the administrator may end his sessions and start them again.
    "POST /api/users/{user_id}/deactivate": Rule("POST", own_other("/api/users/{user}/deactivate"),
                                                 frozenset({"admin"})),
    "POST /api/users/{user_id}/activate": Rule("POST", own_other("/api/users/{user}/activate"), frozenset({"admin"})),
    "POST /api/users/{user_id}/password": Rule("POST", own_other("/api/users/{user}/password"), frozenset({"admin"}),
                                               body={}),
    "PATCH /api/users/{user_id}": Rule("PATCH", own_other("/api/users/{user}"), frozenset({"admin"}), body={}),
    "GET /api/departments": Rule("GET", own_other("/api/departments"), ALL),
    "PUT /api/departments/{code}": Rule("PUT", own_other("/api/departments/zrzy"), frozenset({"admin"}), body={}),
    "GET /api/catalog/items": Rule("GET", own_other("/api/catalog/items"), ALL),
    "GET /api/catalog/routes": Rule("GET", own_other("/api/catalog/routes"), ALL),
    "POST /api/catalog/import": Rule("POST", own_other("/api/catalog/import"), frozenset({"admin"}), body="x: ["),
    "GET /api/catalog/export": Rule("GET", own_other("/api/catalog/export"), frozenset({"admin"})),
    "GET /api/calendar/{year}": Rule("GET", own_other("/api/calendar/2026"), ALL),
    "PUT /api/calendar/{day}": Rule("PUT", own_other("/api/calendar/2026-12-01"), frozenset({"admin"}), body={}),
    # A background job: its progress for the administrator (and whoever started it; these the system did).
    "GET /api/jobs/{job_id}": Rule("GET", own_other("/api/jobs/{job}"), frozenset({"admin"})),
    "GET /api/enterprises": Rule("GET", own_other("/api/enterprises"), ALL),
    "POST /api/enterprises": Rule("POST", own_other("/api/enterprises"), frozenset({"admin", "clerk"}), body={}),
    "GET /api/enterprises/{enterprise_id}": Rule("GET", own_other("/api/enterprises/{enterprise}"), ALL,
                                                 frozenset({"enterprise", "department"})),
    "PATCH /api/enterprises/{enterprise_id}": Rule("PATCH", own_other("/api/enterprises/{enterprise}"),
                                                   frozenset({"admin", "clerk"}), body={"name": "x"}),
    "GET /api/projects": Rule("GET", own_other("/api/projects"), ALL),
    "PATCH /api/projects/{project_id}": Rule("PATCH", own_other("/api/projects/{project}"), frozenset({"clerk"}),
                                             body={"name": "x"}),
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
    "POST /api/projects/{project_id}/mandate": Rule(
        "POST", own_other("/api/projects/{project}/mandate"), frozenset({"clerk"}), body={}),
    # Coordination: the problem ledger (clerks and leaders log, the department answers) and meetings (leaders).
    "POST /api/projects/{project_id}/problems": Rule("POST", own_other("/api/projects/{project}/problems"),
                                                     frozenset({"admin", "clerk", "leader"}), body={}),
    "GET /api/problems": Rule("GET", own_other("/api/problems"), ALL),
    "POST /api/problems/{problem_id}/actions": Rule(
        "POST", own_other("/api/problems/{problem}/actions"), frozenset({"admin", "clerk", "leader", "department"}),
        frozenset({"department"}), body={}),
    "POST /api/meetings": Rule("POST", own_other("/api/meetings"), frozenset({"admin", "leader"}), body={}),
    "GET /api/meetings": Rule("GET", own_other("/api/meetings?project_id={project}"),
                              frozenset({"admin", "clerk", "leader", "department"})),
    "GET /api/meetings/{meeting_id}": Rule("GET", own_other("/api/meetings/{meeting}"),
                                           frozenset({"admin", "clerk", "leader", "department"}),
                                           frozenset({"department"})),
    "POST /api/meetings/{meeting_id}/minutes": Rule("POST", own_other("/api/meetings/{meeting}/minutes"),
                                                    frozenset({"admin", "leader"}), body={}),
    # Our meeting is only called (no minutes yet): the department may acknowledge, and is told it is too early.
    "POST /api/meetings/{meeting_id}/acknowledge": Rule(
        "POST", own_other("/api/meetings/{meeting}/acknowledge"), frozenset({"department"}),
        frozenset({"department"})),
    # Our 联合验收 has 自然资源和规划局 among its participants; theirs (technical upgrade) has none.
    "GET /api/approvals/{approval_id}/opinions": Rule("GET", own_other("/api/approvals/{joint}/opinions"), ALL,
                                                      frozenset({"enterprise", "department"})),
    "POST /api/approvals/{approval_id}/opinions": Rule("POST", own_other("/api/approvals/{joint}/opinions"),
                                                       frozenset({"department"}), body={}),
    "GET /api/reports/government-time": Rule("GET", own_other("/api/reports/government-time"),
                                             frozenset({"admin", "leader"})),
    "GET /api/commitment-checks": Rule("GET", own_other("/api/commitment-checks"), ALL),
    # An integration key may push records too; it reaches nothing else (tests/agency/sync/test_sync_api.py).
    "GET /api/projects/{project_id}/export": Rule("GET", own_other("/api/projects/{project}/export"), STAFF),
    "POST /api/sync/records": Rule("POST", own_other("/api/sync/records"), frozenset({"admin"}), body={}),
    "GET /api/sync/queue": Rule("GET", own_other("/api/sync/queue"), frozenset({"admin", "clerk"})),
    "POST /api/sync/queue/{record_id}/match": Rule(
        "POST", own_other("/api/sync/queue/999999/match"), frozenset({"admin", "clerk"}), body={}),
    "POST /api/sync/queue/{record_id}/apply": Rule(
        "POST", own_other("/api/sync/queue/999999/apply"), frozenset({"admin", "clerk"})),
    "POST /api/sync/queue/{record_id}/discard": Rule(
        "POST", own_other("/api/sync/queue/999999/discard"), frozenset({"admin", "clerk"}), body={}),
    "GET /api/integration-keys": Rule("GET", own_other("/api/integration-keys"), frozenset({"admin"})),
    "POST /api/integration-keys": Rule("POST", own_other("/api/integration-keys"), frozenset({"admin"}), body={}),
    "POST /api/integration-keys/{key_id}/revoke": Rule(
        "POST", own_other("/api/integration-keys/999999/revoke"), frozenset({"admin"})),
    "POST /api/commitment-checks/{check_id}": Rule(
        "POST", own_other("/api/commitment-checks/999999"), frozenset({"admin", "clerk", "department"}), body={}),
    "GET /api/obligations": Rule("GET", own_other("/api/obligations"), ALL),
    "GET /api/rectifications": Rule("GET", own_other("/api/rectifications"), ALL),
    "GET /api/reports/rankings": Rule("GET", own_other("/api/reports/rankings?month=2026-01"),
                                      frozenset({"admin", "leader"})),
    "POST /api/evaluations/{evaluation_id}/appeal": Rule(
        "POST", own_other("/api/evaluations/999999/appeal"), frozenset({"department", "clerk"}), body={}),
    "POST /api/evaluations/{evaluation_id}/appeal/decision": Rule(
        "POST", own_other("/api/evaluations/999999/appeal/decision"), frozenset({"leader"}), body={}),
    "POST /api/rectifications/{rectification_id}/reply": Rule(
        "POST", own_other("/api/rectifications/999999/reply"), frozenset({"admin", "department", "leader"}),
        body={}),
    "POST /api/rectifications/{rectification_id}/verdict": Rule(
        "POST", own_other("/api/rectifications/999999/verdict"), frozenset({"enterprise"}), body={}),
    "POST /api/obligations/{obligation_id}/extend": Rule(
        "POST", own_other("/api/obligations/999999/extend"), frozenset({"admin", "clerk", "department"}), body={}),
    "POST /api/obligations/{obligation_id}/meet": Rule(
        "POST", own_other("/api/obligations/999999/meet"), frozenset({"admin", "clerk", "department"}), body={}),
    "GET /api/approvals/{approval_id}/fees": Rule("GET", own_other("/api/approvals/{approval}/fees"), ALL,
                                                  frozenset({"enterprise", "department"})),
    "POST /api/approvals/{approval_id}/fees": Rule(
        "POST", own_other("/api/approvals/{approval}/fees"), frozenset({"clerk", "department"}),
        frozenset({"department"}), body={}),
    "POST /api/fees/{fee_id}/payment": Rule(
        "POST", own_other("/api/fees/999999/payment"), frozenset({"clerk", "department"}), body={}),
    "POST /api/fees/{fee_id}/refund": Rule(
        "POST", own_other("/api/fees/999999/refund"), frozenset({"clerk", "department"}), body={}),
    # A JSON body is not a statement: the clerk gets 415 (past the guard), everyone else 403.
    "POST /api/fees/reconcile": Rule("POST", own_other("/api/fees/reconcile"), frozenset({"clerk"}), body={}),
    "GET /api/fees/reconcile/lines": Rule("GET", own_other("/api/fees/reconcile/lines"), STAFF),
    "POST /api/fees/reconcile/lines/{line_id}/settle": Rule(
        "POST", own_other("/api/fees/reconcile/lines/999999/settle"), frozenset({"clerk"}), body={}),
    "POST /api/projects/{project_id}/handover": Rule(
        "POST", own_other("/api/projects/{project}/handover"), frozenset({"clerk"}), body={}),
    "GET /api/projects/{project_id}/handovers": Rule("GET", own_other("/api/projects/{project}/handovers"), ALL,
                                                     frozenset({"enterprise", "department"})),
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
        "POST", own_other("/api/approvals/{approval}/materials/{material}/files"),
        frozenset({"admin", "clerk", "enterprise"}), frozenset({"enterprise"}), body={}),
    "POST /api/files/{file_id}/withdraw": Rule("POST", own_other("/api/files/{file}/withdraw"),
                                               frozenset({"admin", "clerk"}), frozenset({"department"}), body={}),
    # The clerk reviews an enterprise's upload (the file here is the clerk's own: 409, not a pending one).
    "POST /api/files/{file_id}/review": Rule("POST", own_other("/api/files/{file}/review"),
                                             frozenset({"admin", "clerk"}), frozenset({"department"}),
                                             body={"accept": True}),
    "POST /api/approvals/{approval_id}/materials/{material_code}/state": Rule(
        "POST", own_other("/api/approvals/{approval}/materials/{material}/state"),
        frozenset({"admin", "clerk", "department"}), frozenset({"department"}), body={}),
    "GET /api/violations": Rule("GET", own_other("/api/violations"), frozenset({"admin", "clerk", "leader",
                                                                              "department"})),
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
    # Our approval is submitted, not being decided: the department's upload is refused by state (409), after
    # visibility (404 for the other side's) and role (403).
    "POST /api/approvals/{approval_id}/decision-files": Rule(
        "POST", own_other("/api/approvals/{approval}/decision-files"), frozenset({"admin", "department"}),
        frozenset({"department"})),
    "GET /api/projects/{project_id}/bundle-candidates": Rule(
        "GET", own_other("/api/projects/{project}/bundle-candidates"), STAFF),
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
    "GET /api/sites": Rule("GET", own_other("/api/sites"), ALL),
    "PUT /api/sites/{code}": Rule("PUT", own_other("/api/sites/township_a"), frozenset({"admin"}), body={}),
    "GET /api/reports/fees": Rule("GET", own_other("/api/reports/fees?from=2026-01-01&to=2026-12-31"),
                                  STAFF | {"department"}),
    "POST /api/evaluations": Rule("POST", own_other("/api/evaluations"), frozenset({"enterprise"}), body={}),
    "GET /api/follow-ups": Rule("GET", own_other("/api/follow-ups"), STAFF),
    "POST /api/follow-ups/{follow_up_id}/close": Rule(
        "POST", own_other("/api/follow-ups/{follow_up}/close"), STAFF, frozenset({"clerk"}), body={"note": 5}),
    "GET /api/ratings/{token}": Rule("GET", own_other("/api/ratings/not-a-token"), ALL, public=True),
    "POST /api/ratings/{token}": Rule("POST", own_other("/api/ratings/not-a-token"), ALL, public=True, body={}),
    # Verification (issue 27): no login; the code is all one needs. Revoking is the administrator's.
    "GET /api/verify/{code}": Rule("GET", own_other("/api/verify/ABCDE-FGHJK-MNPQR-STUVW"), ALL, public=True),
    "POST /api/verify/{code}": Rule("POST", own_other("/api/verify/ABCDE-FGHJK-MNPQR-STUVW"), ALL, public=True,
                                    body={}),
    "POST /api/documents/{document_id}/revoke": Rule("POST", own_other("/api/documents/1/revoke"),
                                                     frozenset({"admin"}), body={}),
    # A paper as its sealed PDF: the file's access rule (an 授权委托书 is no department's paper).
    "GET /api/documents/{document_id}/pdf": Rule("GET", own_other("/api/documents/{paper}/pdf"), ALL - {"department"},
                                                 frozenset({"enterprise"})),
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
    paper = await api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                  json={"template": "authorization_letter"})
    assert paper.status_code == 201, paper.text
    prepared = d.approval_id("jnsc" if route == "new_industrial" else "hp")
    await d.ok(prepared, "prepare")
    ids = {"project": d.project["id"], "approval": approval, "prepared": prepared, "file": files[0]["id"],
           "material": files[0]["material_code"], "enterprise": d.enterprise_id, "bundle": bundle.json()["id"],
           "paper": paper.json()["id"], "joint": d.approval_id("lhys")}
    department = (await d.get(approval))["department_code"]
    async with api.sessions() as session:
        now = timeutil.now()
        escalation = Escalation(subject_id=approval, approval_id=approval, project_id=d.project["id"],
                                department_code=department,
                                rule="clock", level="red", as_of=date(2026, 11, 25), fired_at=now, status="open",
                                notified=True, targets=[])
        session.add(escalation)
        await session.flush()
        evaluation = Evaluation(approval_id=approval, project_id=d.project["id"], enterprise_id=d.enterprise_id,
                                target_key=f"approval:{approval}", department_code=department, score=1,
                                channel="app", rated_on=date(2026, 11, 25))
        session.add(evaluation)
        await session.flush()
        follow_up = Rectification(evaluation_id=evaluation.id, approval_id=approval, project_id=d.project["id"],
                                  enterprise_id=d.enterprise_id, department_code=department,
                                  opened_on=date(2026, 11, 25), due_on=date(2026, 12, 2))
        notification = Notification(dedupe_key=f"matrix:{approval}", channel="sms", recipient_address="13800000000",
                                    subject="x", body="x", object_type="approval", object_id=str(approval),
                                    status="dead", next_attempt_at=now, created_at=now)
        job = Job(kind="clocks.recompute", payload={}, status="done", attempts=1, run_after=now, created_at=now,
                  created_by="system", done=0)
        session.add_all([follow_up, notification, job])
        await session.commit()
        problem = Problem(project_id=d.project["id"], title="用地未征收", category="land",
                          department_code=department, opened_on=date(2026, 11, 25), due_on=date(2026, 12, 25),
                          created_at=now, approval_ids=[], notes=[])
        meeting = Meeting(title="协调会", planned_on=date(2026, 11, 30), created_at=now, agenda=[], attendees=[],
                          decisions=[], acknowledgements={})
        session.add_all([problem, meeting])
        await session.flush()
        session.add(MeetingProject(meeting_id=meeting.id, project_id=d.project["id"]))
        await session.commit()
        ids |= {"escalation": escalation.id, "follow_up": follow_up.id, "notification": notification.id,
                "job": job.id, "problem": problem.id, "meeting": meeting.id}
    return d, ids


async def world(api: Api) -> tuple[World, World]:
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


def routes_of(app: Any) -> set[str]:
    """Every route of the app as ``METHOD /path/{param}``: the API, the pages and their forms, the files it serves."""
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
            found |= {f"{method} {path}" for method in route.methods if method not in ("OPTIONS", "HEAD")}
    return found


async def test_every_route_of_the_app_is_in_a_table(api: Api) -> None:
    """A new page, form or operation without its row here — its roles, its scoping — fails this test."""
    from tests.agency.test_access_matrix_pages import PAGES

    routes = routes_of(api.client.app)
    assert routes - set(TABLE) - set(PAGES) == set(), "routes missing from the access matrices"
    assert (set(TABLE) | set(PAGES)) - routes == set(), "routes in the matrices that the app no longer has"
    assert set(TABLE) & set(PAGES) == set()


async def test_no_role_reaches_what_it_may_not(api: Api) -> None:
    own, other = await world(api)
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

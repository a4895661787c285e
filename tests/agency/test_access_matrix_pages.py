"""The access matrix of the pages: every page and form of the app × five roles × an object of one's own vs
another enterprise's or department's, like ``test_access_matrix.py`` for the API.

Per route the table says which roles may use it and for which the other side's object must be refused. The
test fails on a leak — a page or form served where a refusal (403, 404, or a redirect elsewhere) is due —,
on a page that answers anything but the login redirect without a session, on a form that takes a post
without its CSRF token, and (``test_access_matrix.test_every_route_of_the_app_is_in_a_table``) on any route of
the app that is in neither table. Forms are posted with values the service refuses, so nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.agency.test_access_matrix import ALL, STAFF, World, world
from tests.support import Api
from tests.web.browsers import Browser

OFFICE = frozenset({"admin", "clerk"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Page:
    method: str
    url: Callable[[dict[str, Any]], str]
    allowed: frozenset[str]
    scoped: frozenset[str] = frozenset()  # roles that must be refused the other side's object
    form: dict[str, Any] = field(default_factory=dict)
    public: bool = False  # no login needed: checked once, without a session
    files: bool = False  # a multipart form


def at(template: str) -> Callable[[dict[str, Any]], str]:
    return lambda ids: template.format(**ids)


def get(path: str, allowed: frozenset[str], scoped: frozenset[str] = frozenset()) -> Page:
    return Page("GET", at(path), allowed, scoped)


def post(path: str, allowed: frozenset[str], scoped: frozenset[str] = frozenset(), **form: Any) -> Page:
    return Page("POST", at(path), allowed, scoped, form)


PAGES: dict[str, Page] = {
    "GET /": Page("GET", at("/"), ALL, public=True),
    "GET /login": Page("GET", at("/login"), ALL, public=True),
    "POST /login": Page("POST", at("/login"), ALL, public=True, form={"username": "", "password": ""}),
    "POST /logout": Page("POST", at("/logout"), ALL, public=True),
    "GET /rate/{token}": Page("GET", at("/rate/not-a-token"), ALL, public=True),
    "POST /rate/{token}": Page("POST", at("/rate/not-a-token"), ALL, public=True, form={"score": "9"}),
    "GET /verify/{code}": Page("GET", at("/verify/ABCDE-FGHJK-MNPQR-STUVW"), ALL, public=True),
    "POST /verify/{code}": Page("POST", at("/verify/ABCDE-FGHJK-MNPQR-STUVW"), ALL, public=True, form={}),
    "GET /static/{file_path}": Page("GET", at("/static/app.css"), ALL, public=True),
    "GET /schema": Page("GET", at("/schema"), ALL, public=True),
    "GET /schema/{path}": Page("GET", at("/schema/nothing"), ALL, public=True),
    "GET /schema/openapi.json": Page("GET", at("/schema/openapi.json"), ALL, public=True),
    "GET /schema/oauth2-redirect.html": Page("GET", at("/schema/oauth2-redirect.html"), ALL, public=True),
    "GET /app/password": get("/app/password", ALL),
    "POST /app/password": post("/app/password", ALL, current_password="x", new_password="a", confirm="b"),
    "GET /app": get("/app", frozenset({"admin", "clerk", "leader", "department"})),
    # No page there for anyone: 404 with or without a session (it shows nothing to need one for).
    "GET /app/{rest}": Page("GET", at("/app/no/such/page"), frozenset(), public=True),
    "GET /app/enterprises/new": get("/app/enterprises/new", OFFICE),
    "GET /app/enterprises": get("/app/enterprises", STAFF | {"department"}),
    "GET /app/enterprises/{enterprise_id}": get("/app/enterprises/{enterprise}", STAFF | {"department"},
                                                frozenset({"department"})),
    "POST /app/enterprises/{enterprise_id}": post("/app/enterprises/{enterprise}", OFFICE, frozenset(), name="x"),
    "GET /app/projects.xlsx": get("/app/projects.xlsx", STAFF | {"department"}),
    "GET /app/worklist.xlsx": get("/app/worklist.xlsx", STAFF | {"department"}),
    "POST /app/projects/{project_id}/details": post("/app/projects/{project}/details", frozenset({"clerk"}),
                                                    name="x"),
    "POST /app/projects/{project_id}/plan": post("/app/projects/{project}/plan", frozenset({"clerk"}),
                                                 item_code="no_such_item"),
    "POST /app/projects/{project_id}/plan/{approval_id}/remove": post(
        "/app/projects/{project}/plan/{prepared}/remove", frozenset({"clerk"}), reason=""),
    "POST /app/projects/{project_id}/milestones/{code}": post(
        "/app/projects/{project}/milestones/construction_complete", frozenset({"clerk"}), done_on="2999-01-01"),
    "POST /app/enterprises/new": post("/app/enterprises/new", OFFICE, credit_code="x"),
    "GET /app/projects/new": get("/app/projects/new", frozenset({"clerk"})),
    "POST /app/projects/new": post("/app/projects/new", frozenset({"clerk"}), name="x"),
    "GET /app/projects/{project_id}": get("/app/projects/{project}", STAFF | {"department"}, frozenset({"department"})),
    "POST /app/projects/{project_id}/documents": post(
        "/app/projects/{project}/documents", STAFF, frozenset({"department"}), template="no_such_paper"),
    "POST /app/projects/{project_id}/bundles": post("/app/projects/{project}/bundles", frozenset({"clerk"})),
    "POST /app/projects/{project_id}/green-channel": post("/app/projects/{project}/green-channel",
                                                          frozenset({"clerk"}), reason=""),
    "POST /app/projects/{project_id}/green-channel/decide": post(
        "/app/projects/{project}/green-channel/decide", frozenset({"leader"}), decision="maybe"),
    "POST /app/projects/{project_id}/investment-code": post("/app/projects/{project}/investment-code",
                                                            frozenset({"clerk"}), investment_code="bad"),
    # An address typed by hand: sent on to the list on the workbench, which asks for a session itself (it shows
    # nothing, so it needs none).
    "GET /app/projects": Page("GET", at("/app/projects"), ALL, public=True),
    # The hand-over form (an empty note: sent back to the page with the form's message; the other site's: 404).
    "POST /app/projects/{project_id}/handover": post("/app/projects/{project}/handover", frozenset({"clerk"}),
                                                     note=""),
    "POST /app/projects/{project_id}/mandate": post("/app/projects/{project}/mandate", frozenset({"clerk"}),
                                                    action="nowhere"),
    # Coordination: the project's problem ledger and meetings; the open problems (a department's own).
    # The enterprise sees its own project's problems and their state here too.
    "GET /app/projects/{project_id}/coordination": get("/app/projects/{project}/coordination", ALL,
                                                       frozenset({"department", "enterprise"})),
    "POST /app/projects/{project_id}/problems": post("/app/projects/{project}/problems", STAFF,
                                                     category="nowhere"),
    "GET /app/problems": get("/app/problems", STAFF | {"department"}),
    "POST /app/problems/{problem_id}/actions": post("/app/problems/{problem}/actions", STAFF | {"department"},
                                                    frozenset({"department"}), action="nowhere"),
    # The leader's 督办通知单 on a problem (the world's problem has no card: refused with 409, nothing issued).
    "POST /app/problems/{problem_id}/supervision-notice": post("/app/problems/{problem}/supervision-notice",
                                                               frozenset({"admin", "leader"})),
    "POST /app/meetings": post("/app/meetings", frozenset({"admin", "leader"}), planned_on="x"),
    "POST /app/meetings/{meeting_id}/minutes": post("/app/meetings/{meeting}/minutes", frozenset({"admin", "leader"}),
                                                    held_on="x"),
    "POST /app/meetings/{meeting_id}/acknowledge": post("/app/meetings/{meeting}/acknowledge",
                                                        frozenset({"department"}), frozenset({"department"})),
    "POST /app/projects/{project_id}/obligations/{obligation_id}/meet": post(
        "/app/projects/{project}/obligations/999999/meet", OFFICE | {"department"}, met_on="nowhen"),
    "POST /app/projects/{project_id}/obligations/{obligation_id}/extend": post(
        "/app/projects/{project}/obligations/999999/extend", OFFICE | {"department"}, until="nowhen"),
    "GET /app/violations": get("/app/violations", STAFF | {"department"}),
    "GET /app/commitment-checks": get("/app/commitment-checks", STAFF | {"department"}),
    "POST /app/commitment-checks/{check_id}": post("/app/commitment-checks/999999", OFFICE | {"department"},
                                                   result="nowhere"),
    "POST /app/files/{file_id}/withdraw": post("/app/files/{file}/withdraw", OFFICE, reason=""),
    "POST /app/files/{file_id}/review": post("/app/files/{file}/review", OFFICE, accept="0", reason=""),
    "POST /app/approvals/{approval_id}/materials/{material_code}/state": post(
        "/app/approvals/{approval}/materials/{material}/state", OFFICE | {"department"}, frozenset({"department"}),
        state="nowhere"),
    "GET /app/files/{file_id}": get("/app/files/{file}", ALL, frozenset({"enterprise", "department"})),
    "GET /app/approvals/{approval_id}": get("/app/approvals/{approval}", STAFF | {"department"},
                                            frozenset({"department", "enterprise"})),
    "GET /app/admin/sites": get("/app/admin/sites", ADMIN),
    "GET /app/fees/reconcile": get("/app/fees/reconcile", frozenset({"admin", "clerk", "leader"})),
    "POST /app/fees/reconcile": post("/app/fees/reconcile", frozenset({"clerk"})),
    "POST /app/fees/reconcile/lines/{line_id}/settle": post(
        "/app/fees/reconcile/lines/999999/settle", frozenset({"clerk"}), fee_id=""),
    "POST /app/admin/sites": post("/app/admin/sites", ADMIN, code="", name=""),
    "POST /app/approvals/{approval_id}/fees": post(
        "/app/approvals/{approval}/fees", frozenset({"clerk", "department"}), frozenset({"department"}),
        fee_code="no_such_fee"),
    "POST /app/approvals/{approval_id}/fees/{fee_id}/payment": post(
        "/app/approvals/{approval}/fees/999999/payment", frozenset({"clerk", "department"}), paid_on="nowhen"),
    "POST /app/approvals/{approval_id}/fees/{fee_id}/refund": post(
        "/app/approvals/{approval}/fees/999999/refund", frozenset({"clerk", "department"}), reason=""),
    "POST /app/approvals/{approval_id}/actions": post(
        "/app/approvals/{approval}/actions", STAFF | {"department"}, frozenset({"department", "enterprise"}),
        action="no_such_action", version="1"),
    "POST /app/approvals/{approval_id}/materials/{material_code}/files": Page(
        "POST", at("/app/approvals/{approval}/materials/{material}/files"), OFFICE | {"enterprise"},
        frozenset({"department", "enterprise"}), form={"note": ""}, files=True),
    # Asking for a supplement is the department's act (the administrator's too; the clerk's only for an
    # offline department, and our approval's is online).
    "POST /app/approvals/{approval_id}/supplement/preview": post(
        "/app/approvals/{approval}/supplement/preview", frozenset({"admin", "department"}),
        frozenset({"department", "enterprise"}), version="1"),
    "POST /app/approvals/{approval_id}/supplement/preview-file": post(
        "/app/approvals/{approval}/supplement/preview-file", frozenset({"admin", "department"}),
        frozenset({"department", "enterprise"}), version="1"),
    "POST /app/approvals/{approval_id}/supplement/edit": post(
        "/app/approvals/{approval}/supplement/edit", STAFF | {"department"}, frozenset({"department", "enterprise"})),
    "GET /app/portal": get("/app/portal", frozenset({"enterprise"})),
    "GET /app/portal/projects/{project_id}": get("/app/portal/projects/{project}", frozenset({"enterprise"}),
                                                 frozenset({"enterprise"})),
    # A paper as PDF (a DOCX converted): the file's access rule; an 授权委托书 is no department's paper.
    "POST /app/reports/rankings/bulletin/{document_id}/revoke": post(
        "/app/reports/rankings/bulletin/999999/revoke", ADMIN, reason=""),
    # Revoking a paper is the administrator's (an empty reason: refused with a message, nothing revoked).
    "POST /app/projects/{project_id}/documents/{document_id}/revoke": post(
        "/app/projects/{project}/documents/{paper}/revoke", ADMIN, reason=""),
    "GET /app/documents/{document_id}/pdf": get("/app/documents/{paper}/pdf", ALL - {"department"},
                                                frozenset({"enterprise"})),
    "POST /app/portal/approvals/{approval_id}/rating": post(
        "/app/portal/approvals/{approval}/rating", frozenset({"enterprise"}), frozenset({"enterprise"}), score="0"),
    "POST /app/portal/projects/{project_id}/ratings": post(
        "/app/portal/projects/{project}/ratings", frozenset({"enterprise"}), frozenset({"enterprise"}), score="0"),
    "GET /app/inbox": get("/app/inbox", frozenset({"department"})),
    # The clerk records an offline department's receipt (with its date; none is posted here).
    "POST /app/bundles/{bundle_id}/receive": post("/app/bundles/{bundle}/receive", frozenset({"department", "clerk"}),
                                                  frozenset({"department", "clerk"})),
    "GET /app/bundles/{bundle_id}/archive": get("/app/bundles/{bundle}/archive", ALL,
                                                frozenset({"enterprise", "department", "clerk"})),
    "POST /app/escalations/{escalation_id}/acknowledge": post(
        "/app/escalations/{escalation}/acknowledge", frozenset({"admin", "leader", "department"}),
        frozenset({"department"}), note="已阅"),
    "POST /app/escalations/{escalation_id}/resolve": post(
        "/app/escalations/{escalation}/resolve", frozenset({"admin", "leader"}), note=""),
    "GET /app/dashboard": get("/app/dashboard", frozenset({"admin", "leader"})),
    "POST /app/follow-ups/{follow_up_id}/close": post("/app/follow-ups/{follow_up}/close", frozenset({"leader"}),
                                                      note=""),
    "GET /app/reports": get("/app/reports", STAFF),
    "GET /app/reports.xlsx": get("/app/reports.xlsx", STAFF),
    "POST /app/approvals/{approval_id}/opinions": post("/app/approvals/{joint}/opinions", frozenset({"department"}),
                                                       frozenset({"department"}), verdict="x"),
    # 好差评 pages: each role lists what it may see; a form on an object that does not exist is refused to every
    # role (403 by role first, else 404), so these rows check the role guards without a rectification at hand.
    "GET /app/rectifications": get("/app/rectifications", ALL),
    "POST /app/rectifications/{rectification_id}/reply": post("/app/rectifications/999999/reply", frozenset(),
                                                              reply="已整改"),
    "POST /app/rectifications/{rectification_id}/verdict": post("/app/rectifications/999999/verdict", frozenset(),
                                                                satisfied="1"),
    "POST /app/evaluations/{evaluation_id}/appeal": post("/app/evaluations/999999/appeal", frozenset(), reason="x"),
    "GET /app/appeals": get("/app/appeals", frozenset({"admin", "leader", "department", "clerk"})),
    "POST /app/evaluations/{evaluation_id}/appeal/decision": post("/app/evaluations/999999/appeal/decision",
                                                                  frozenset(), uphold="1"),
    "GET /app/reports/rankings": get("/app/reports/rankings", frozenset({"admin", "leader"})),
    "GET /app/reports/rankings.xlsx": get("/app/reports/rankings.xlsx", frozenset({"admin", "leader"})),
    "GET /app/reports/rankings/bulletin": get("/app/reports/rankings/bulletin", frozenset({"admin", "leader"})),
    "GET /app/reports/rankings/bulletin.docx": get("/app/reports/rankings/bulletin.docx",
                                                   frozenset({"admin", "leader"})),
    "GET /app/reports/rankings/bulletin.pdf": get("/app/reports/rankings/bulletin.pdf?month=bad",
                                                  frozenset({"admin", "leader"})),
    "GET /app/reports/government-time": get("/app/reports/government-time", frozenset({"admin", "leader"})),
    "GET /app/reports/government-time.xlsx": get("/app/reports/government-time.xlsx",
                                                 frozenset({"admin", "leader"})),
    "GET /app/admin/users": get("/app/admin/users", ADMIN),
    "POST /app/admin/users": post("/app/admin/users", ADMIN, username=""),
    "POST /app/admin/users/{user_id}/lock": post("/app/admin/users/{user}/lock", ADMIN, locked="0"),
    "POST /app/admin/users/{user_id}/deactivate": post("/app/admin/users/{user}/deactivate", ADMIN),
    "POST /app/admin/users/{user_id}/activate": post("/app/admin/users/{user}/activate", ADMIN),
    "POST /app/admin/users/{user_id}/password": post("/app/admin/users/{user}/password", ADMIN, password="weak"),
    "GET /app/admin/users/{user_id}": get("/app/admin/users/{user}", ADMIN),
    "POST /app/admin/users/{user_id}": post("/app/admin/users/{user}", ADMIN, role=""),
    "GET /app/admin/departments": get("/app/admin/departments", ADMIN),
    "GET /app/sync": get("/app/sync", OFFICE),
    "POST /app/sync/{record_id}/apply": post("/app/sync/999999/apply", OFFICE),
    "POST /app/sync/{record_id}/match": post("/app/sync/999999/match", OFFICE, approval_id="x"),
    "POST /app/sync/{record_id}/discard": post("/app/sync/999999/discard", OFFICE, reason=""),
    "POST /app/admin/integration-keys": post("/app/admin/integration-keys", ADMIN, name=""),
    "POST /app/admin/integration-keys/{key_id}/revoke": post("/app/admin/integration-keys/999999/revoke", ADMIN),
    "POST /app/admin/departments/{code}": post("/app/admin/departments/zrzy", ADMIN, name="", mode="nowhere"),
    "GET /app/admin/catalog": get("/app/admin/catalog", ADMIN),
    "GET /app/admin/catalog/items/{code}": get("/app/admin/catalog/items/sgxk", ADMIN),
    "GET /app/admin/catalog/routes/{code}": get("/app/admin/catalog/routes/new_industrial", ADMIN),
    "GET /app/admin/catalog/download": get("/app/admin/catalog/download", ADMIN),
    "GET /app/admin/catalog/import": get("/app/admin/catalog/import", ADMIN),
    "POST /app/admin/catalog": Page("POST", at("/app/admin/catalog"), ADMIN, form={"text": "x: ["}, files=True),
    "GET /app/admin/calendar": get("/app/admin/calendar", ADMIN),
    "POST /app/admin/calendar": post("/app/admin/calendar", ADMIN, day="not a day"),
    "GET /app/admin/templates": get("/app/admin/templates", ADMIN),
    "GET /app/admin/ranking-criteria": get("/app/admin/ranking-criteria", ADMIN),
    "POST /app/admin/ranking-criteria": post("/app/admin/ranking-criteria", ADMIN, penalty="not a number"),
    "POST /app/admin/templates": Page("POST", at("/app/admin/templates"), ADMIN, form={"code": "none"}, files=True),
    "GET /app/admin/templates/{code}/versions/{version}": get(
        "/app/admin/templates/authorization_letter/versions/0", ADMIN),
    "GET /app/admin/templates/application_form/{item_code}/versions/{version}": get(
        "/app/admin/templates/application_form/xmba/versions/0", ADMIN),
}


def _refused(response: httpx.Response, url: str) -> bool:
    """A refusal: 403, 404, or sent to another page (an enterprise to its portal, staff away from it)."""
    if response.status_code in (403, 404):
        return True
    location = response.headers.get("location", "").split("?")[0].split("#")[0]
    return response.status_code == 303 and not location.startswith("/login") and location != url.split("?")[0]


def _served(response: httpx.Response) -> bool:
    location = response.headers.get("location", "")
    return response.status_code < 500 and response.status_code not in (401, 403, 404) \
        and not location.startswith("/login")


async def _refused_for_good(browser: Browser, response: httpx.Response, url: str) -> bool:
    """Refused, and where a redirect sends the user on (the enterprise to the portal's page of the same
    project) that page refuses him too."""
    if not _refused(response, url):
        return False
    if response.status_code == 303 and "/portal/projects/" in response.headers["location"]:
        return (await browser.http.get(response.headers["location"])).status_code == 404
    return True


async def _send(browser: Browser, page: Page, ids: dict[str, Any], token: str | None) -> httpx.Response:
    url = page.url(ids)
    if page.method == "GET":
        return await browser.http.get(url)
    fields = {**({"_csrf_token": token} if token is not None else {}), **page.form}
    if page.files:  # the token first, as the page's own forms send it
        parts = {name: (None, str(value)) for name, value in fields.items()}
        return await browser.http.post(url, files=parts)
    return await browser.http.post(url, data=fields)


async def _browsers(api: Api, own: World) -> dict[str, Browser]:
    browsers = {}
    for role, headers in own.headers.items():
        username = (await api.client.get("/api/me", headers=headers)).json()["username"]
        browsers[role] = Browser(api.client)
        await browsers[role].login(username)
    return browsers


async def test_no_role_reaches_a_page_or_form_it_may_not(api: Api) -> None:
    own, other = await world(api)
    browsers = await _browsers(api, own)
    problems: list[str] = []
    async with Browser(api.client) as stranger:
        anonymous_token = await stranger.token("/login")
        for key, page in PAGES.items():
            response = await _send(stranger, page, own.ids, anonymous_token)
            if page.public:
                if response.status_code >= 500:
                    problems.append(f"{key} without login: {response.status_code}")
            elif not (response.status_code == 303 and response.headers["location"].startswith("/login")):
                problems.append(f"{key} without login: {response.status_code} {response.headers.get('location')}")
    for role in sorted(ALL):
        browser = browsers[role]
        token = await browser.token("/app/password")
        for key, page in PAGES.items():
            if page.public:
                continue
            url = page.url(own.ids)
            if page.method == "POST":
                forged = await _send(browser, page, own.ids, None)
                if forged.status_code != 403:
                    problems.append(f"{key} as {role} without the CSRF token: {forged.status_code}")
            response = await _send(browser, page, own.ids, token)
            if response.status_code >= 500:
                problems.append(f"{key} as {role}: {response.status_code}")
            elif role in page.allowed and not _served(response):
                problems.append(f"{key} as {role} (allowed, own object): {response.status_code} "
                                f"{response.headers.get('location', '')}")
            elif role not in page.allowed and not _refused(response, url):
                problems.append(f"{key} as {role} (not allowed): {response.status_code} "
                                f"{response.headers.get('location', '')}")
            if role in page.scoped:
                leaked = await _send(browser, page, other.ids, token)
                if not await _refused_for_good(browser, leaked, page.url(other.ids)):
                    problems.append(f"{key} as {role} on another's object: {leaked.status_code} "
                                    f"{leaked.headers.get('location', '')}")
    for browser in browsers.values():
        await browser.__aexit__()
    assert problems == [], "\n".join(problems)

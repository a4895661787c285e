"""The approval life cycle through HTTP: every action by the right role, and what each refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agency.approvals.models import ClockEventRow
from agency.audit.models import AuditEvent
from agency.notifications.models import Notification
from tests.agency.approvals.flow import open_dossier
from tests.support import Api


async def test_full_walk_prepare_submit_accept_supplement_resubmit_extend_approve(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = d.approval_id("xmba")
    assert (await d.ok(xmba, "prepare"))["status"] == "preparing"
    not_ready = await d.act(xmba, "submit")
    # Materials missing: the request is incomplete (422), each required material named with why; 营业执照 is not
    # among them — the department may obtain it by data sharing, and decides that at intake.
    assert not_ready.status_code == 422, not_ready.text
    lacking = {e["material_code"]: e for e in not_ready.json()["extra"]}
    assert "sqb" in lacking and "yyzz" not in lacking and lacking["sqb"]["field"] == "materials"
    await d.scan(xmba)
    submitted = await d.ok(xmba, "submit")
    assert submitted["status"] == "submitted" and submitted["clock"]["accepted_on"] is None
    accepted = await d.ok(xmba, "accept", fgj)
    assert accepted["status"] == "accepted"
    assert accepted["handler"] is not None
    assert accepted["clock"]["accepted_on"] is not None and accepted["clock"]["due_on"] is not None
    material = accepted["materials"][0]["code"]
    supplement = await d.ok(xmba, "request_supplement", fgj, missing_materials=[material], reason="盖章不清晰")
    assert supplement["status"] == "supplement_requested" and supplement["clock"]["paused"] is True
    early = await d.act(xmba, "resubmit")
    assert early.status_code == 409  # nothing uploaded since the notice
    await d.scan(xmba, material)
    resubmitted = await d.ok(xmba, "resubmit")
    assert resubmitted["status"] == "accepted" and resubmitted["clock"]["paused"] is False
    approved = await d.ok(xmba, "approve", fgj, certificate_no="2026-330521-01-03-000123")
    assert approved["status"] == "approved"
    assert approved["decision"]["certificate_no"] == "2026-330521-01-03-000123"
    assert approved["clock"]["finished_on"] is not None
    project = (await api.client.get(f"/api/projects/{d.project['id']}", headers=d.clerk)).json()
    assert project["status"] == "in_progress"
    async with api.sessions() as session:
        kinds = list((await session.execute(select(ClockEventRow.kind).where(
            ClockEventRow.approval_id == xmba).order_by(ClockEventRow.id))).scalars())
        actions = list((await session.execute(select(AuditEvent.action).where(
            AuditEvent.object_type == "approval", AuditEvent.object_id == str(xmba)).order_by(AuditEvent.id)
        )).scalars())
        sms = (await session.execute(select(func.count()).select_from(Notification).where(
            Notification.object_id == str(xmba), Notification.channel == "sms"))).scalar_one()
    assert kinds == ["started", "paused", "resumed", "stopped"]
    assert actions == ["approval.prepare", "approval.submit", "approval.accept", "approval.request_supplement",
                       "approval.resubmit", "approval.approve", "rating_link.issue"]
    # The enterprise's contact hears of acceptance, the supplement and the decision, and gets a rating link.
    assert sms == 4


async def test_extension_within_cap_moves_due_date(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    zrzy = await d.officer("zrzy")
    ydghxk = await d.ready_to_submit("ydghxk")
    await d.ok(ydghxk, "submit")
    accepted = await d.ok(ydghxk, "accept", zrzy)
    missing_reason = await d.act(ydghxk, "extend", zrzy, days=5)
    assert missing_reason.status_code == 422 and missing_reason.json()["extra"][0]["field"] == "reason"
    extended = await d.ok(ydghxk, "extend", zrzy, days=5, reason="需组织专家论证")
    assert extended["clock"]["extension_days"] == 5
    assert extended["clock"]["due_on"] > accepted["clock"]["due_on"]
    over = await d.act(ydghxk, "extend", zrzy, days=10, reason="再次延期")
    assert over.status_code == 422 and over.json()["extra"][0]["field"] == "days"


async def test_submit_waits_for_prerequisites(api: Api) -> None:
    d = await open_dossier(api)
    ydghxk = await d.ready_to_submit("ydghxk")
    response = await d.act(ydghxk, "submit")
    assert response.status_code == 409
    assert response.json()["extra"]["prerequisites"] and "企业投资项目备案" in response.json()["detail"]


async def test_supplement_before_acceptance_returns_to_preparing(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    material = (await d.get(xmba))["materials"][0]["code"]
    back = await d.ok(xmba, "request_supplement", fgj, missing_materials=[material])
    assert back["status"] == "preparing" and back["clock"]["accepted_on"] is None
    assert back["decision"]["pending_supplement"]["missing_materials"] == [material]


async def test_refusal_and_rejection_need_reason_and_legal_basis(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    no_basis = await d.act(xmba, "refuse_intake", fgj, reason="不属于本部门职权范围")
    assert no_basis.status_code == 422 and no_basis.json()["extra"][0]["field"] == "legal_basis"
    no_reason = await d.act(xmba, "refuse_intake", fgj, legal_basis="《行政许可法》第三十二条")
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["field"] == "reason"
    await d.ok(xmba, "accept", fgj)
    rejected = await d.ok(xmba, "reject", fgj, reason="项目不符合产业政策",
                          legal_basis="《企业投资项目核准和备案管理条例》第十三条")
    assert rejected["status"] == "rejected" and rejected["decision"]["legal_basis"]
    project = (await api.client.get(f"/api/projects/{d.project['id']}", headers=d.clerk)).json()
    assert project["status"] == "blocked"


async def test_request_supplement_must_list_known_materials(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    empty = await d.act(xmba, "request_supplement", fgj, missing_materials=[])
    assert empty.status_code == 422 and empty.json()["extra"][0]["field"] == "missing_materials"
    unknown = await d.act(xmba, "request_supplement", fgj, missing_materials=["no_such_material"])
    assert unknown.status_code == 422 and "no_such_material" in unknown.json()["detail"]


async def test_roles_and_departments(api: Api) -> None:
    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    clerk_accepts = await d.act(xmba, "accept")
    assert clerk_accepts.status_code == 403  # 发展和改革局 works online: its own officers accept
    other_department = await d.officer("zjj")
    assert (await d.act(xmba, "accept", other_department, version=1)).status_code == 404
    leader = await api.user_headers("leader")
    assert (await d.act(xmba, "accept", leader)).status_code == 403
    owner = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await d.act(xmba, "accept", owner)).status_code == 403
    fgj = await d.officer("fgj")
    assert (await d.act(xmba, "withdraw", fgj, reason="部门不能撤回")).status_code == 403
    backdated = await d.act(xmba, "accept", fgj, effective_on="2026-01-05")
    assert backdated.status_code == 422 and backdated.json()["extra"][0]["field"] == "effective_on"


async def test_stale_version_is_409(api: Api) -> None:
    d = await open_dossier(api)
    xmba = d.approval_id("xmba")
    version = (await d.get(xmba))["version"]
    await d.ok(xmba, "prepare")
    stale = await d.act(xmba, "withdraw", version=version, reason="企业暂缓")
    assert stale.status_code == 409
    assert stale.json()["extra"]["current_version"] == version + 1


ILLEGAL = [
    # (state reached by these clerk actions, action, acting side)
    ((), "submit", "clerk"), ((), "accept", "department"), ((), "approve", "department"),
    ((), "resubmit", "clerk"), ((), "resume", "department"), ((), "extend", "department"),
    (("prepare",), "prepare", "clerk"), (("prepare",), "accept", "department"),
    (("prepare",), "reject", "department"), (("prepare",), "request_supplement", "department"),
    (("prepare",), "suspend", "department"), (("prepare", "submit"), "approve", "department"),
    (("prepare", "submit"), "submit", "clerk"), (("prepare", "submit"), "resume", "department"),
    (("prepare", "submit"), "extend", "department"), (("prepare", "submit"), "resubmit", "clerk"),
]


async def test_illegal_transitions_are_409(api: Api) -> None:
    for steps, action, side in ILLEGAL:
        d = await open_dossier(api)
        fgj = await d.officer("fgj")
        xmba = d.approval_id("xmba")
        for step in steps:
            if step == "submit":
                await d.scan(xmba)
            await d.ok(xmba, step)
        response = await d.act(xmba, action, fgj if side == "department" else d.clerk, reason="理由说明",
                               legal_basis="依据", days=3, missing_materials=["x"])
        assert response.status_code == 409, (steps, action, response.text)


async def test_withdraw_from_any_open_state_stops_the_clock(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    await d.ok(xmba, "accept", fgj)
    withdrawn = await d.ok(xmba, "withdraw", reason="企业决定暂缓实施")
    assert withdrawn["status"] == "withdrawn" and withdrawn["clock"]["finished_on"] is not None
    again = await d.act(xmba, "withdraw", reason="再次撤回")
    assert again.status_code == 409


async def test_handler_is_the_accepting_officer_and_can_be_reassigned(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    colleague = await api.create_user("department", department_code="fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    accepted = await d.ok(xmba, "accept", fgj)
    moved = await api.client.post(f"/api/approvals/{xmba}/handler", headers=fgj,
                                  json={"user_id": colleague.id, "version": accepted["version"]})
    assert moved.status_code == 200 and moved.json()["handler"]["id"] == colleague.id
    outsider = await api.create_user("department", department_code="zjj")
    wrong = await api.client.post(f"/api/approvals/{xmba}/handler", headers=fgj,
                                  json={"user_id": outsider.id, "version": moved.json()["version"]})
    assert wrong.status_code == 422


async def test_worklist_is_scoped_and_most_urgent_first(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    inbox = await api.client.get("/api/approvals", headers=fgj, params={"status": "submitted"})
    assert inbox.status_code == 200
    assert xmba in [row["id"] for row in inbox.json()["items"]]
    assert all(row["department_code"] == "fgj" for row in inbox.json()["items"])
    zjj = await d.officer("zjj")
    theirs = await api.client.get("/api/approvals", headers=zjj, params={"project_id": d.project["id"]})
    assert {row["department_code"] for row in theirs.json()["items"]} == {"zjj"}
    assert (await api.client.get(f"/api/approvals/{xmba}", headers=zjj)).status_code == 404


async def test_rejected_project_is_blocked_until_reapplied_or_closed(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    await d.ok(xmba, "accept", fgj)
    await d.ok(xmba, "reject", fgj, reason="不符合园区产业定位", legal_basis="《企业投资项目核准和备案管理条例》")
    project_url = f"/api/projects/{d.project['id']}"
    assert (await api.client.get(project_url, headers=d.clerk)).json()["status"] == "blocked"
    reapplied = await api.client.post(f"{project_url}/approvals", headers=d.clerk, json={"item_code": "xmba"})
    assert reapplied.status_code == 201
    assert reapplied.json()["status"] == "in_progress"  # no longer blocked: the item is alive again
    closed = await api.client.post(f"{project_url}/close", headers=d.clerk, json={"reason": "企业决定终止项目"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = await api.client.post(f"{project_url}/approvals", headers=d.clerk, json={"item_code": "jnsc"})
    assert again.status_code == 409


@pytest.mark.today("2026-10-30")  # the acceptance on 14 October is long overdue by then
async def test_worklist_pages_put_running_clocks_first_then_the_rest_by_id(api: Api) -> None:
    from datetime import date

    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba", prepare_on=date(2026, 10, 12))
    await d.ok(xmba, "submit", effective_on=date(2026, 10, 13))
    await d.ok(xmba, "accept", api.admin_headers, effective_on=date(2026, 10, 14))  # long overdue by now
    seen: list[dict[str, object]] = []
    page, total = 1, None
    while total is None or len(seen) < total:
        body = (await api.client.get("/api/approvals", headers=d.clerk, params={
            "project_id": d.project["id"], "page": page, "page_size": 4})).json()
        total = body["total"]
        assert body["items"] or len(seen) == total, body
        seen += body["items"]
        page += 1
    ids = [row["id"] for row in seen]
    assert len(ids) == len(set(ids)) == total == 14  # the new-industrial route plans 14
    assert ids[0] == xmba and seen[0]["level"] in ("red", "l3")
    assert ids[1:] == sorted(ids[1:])  # no clock: by id, after every running one
    overdue = (await api.client.get("/api/approvals", headers=d.clerk, params={
        "project_id": d.project["id"], "level": seen[0]["level"]})).json()
    assert [row["id"] for row in overdue["items"]] == [xmba] and overdue["total"] == 1
    calm = (await api.client.get("/api/approvals", headers=d.clerk, params={
        "project_id": d.project["id"], "level": "none", "page_size": 50})).json()
    assert calm["total"] == 13 and xmba not in [row["id"] for row in calm["items"]]

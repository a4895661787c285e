"""Records of the provincial system (工改系统) applied as the departments' own acts, on both databases."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from agency import timeutil
from agency.access import SYSTEM
from agency.accounts import integration
from agency.approvals import clock_rows
from agency.approvals.models import Approval, ApprovalClock, ClockEventRow
from agency.approvals.notices import RATING_LINK_JOB
from agency.audit import service as audit
from agency.audit.models import AuditEvent
from agency.jobs.models import Job
from agency.notifications.models import Notification
from agency.sync.models import SyncRecord
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.test_access_matrix import TABLE
from tests.support import Api


async def integration_headers(api: Api) -> dict[str, str]:
    async with api.sessions() as session:
        _, key = await integration.create_key(session, SYSTEM, f"gongai-{uuid.uuid4().hex[:8]}")
        await session.commit()
    return {"Authorization": f"Bearer {key}"}


async def coded_dossier(api: Api) -> tuple[Dossier, str]:
    d = await open_dossier(api)
    code = f"2025-339001-29-03-{uuid.uuid4().int % 1_000_000:06d}"
    response = await api.client.patch(f"/api/projects/{d.project['id']}", headers=d.clerk,
                                      json={"investment_code": code})
    assert response.status_code == 200, response.text
    return d, code


def record(code: str, act: str, item: str = "xmba", record_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"source": "gongai", "record_id": record_id or uuid.uuid4().hex, "investment_code": code,
            "item_external_code": item, "act": act, "effective_on": timeutil.today().isoformat(),
            "officer": "王科长", **extra}


async def push(api: Api, headers: dict[str, str], *records: dict[str, Any]) -> dict[str, Any]:
    response = await api.client.post("/api/sync/records", headers=headers, json={"records": list(records)})
    assert response.status_code == 200, response.text
    return response.json()


async def _counts(api: Api, approval_id: int) -> tuple[int, int]:
    async with api.sessions() as session:
        events = (await session.execute(select(func.count()).select_from(ClockEventRow).where(
            ClockEventRow.approval_id == approval_id))).scalar_one()
        lines = (await session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "approval", AuditEvent.object_id == str(approval_id)))).scalar_one()
    return events, lines


@pytest.mark.usefixtures("external_fgj")
async def test_a_life_cycle_fed_only_by_records_and_a_replay_changes_nothing(api: Api) -> None:
    d, code = await coded_dossier(api)
    gongai = await integration_headers(api)
    xmba = d.approval_id("xmba")
    material = (await d.get(xmba))["materials"][0]["code"]
    batch = [record(code, "submitted"), record(code, "accepted"),
             record(code, "supplement_requested", missing_materials=[material], reason="盖章不清晰"),
             record(code, "resubmitted"), record(code, "approved", certificate_no="2025-339001-29-03-000777")]
    assert await push(api, gongai, *batch) == {"applied": 5, "unchanged": 0, "queued": []}
    approval = await d.get(xmba)
    assert approval["status"] == "approved" and approval["decision"]["certificate_no"] == "2025-339001-29-03-000777"
    async with api.sessions() as session:
        kinds = list((await session.execute(select(ClockEventRow.kind).where(
            ClockEventRow.approval_id == xmba).order_by(ClockEventRow.id))).scalars())
        accept = (await session.execute(select(AuditEvent).where(
            AuditEvent.object_id == str(xmba), AuditEvent.action == "approval.accept"))).scalar_one()
    assert kinds == ["started", "paused", "resumed", "stopped"]
    # The act is the officer's, through the provincial system, naming the record it came from.
    assert accept.actor_username == "王科长@gongai" and accept.actor_role == "integration"
    assert accept.after is not None and accept.after["source"] == "gongai"
    assert accept.after["record_id"] == batch[1]["record_id"]

    # The same papers as the officer's acts: the one-time notice of the supplement request.
    papers = (await api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)).json()
    assert "one_time_notice" in {p["template"] for p in papers}

    # Reported upward in the same format: the acts, by the item's code in the provincial system.
    exported = await api.client.get(f"/api/projects/{d.project['id']}/export", headers=d.clerk,
                                    params={"format": "gongai"})
    assert exported.status_code == 200, exported.text
    assert [(r["act"], r["item_external_code"], r["investment_code"]) for r in exported.json()] == [
        (r["act"], "11330521MB0000001-0101", code) for r in batch]
    assert exported.json()[-1]["certificate_no"] == "2025-339001-29-03-000777"

    before = await _counts(api, xmba)
    assert await push(api, gongai, *batch) == {"applied": 0, "unchanged": 5, "queued": []}
    assert await _counts(api, xmba) == before

    # A record the approval's state does not allow: kept for review, nothing changes.
    late_accept = record(code, "accepted")
    refused = await push(api, gongai, late_accept)
    assert refused["applied"] == 0 and refused["queued"][0]["record_id"] == late_accept["record_id"]
    assert "已办结" in refused["queued"][0]["reason"]
    assert await _counts(api, xmba) == before and (await d.get(xmba))["version"] == approval["version"]


@pytest.mark.usefixtures("external_fgj")
async def test_the_officer_and_clerk_of_an_external_department_cannot_act_by_hand(api: Api) -> None:
    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")  # the clerk's own side stays his
    officer = await d.act(xmba, "accept", await d.officer("fgj"))
    assert officer.status_code == 403 and "省工程建设项目审批管理系统" in officer.json()["detail"]
    clerk = await d.act(xmba, "accept", effective_on=timeutil.today())
    assert clerk.status_code == 403 and "同步" in clerk.json()["detail"]


@pytest.mark.usefixtures("external_fgj")
async def test_records_out_of_order_wait_for_their_predecessor(api: Api) -> None:
    d, code = await coded_dossier(api)
    gongai = await integration_headers(api)
    # Named by the item's code in the provincial system (the catalog's external_codes), not Agency's.
    approved = record(code, "approved", item="11330521MB0000001-0101", certificate_no="X-1")
    accepted = record(code, "accepted", item="11330521MB0000001-0101")
    early = await push(api, gongai, approved, accepted)
    assert early["applied"] == 0 and {q["record_id"] for q in early["queued"]} == {
        approved["record_id"], accepted["record_id"]}
    assert all("等待前序记录" in q["reason"] for q in early["queued"])
    assert (await push(api, gongai, record(code, "submitted")))["applied"] == 1
    assert (await d.get(d.approval_id("xmba")))["status"] == "approved"
    async with api.sessions() as session:
        statuses = set((await session.execute(select(SyncRecord.status).where(
            SyncRecord.record_id.in_([approved["record_id"], accepted["record_id"]])))).scalars())
    assert statuses == {"applied"}


@pytest.mark.usefixtures("external_fgj")
async def test_a_record_dated_before_the_last_event_is_late(api: Api) -> None:
    d, code = await coded_dossier(api)
    gongai = await integration_headers(api)
    await push(api, gongai, record(code, "submitted"), record(code, "accepted"))
    yesterday = (timeutil.today() - timedelta(days=1)).isoformat()
    late = await push(api, gongai, record(code, "approved", certificate_no="X-2", effective_on=yesterday))
    assert late["applied"] == 0 and "早于" in late["queued"][0]["reason"]
    assert (await d.get(d.approval_id("xmba")))["status"] == "accepted"
    queue = (await api.client.get("/api/sync/queue", headers=api.admin_headers, params={"status": "late"})).json()
    assert any(r["investment_code"] == code and r["status_name"].startswith("日期早于") for r in queue["items"])


@pytest.mark.usefixtures("external_fgj")
async def test_an_unknown_code_is_kept_unmatched_and_matched_by_hand(api: Api) -> None:
    d, _ = await coded_dossier(api)
    gongai = await integration_headers(api)
    stray = record("2025-339001-29-03-999999", "submitted")
    answer = await push(api, gongai, stray)
    assert answer["applied"] == 0
    assert "未找到项目代码为 2025-339001-29-03-999999 的项目档案" in answer["queued"][0]["reason"]
    queue = (await api.client.get("/api/sync/queue", headers=d.clerk)).json()
    kept = next(r for r in queue["items"] if r["record_id"] == stray["record_id"])
    assert kept["status"] == "unmatched" and kept["status_name"] == "未匹配（待人工匹配）"
    bad = await api.client.post(f"/api/sync/queue/{kept['id']}/match", headers=d.clerk, json={"approval_id": 0})
    assert bad.status_code == 422
    xmba = d.approval_id("xmba")
    matched = await api.client.post(f"/api/sync/queue/{kept['id']}/match", headers=d.clerk,
                                    json={"approval_id": xmba})
    assert matched.status_code == 200, matched.text
    assert matched.json()["status"] == "applied" and (await d.get(xmba))["status"] == "submitted"
    again = await api.client.post(f"/api/sync/queue/{kept['id']}/discard", headers=d.clerk, json={"reason": "重复"})
    assert again.status_code == 409
    other = record("2025-339001-29-03-999998", "accepted")
    queued = (await push(api, gongai, other))["queued"]
    row = next(r for r in (await api.client.get("/api/sync/queue", headers=api.admin_headers)).json()["items"]
               if r["record_id"] == other["record_id"])
    assert queued and (await api.client.post(f"/api/sync/queue/{row['id']}/discard", headers=api.admin_headers,
                                             json={"reason": "省系统测试数据"})).json()["status"] == "discarded"


async def test_a_record_moves_the_clock_as_the_officer_would(api: Api) -> None:
    gongai = await integration_headers(api)
    by_officer = await open_dossier(api)
    by_record, code = await coded_dossier(api)
    clocks = []
    for d in (by_officer, by_record):
        xmba = await d.ready_to_submit("xmba")
        await d.ok(xmba, "submit")
    officer = await by_officer.officer("fgj")
    material = (await by_officer.get(by_officer.approval_id("xmba")))["materials"][0]["code"]
    await by_officer.ok(by_officer.approval_id("xmba"), "accept", officer)
    await by_officer.ok(by_officer.approval_id("xmba"), "request_supplement", officer, missing_materials=[material],
                        reason="盖章不清晰")
    assert (await push(api, gongai, record(code, "accepted"), record(
        code, "supplement_requested", missing_materials=[material], reason="盖章不清晰")))["applied"] == 2
    for d in (by_officer, by_record):
        clocks.append((await d.get(d.approval_id("xmba")))["clock"])
    assert clocks[0] == clocks[1] and clocks[0]["accepted_on"] == timeutil.today().isoformat()
    assert clocks[0]["paused"] is True
    async with api.sessions() as session:
        kinds = [list((await session.execute(select(ClockEventRow.kind, ClockEventRow.on).where(
            ClockEventRow.approval_id == d.approval_id("xmba")))).all()) for d in (by_officer, by_record)]
    assert kinds[0] == kinds[1]


async def test_only_an_integration_key_or_the_admin_may_push_and_a_key_opens_nothing_else(api: Api) -> None:
    gongai = await integration_headers(api)
    body = {"records": [record("2025-339001-29-03-999997", "submitted")]}
    for role in ("clerk", "leader", "department", "enterprise"):
        binding: dict[str, Any] = {"department_code": "fgj"} if role == "department" else {}
        if role == "enterprise":
            binding = {"enterprise_id": (await open_dossier(api)).enterprise_id}
        headers = await api.user_headers(role, **binding)
        assert (await api.client.post("/api/sync/records", headers=headers, json=body)).status_code == 403, role
    assert (await api.client.post("/api/sync/records", headers=api.admin_headers, json=body)).status_code == 200
    for key, rule in TABLE.items():
        method, template = key.split(" ", 1)
        if key == "POST /api/sync/records" or rule.public:
            continue
        path = re.sub(r"\{\w+\}", "1", template)
        response = await api.client.request(method, path, headers=gongai)
        assert response.status_code in (401, 403), (key, response.status_code)
    assert (await api.client.get("/app", headers=gongai, follow_redirects=False)).status_code in (302, 303, 401)
    async with api.sessions() as session:
        keys = await integration.list_keys(session, SYSTEM)
        await integration.revoke_key(session, SYSTEM, keys[-1].id)
        await session.commit()
    assert (await api.client.post("/api/sync/records", headers=gongai, json=body)).status_code == 401
    bogus = {"Authorization": "Bearer agi_not-a-key"}
    assert (await api.client.post("/api/sync/records", headers=bogus, json=body)).status_code == 401


async def test_an_admin_issues_and_revokes_a_key_over_the_api_and_the_revoked_key_is_refused_at_once(
        api: Api) -> None:
    name = f"gongai-api-{uuid.uuid4().hex[:6]}"
    made = await api.client.post("/api/integration-keys", headers=api.admin_headers, json={"name": name})
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert key.startswith("agi_") and made.json()["revoked_at"] is None
    again = await api.client.post("/api/integration-keys", headers=api.admin_headers, json={"name": name})
    assert again.status_code == 409
    listed = (await api.client.get("/api/integration-keys", headers=api.admin_headers)).json()
    assert [k["key"] for k in listed if k["name"] == name] == [None]  # never shown again
    gongai = {"Authorization": f"Bearer {key}"}
    body = {"records": [record("2025-339001-29-03-999996", "submitted")]}
    assert (await api.client.post("/api/sync/records", headers=gongai, json=body)).status_code == 200
    clerk = await api.user_headers("clerk")
    assert (await api.client.post(f"/api/integration-keys/{made.json()['id']}/revoke",
                                  headers=clerk)).status_code == 403
    revoked = await api.client.post(f"/api/integration-keys/{made.json()['id']}/revoke", headers=api.admin_headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await api.client.post("/api/sync/records", headers=gongai, json=body)
    assert refused.status_code == 401 and "吊销" in refused.json()["detail"]
    assert (await api.client.post("/api/integration-keys/999999/revoke",
                                  headers=api.admin_headers)).status_code == 404


@pytest.mark.usefixtures("external_fgj")
async def test_a_failing_record_amid_a_batch_is_queued_alone_and_the_others_apply_once(api: Api) -> None:
    """The batch's records share a savepoint; one act failing redoes them one by one: nothing twice, nothing lost."""
    a, code_a = await coded_dossier(api)
    b, code_b = await coded_dossier(api)
    gongai = await integration_headers(api)
    yesterday = (timeutil.today() - timedelta(days=1)).isoformat()
    late = record(code_a, "approved", certificate_no="A-1", effective_on=yesterday)
    batch = [record(code_a, "submitted"), record(code_a, "accepted"), record(code_b, "submitted"), late,
             record(code_b, "accepted"), record(code_b, "approved", certificate_no="B-1")]
    answer = await push(api, gongai, *batch)
    assert answer["applied"] == 5 and [q["record_id"] for q in answer["queued"]] == [late["record_id"]]
    assert "早于" in answer["queued"][0]["reason"]
    assert (await a.get(a.approval_id("xmba")))["status"] == "accepted"
    assert (await b.get(b.approval_id("xmba")))["status"] == "approved"
    # Each act audited once, in order (the approval's rating link comes with its decision).
    async with api.sessions() as session:
        acts = [list((await session.execute(select(AuditEvent.action).where(
            AuditEvent.object_type == "approval", AuditEvent.object_id == str(d.approval_id("xmba")))
            .order_by(AuditEvent.id))).scalars()) for d in (a, b)]
    assert acts == [["approval.prepare", "approval.submit", "approval.accept"],
                    ["approval.prepare", "approval.submit", "approval.accept", "approval.approve", "rating_link.issue"]]
    # The messages and jobs a chunk writes at its end: those of the acts that stood, none of the failed one's.
    async with api.sessions() as session:
        told = [{key.split(":")[3] for key in (await session.execute(select(Notification.dedupe_key).where(
            Notification.object_type == "approval", Notification.object_id == str(d.approval_id("xmba")),
            Notification.dedupe_key.startswith("approval:")))).scalars()} for d in (a, b)]
        ours = {d.approval_id("xmba") for d in (a, b)}  # the database holds other tests' dossiers too
        rating_jobs = [payload["approval_id"] for payload in (await session.execute(
            select(Job.payload).where(Job.kind == RATING_LINK_JOB))).scalars() if payload["approval_id"] in ours]
    assert told == [{"prepare", "submit", "accept"}, {"prepare", "submit", "accept", "approve"}]
    assert rating_jobs == [b.approval_id("xmba")]
    async with api.sessions() as session:
        _, broken = await audit.verify_chain(session)
    assert broken is None


def _days_ago(days: int) -> str:
    return (timeutil.today() - timedelta(days=days)).isoformat()


async def _late_one(api: Api, d: Dossier, gongai: dict[str, str], late: dict[str, Any]) -> int:
    assert "早于" in (await push(api, gongai, late))["queued"][0]["reason"]
    queue = (await api.client.get("/api/sync/queue", headers=api.admin_headers, params={"status": "late"})).json()
    return int(next(r["id"] for r in queue["items"] if r["record_id"] == late["record_id"]))


@pytest.mark.usefixtures("external_fgj")
async def test_an_admin_applies_a_late_record_as_a_correction_and_the_clock_reads_the_events_by_date(
        api: Api) -> None:
    d, code = await coded_dossier(api)
    gongai = await integration_headers(api)
    await push(api, gongai, record(code, "submitted", effective_on=_days_ago(1)))
    late = record(code, "accepted", effective_on=_days_ago(3))
    queued = await _late_one(api, d, gongai, late)
    path = f"/api/sync/queue/{queued}/apply"
    assert (await api.client.post(path, headers=d.clerk, json={"reason": "省系统补录受理记录"})).status_code == 403
    assert (await api.client.post(path, headers=api.admin_headers, json={"reason": " "})).status_code in (400, 422)
    retried = await api.client.post(path, headers=api.admin_headers)  # without a reason: only tried again
    assert retried.json()["status"] == "late"
    corrected = await api.client.post(path, headers=api.admin_headers, json={"reason": "省系统补录受理记录"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["status"] == "applied"
    approval = await d.get(d.approval_id("xmba"))
    assert approval["status"] == "accepted" and approval["clock"]["accepted_on"] == _days_ago(3)
    async with api.sessions() as session:
        line = (await session.execute(select(AuditEvent).where(
            AuditEvent.object_id == str(d.approval_id("xmba")), AuditEvent.action == "approval.accept"))).scalar_one()
    assert line.after is not None and line.after["correction"] == "省系统补录受理记录"
    assert line.after["effective_on"] == _days_ago(3)


@pytest.mark.usefixtures("external_fgj")
async def test_a_correction_whose_history_does_not_hold_together_stays_late_and_changes_nothing(api: Api) -> None:
    d, code = await coded_dossier(api)
    gongai = await integration_headers(api)
    await push(api, gongai, record(code, "submitted", effective_on=_days_ago(2)),
               record(code, "accepted", effective_on=_days_ago(1)))
    queued = await _late_one(api, d, gongai, record(code, "approved", certificate_no="X-9", effective_on=_days_ago(2)))
    before = await _counts(api, d.approval_id("xmba"))
    answer = await api.client.post(f"/api/sync/queue/{queued}/apply", headers=api.admin_headers,
                                   json={"reason": "省系统更正办结日期"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "late" and "作为更正仍无法应用" in answer.json()["reason"]
    assert "时限记录不一致" in answer.json()["reason"]
    assert (await d.get(d.approval_id("xmba")))["status"] == "accepted"
    assert await _counts(api, d.approval_id("xmba")) == before
    discarded = await api.client.post(f"/api/sync/queue/{queued}/discard", headers=api.admin_headers,
                                      json={"reason": "省系统办结日期有误，已退回"})
    assert discarded.json()["status"] == "discarded"



@pytest.mark.usefixtures("external_fgj")
@pytest.mark.parametrize("with_a_failing_record", [False, True])
async def test_a_batch_leaves_each_clock_row_as_its_events_give_it(api: Api, with_a_failing_record: bool) -> None:
    """A batch writes each approval's clock row once, at the end of its records' savepoint: the row is the one the
    approval's events give (running, paused, none once decided), also when a failing record made the batch redo
    its records one by one."""
    (running, code_r), (paused, code_p), (decided, code_d) = [await coded_dossier(api) for _ in range(3)]
    gongai = await integration_headers(api)
    material = (await paused.get(paused.approval_id("xmba")))["materials"][0]["code"]
    batch = [record(code_r, "submitted"), record(code_p, "submitted"), record(code_r, "accepted"),
             record(code_p, "accepted"),
             record(code_p, "supplement_requested", missing_materials=[material], reason="盖章不清晰"),
             record(code_d, "submitted"), record(code_d, "accepted"), record(code_d, "approved", certificate_no="D-1")]
    if with_a_failing_record:  # dated before the acceptance it follows: late
        yesterday = (timeutil.today() - timedelta(days=1)).isoformat()
        batch.insert(4, record(code_r, "approved", certificate_no="R-1", effective_on=yesterday))
    answer = await push(api, gongai, *batch)
    assert answer["applied"] == 8 and len(answer["queued"]) == int(with_a_failing_record)
    ids = [d.approval_id("xmba") for d in (running, paused, decided)]
    query = select(ApprovalClock).where(ApprovalClock.approval_id.in_(ids))
    async with api.sessions() as session:
        stored = {row.approval_id: [getattr(row, c) for c in clock_rows.COMPARED]
                  for row in (await session.execute(query)).scalars()}
        statuses = {row.approval_id: row.status for row in (await session.execute(query)).scalars()}
        await clock_rows.rewrite(session, Approval.id.in_(ids), timeutil.today())  # the rows the events give
        session.expunge_all()
        given = {row.approval_id: [getattr(row, c) for c in clock_rows.COMPARED]
                 for row in (await session.execute(query)).scalars()}
        await session.rollback()
    assert stored == given
    assert statuses == {ids[0]: "accepted", ids[1]: "supplement_requested"}  # decided: its clock stopped, no row


@pytest.mark.usefixtures("external_fgj")
async def test_a_correction_withdraws_the_firings_its_history_no_longer_bears_out(api: Api) -> None:
    """节能审查 accepted 30 days ago (promised in 5 working days) is overdue, and the sweep fires on it; the
    province's late record of a suspension the day after acceptance puts the clock on hold from then, so what
    fired today no longer holds: the correction withdraws it, with the record named in the reason."""
    d, code = await coded_dossier(api)
    gongai = await integration_headers(api)
    await push(api, gongai, record(code, "submitted", "jnsc", effective_on=_days_ago(32)),
               record(code, "accepted", "jnsc", effective_on=_days_ago(30)),
               record(code, "extended", "jnsc", effective_on=_days_ago(1), days=2, reason="现场核查"))
    swept = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={})
    assert swept.status_code == 200, swept.text
    jnsc = d.approval_id("jnsc")

    async def firings(status: str = "open") -> list[dict[str, Any]]:
        answer = await api.client.get("/api/escalations", headers=api.admin_headers,
                                      params={"approval_id": jnsc, "page_size": 100, "status": status})
        assert answer.status_code == 200, answer.text
        return [e for e in answer.json()["items"] if e["approval_id"] == jnsc and e["rule"] == "clock"]

    fired = await firings()
    assert fired, "the overdue clock fired nothing"
    late = record(code, "suspended", "jnsc", effective_on=_days_ago(29), kind="expert_review", days=30,
                  reason="专家评审")
    queued = await _late_one(api, d, gongai, late)
    corrected = await api.client.post(f"/api/sync/queue/{queued}/apply", headers=api.admin_headers,
                                      json={"reason": "省系统补录中止记录"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["status"] == "applied"
    assert (await d.get(jnsc))["clock"]["paused"] is True
    assert await firings() == []
    withdrawn = {e["id"]: e for e in await firings("withdrawn")}
    assert set(withdrawn) == {e["id"] for e in fired}
    for escalation in withdrawn.values():
        assert late["record_id"] in escalation["withdrawn_reason"]
        assert "省系统补录中止记录" in escalation["withdrawn_reason"]
    async with api.sessions() as session:
        _, broken = await audit.verify_chain(session)
    assert broken is None

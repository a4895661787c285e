"""Stages with a lead department and a limit (立项用地规划: 自然资源和规划局, 20 working days in the demo
catalog): their progress on the project, their level, and the sweep that escalates a stage past its limit to
its lead department. November 2026 has no holiday."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from agency import timeutil
from agency.accounts.models import User
from agency.approvals.models import Approval, ClockEventRow
from agency.escalation.models import Escalation
from agency.notifications.models import Notification
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api


async def _land_stage_under_way(d: Dossier) -> None:
    """备案 sent Monday 2 November and decided on the 3rd; 建设用地规划许可 sent on the 3rd, accepted on the 4th
    and still running; 土地登记 not yet sent. The stage started on 2 November."""
    xmba, ydghxk = d.approval_id("xmba"), d.approval_id("ydghxk")
    await d.api.execute(update(Approval).where(Approval.id == xmba).values(
        status="approved", submitted_on=date(2026, 11, 2), decided_on=date(2026, 11, 3),
        status_since=date(2026, 11, 3)))
    await d.api.execute(update(Approval).where(Approval.id == ydghxk).values(
        status="accepted", submitted_on=date(2026, 11, 3), status_since=date(2026, 11, 4)))
    async with d.api.sessions() as session:
        session.add(ClockEventRow(approval_id=ydghxk, kind="started", on=date(2026, 11, 4), action="accept",
                                  recorded_at=timeutil.now()))
        await session.commit()


async def _land_stage(api: Api, d: Dossier, as_of: str) -> dict[str, object]:
    shown = (await api.client.get(f"/api/projects/{d.project['id']}", headers=d.clerk,
                                  params={"as_of": as_of})).json()
    return next(s for s in shown["stages"] if s["code"] == "land_planning")


@pytest.mark.today("2026-12-03")
async def test_a_stage_shows_its_days_against_its_limit_and_escalates_to_its_lead_department(api: Api) -> None:
    d = await open_dossier(api)
    await _land_stage_under_way(d)
    # 3–27 November: 19 working days of 20 — yellow; 1 December: 21 — red; 3 December: 23 — 督办.
    for as_of, used, level in (("2026-11-27", 19, "yellow"), ("2026-12-01", 21, "red"), ("2026-12-03", 23, "l3")):
        stage = await _land_stage(api, d, as_of)
        assert (stage["name"], stage["lead_department_code"], stage["started_on"], stage["completed_on"],
                stage["used_workdays"], stage["limit_workdays"], stage["level"]) == (
            "立项用地规划", "zrzy", "2026-11-02", None, used, 20, level), as_of
    shown = (await api.client.get(f"/api/projects/{d.project['id']}", headers=d.clerk)).json()
    later = {s["code"]: (s["started_on"], s["used_workdays"], s["level"]) for s in shown["stages"]}
    assert later["construction_permit"] == (None, 0, "none")

    zrzy = await d.officer("zrzy")
    await api.create_user("leader")
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers,
                                     json={"as_of": "2026-12-01"})
    assert response.status_code == 200, response.text
    fired = (await api.client.get("/api/escalations", headers=zrzy, params={"project_id": d.project["id"]})).json()
    stage_firings = [(e["subject_type"], e["occasion"], e["level"], e["department_code"], e["overdue_workdays"])
                     for e in fired["items"] if e["rule"] == "stage_overdue"]
    assert stage_firings == [("stage", "land_planning", "red", "zrzy", 1)]
    # Told in the app to the lead department's officers and the leaders, by name, once however often it runs.
    again = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": "2026-12-01"})
    assert again.status_code == 200, again.text
    escalation_id = next(e["id"] for e in fired["items"] if e["rule"] == "stage_overdue")
    async with api.sessions() as session:
        told = (await session.execute(
            select(User.department_code, User.role, Notification.subject, Notification.body, Notification.status,
                   Notification.recipient_user_id)
            .join(User, User.id == Notification.recipient_user_id)
            .where(Notification.object_type == "escalation", Notification.object_id == str(escalation_id)))).all()
        targets = (await session.execute(select(Escalation.targets).where(Escalation.id == escalation_id))).scalar_one()
    name, code = d.project["name"], d.project["code"]
    assert all(department == "zrzy" or role == "leader" for department, role, *_ in told), told
    assert {"zrzy", "leader"} <= {department if department == "zrzy" else role for department, role, *_ in told}, told
    assert {(subject, body, status) for _, _, subject, body, status, _ in told} == {(
        f"红牌督办：{name}·立项用地规划阶段超时",
        f"项目“{name}”（{code}）的立项用地规划阶段已超过阶段时限1个工作日，请牵头部门协调推进。", "sent")}
    assert len({recipient for *_, recipient in told}) == len(told)  # the second sweep told nobody again
    assert targets == ["lead_department", "leaders"]


@pytest.mark.today("2026-12-03")
async def test_the_sweep_reads_the_projects_in_batches_and_fires_in_statements_of_a_bounded_size(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A book of tens of thousands of running dossiers is read a batch of projects at a time and fired in
    statements PostgreSQL can take (at most 32,767 bound values): here one project a batch and one firing a
    statement, so that three dossiers go through three batches and three statements and each still fires."""
    from agency.coordination import deadlines
    from agency.escalation import models as ledger
    from agency.notifications import service as outbox
    from agency.notifications.models import Notification

    monkeypatch.setattr(deadlines, "STAGE_BATCH", 1)
    monkeypatch.setattr(ledger, "ROWS_PER_STATEMENT", 1)
    monkeypatch.setattr(outbox, "MESSAGES_PER_STATEMENT", 1)
    dossiers = [await open_dossier(api) for _ in range(3)]
    for d in dossiers:
        await _land_stage_under_way(d)
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers,
                                     json={"as_of": "2026-12-01"})
    assert response.status_code == 200, response.text
    for d in dossiers:
        fired = (await api.client.get("/api/escalations", headers=api.admin_headers,
                                      params={"project_id": d.project["id"]})).json()
        stage = [e for e in fired["items"] if e["rule"] == "stage_overdue"]
        assert [(e["occasion"], e["level"]) for e in stage] == [("land_planning", "red")], d.project["code"]
        # Its messages (the lead department's officers, the leaders) written one statement each, none lost.
        async with api.sessions() as session:
            sent = (await session.execute(select(Notification.recipient_user_id).where(
                Notification.object_type == "escalation", Notification.object_id == str(stage[0]["id"])))).all()
        assert len(sent) >= 1, d.project["code"]

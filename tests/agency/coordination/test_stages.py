"""Stages with a lead department and a limit (立项用地规划: 自然资源和规划局, 20 working days in the demo
catalog): their progress on the project, their level, and the sweep that escalates a stage past its limit to
its lead department. November 2026 has no holiday."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from agency import timeutil
from agency.accounts.models import User
from agency.approvals.models import APPROVAL_STATUSES, Approval, ClockEventRow
from agency.approvals.rules import CLOSED_STATES, OPEN_STATES
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


def _computed_projects(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The projects whose stages the sweep computes (``deadlines._stage_rows``), recorded as it runs."""
    from agency.coordination import deadlines

    computed: list[int] = []
    compute = deadlines._stage_rows

    async def recording(session: Any, ids: list[int], *rest: Any) -> list[tuple[Any, ...]]:
        computed.extend(ids)
        return await compute(session, ids, *rest)

    monkeypatch.setattr(deadlines, "_stage_rows", recording)
    return computed


async def _swept(api: Api, as_of: str, computed: list[int],
                 *dossiers: Dossier) -> list[tuple[bool, list[tuple[str, ...]]]]:
    """Sweeps as of ``as_of``; for each dossier, whether its stages were computed and its stage firings so far (the
    day fired, stage, level, working days past the limit)."""
    computed.clear()
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": as_of})
    assert response.status_code == 200, response.text
    found = []
    for d in dossiers:
        fired = (await api.client.get("/api/escalations", headers=api.admin_headers,
                                      params={"project_id": d.project["id"]})).json()
        found.append((d.project["id"] in computed, sorted(
            (e["as_of"], e["occasion"], e["level"], str(e["overdue_workdays"]))
            for e in fired["items"] if e["rule"] == "stage_overdue")))
    return found


async def _clock(d: Dossier, item_code: str, *events: tuple[str, date]) -> None:
    async with d.api.sessions() as session:
        for kind, on in events:
            session.add(ClockEventRow(approval_id=d.approval_id(item_code), kind=kind, on=on, action=kind,
                                      recorded_at=timeutil.now()))
        await session.commit()


RED_ON_1_DECEMBER = ("2026-12-01", "land_planning", "red", "1")


@pytest.mark.today("2026-12-10")
async def test_a_stage_is_computed_only_on_the_days_it_can_fire_something_new(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stage of ``_land_stage_under_way`` (started 2 November, 20 working days, nothing paused) has used every
    working day since it started. The sweep computes it only when those days could give a firing it has not
    made: not on 30 November (20 days: within its limit), on 1 December (21: red), not on the 2nd (22: red
    again at most, fired already), on the 3rd (23: 督办), not on the 4th (red and 督办 both fired)."""
    computed = _computed_projects(monkeypatch)
    d = await open_dossier(api)
    await _land_stage_under_way(d)
    l3 = ("2026-12-03", "land_planning", "l3", "3")
    for as_of, expected in (("2026-11-30", (False, [])), ("2026-12-01", (True, [RED_ON_1_DECEMBER])),
                            ("2026-12-02", (False, [RED_ON_1_DECEMBER])),
                            ("2026-12-03", (True, [RED_ON_1_DECEMBER, l3])),
                            ("2026-12-04", (False, [RED_ON_1_DECEMBER, l3]))):
        assert await _swept(api, as_of, computed, d) == [expected], as_of


@pytest.mark.today("2026-12-10")
async def test_a_withdrawn_stage_firing_does_not_keep_the_stage_from_firing_again(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Red and 督办 fired on 3 December, then the red withdrawn (as a firing on a provisional calendar that the
    official one does not bear out): the stage is computed again on the 4th and its red fires again."""
    computed = _computed_projects(monkeypatch)
    d = await open_dossier(api)
    await _land_stage_under_way(d)
    l3 = ("2026-12-03", "land_planning", "l3", "3")
    red = ("2026-12-03", "land_planning", "red", "3")
    assert await _swept(api, "2026-12-03", computed, d) == [(True, [l3, red])]
    await api.execute(update(Escalation).where(Escalation.subject_type == "stage",
                                               Escalation.subject_id == d.project["id"], Escalation.level == "red")
                      .values(status="withdrawn"))
    red_again = ("2026-12-04", "land_planning", "red", "4")
    assert await _swept(api, "2026-12-04", computed, d) == [(True, [l3, red, red_again])]


@pytest.mark.today("2026-12-10")
async def test_a_stage_paused_for_a_supplement_fires_once_its_used_days_pass_its_limit(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """建设用地规划许可 waited for a supplement (5, 12 November]: five working days the enterprise's. The stage's
    days since it started pass its limit on 1 December, its used days only on the 8th: it is computed from the
    1st and fires nothing before the 8th (red), 督办 on the 10th."""
    computed = _computed_projects(monkeypatch)
    d = await open_dossier(api)
    await _land_stage_under_way(d)
    await _clock(d, "ydghxk", ("paused", date(2026, 11, 5)), ("resumed", date(2026, 11, 12)))
    stage = await _land_stage(api, d, "2026-12-07")
    assert (stage["used_workdays"], stage["level"]) == (20, "yellow")
    red = ("2026-12-08", "land_planning", "red", "1")
    for as_of, expected in (("2026-12-01", (True, [])), ("2026-12-07", (True, [])), ("2026-12-08", (True, [red])),
                            ("2026-12-09", (True, [red])),
                            ("2026-12-10", (True, [red, ("2026-12-10", "land_planning", "l3", "3")]))):
        assert await _swept(api, as_of, computed, d) == [expected], as_of


@pytest.mark.today("2026-12-10")
async def test_a_stage_runs_from_its_items_clocks_not_only_their_recorded_dates(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two stages that their items' recorded submission and decision dates alone would keep within their limit on
    1 December: in one, 建设用地规划许可's clock started on 2 November, before the submission recorded for the
    20th (its time with the department starts with the clock); in the other its clock stopped on 1 December,
    after the decision recorded for 20 November, 不动产登记 still to come (its time ends with the clock). Both
    have used 21 working days of 20: computed, red."""
    computed = _computed_projects(monkeypatch)
    started_early, stopped_late = await open_dossier(api), await open_dossier(api)
    await started_early.api.execute(update(Approval).where(Approval.id == started_early.approval_id("xmba")).values(
        status="approved", submitted_on=date(2026, 11, 16), decided_on=date(2026, 11, 17)))
    await started_early.api.execute(update(Approval).where(Approval.id == started_early.approval_id("ydghxk"))
                                    .values(status="accepted", submitted_on=date(2026, 11, 20)))
    await _clock(started_early, "ydghxk", ("started", date(2026, 11, 2)))
    await stopped_late.api.execute(update(Approval).where(Approval.id == stopped_late.approval_id("xmba")).values(
        status="approved", submitted_on=date(2026, 11, 2), decided_on=date(2026, 11, 3)))
    await stopped_late.api.execute(update(Approval).where(Approval.id == stopped_late.approval_id("ydghxk")).values(
        status="approved", submitted_on=date(2026, 11, 3), decided_on=date(2026, 11, 20)))
    await _clock(stopped_late, "ydghxk", ("started", date(2026, 11, 4)), ("stopped", date(2026, 12, 1)))
    for d in (started_early, stopped_late):
        assert (await _land_stage(api, d, "2026-12-01"))["used_workdays"] == 21
    assert await _swept(api, "2026-12-01", computed, started_early, stopped_late) == [(True, [RED_ON_1_DECEMBER])] * 2


@pytest.mark.today("2026-12-10")
async def test_a_stage_whose_items_were_decided_within_its_limit_is_not_computed_while_it_waits(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """备案 and 建设用地规划许可 decided by 20 November (14 working days of 20), 不动产登记 not yet sent: the stage is
    under way for a month since it started, but its departments' time ended on the 20th. It is not computed and
    fires nothing."""
    computed = _computed_projects(monkeypatch)
    d = await open_dossier(api)
    await _land_stage_under_way(d)
    await d.api.execute(update(Approval).where(Approval.id == d.approval_id("ydghxk")).values(
        status="approved", decided_on=date(2026, 11, 20)))
    await _clock(d, "ydghxk", ("stopped", date(2026, 11, 20)))
    stage = await _land_stage(api, d, "2026-12-04")
    assert (stage["used_workdays"], stage["completed_on"], stage["level"]) == (14, None, "none")
    assert await _swept(api, "2026-12-04", computed, d) == [(False, [])]


def test_an_item_is_open_or_closed() -> None:
    """The sweep takes a stage with an item not closed as a stage of a running project (with an item open)."""
    assert sorted(OPEN_STATES + CLOSED_STATES) == sorted(APPROVAL_STATUSES)

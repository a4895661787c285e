"""The law's own rules on the department's side: an application not answered in 5 working days is accepted by
law (行政许可法 第三十二条), a one-time notice is once (一次性告知), a supplement period that passes lets the
department end the case, and every breach is on the department's record."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from agency.approvals.models import Approval
from agency.audit.models import AuditEvent
from agency.calendar.seed import default_calendar
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api

CALENDAR = default_calendar()


async def _sweep(api: Api, as_of: date) -> dict[str, Any]:
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers,
                                     json={"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _violations(api: Api, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/api/violations", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


@pytest.mark.today("2026-10-12")
async def test_an_application_unanswered_over_national_day_is_accepted_by_law_as_of_its_receipt(api: Api) -> None:
    """Received Thursday 24 September 2026: 中秋 (Friday 25th) and National Day (1–7 October) are not working
    days, so the 5 working days are 28, 29, 30 September, 8 and 9 October; on Saturday 10 October, a make-up
    working day, the law has accepted it as of 24 September."""
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba", prepare_on=date(2026, 9, 23))
    submitted = await d.ok(xmba, "submit", effective_on=date(2026, 9, 24))
    assert submitted["intake_answer_by"] == "2026-10-09"
    assert CALENDAR.add_workdays(date(2026, 9, 24), 5) == date(2026, 10, 9)

    on_the_last_day = await _sweep(api, date(2026, 10, 9))
    assert on_the_last_day["deemed"] == []
    assert (await d.get(xmba))["status"] == "submitted"

    after = await _sweep(api, date(2026, 10, 10))
    assert after["deemed"] == [xmba] and after["violations"] >= 1
    approval = await d.get(xmba)
    assert approval["status"] == "accepted" and approval["deemed"] is True
    assert approval["clock"]["accepted_on"] == "2026-09-24"
    assert approval["intake_answer_by"] is None
    # Its 1 working day promised ran out long ago: overdue, on the department's record too.
    assert approval["clock"]["level"] in ("red", "l3")

    again = await _sweep(api, date(2026, 10, 10))
    assert again["deemed"] == [] and again["violations"] == 0

    record = await _violations(api, fgj, approval_id=xmba)
    intake = [v for v in record if v["kind"] == "intake_overdue"]
    assert len(intake) == 1 and intake[0]["occurred_on"] == "2026-10-10"
    assert intake[0]["kind_name"] == "逾期未作受理决定（视为受理）"
    assert intake[0]["department_name"] == "发展和改革局" and intake[0]["approval_name"] == approval["name"]
    assert intake[0]["detail"] == {"received_on": "2026-09-24", "answer_by": "2026-10-09"}
    assert {v["kind"] for v in record} >= {"intake_overdue", "promised_overdue"}
    # Another department does not read it; the enterprise has no such list; the office filters by date.
    assert await _violations(api, await d.officer("zrzy"), approval_id=xmba) == []
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await api.client.get("/api/violations", headers=enterprise)).status_code == 403
    assert await _violations(api, d.clerk, approval_id=xmba, kind="intake_overdue", to="2026-10-09") == []
    assert len(await _violations(api, d.clerk, approval_id=xmba, kind="intake_overdue", **{"from": "2026-10-10"})) == 1
    # The department report counts each kind over the period; each count is the length of the list it stands for.
    report = (await api.client.get("/api/reports/departments", headers=d.clerk,
                                   params={"from": "2026-10-01", "to": "2026-10-31"})).json()
    counts = next(r for r in report if r["department_code"] == "fgj")["violations"]
    assert set(counts) == {"intake_overdue", "repeat_supplement", "promised_overdue", "statutory_overdue"}
    assert counts["intake_overdue"] >= 1
    for kind, count in counts.items():
        listed = await api.client.get("/api/violations", headers=d.clerk, params={
            "department_code": "fgj", "kind": kind, "from": "2026-10-01", "to": "2026-10-31"})
        assert listed.json()["total"] == count, kind
    async with api.sessions() as session:
        actions = list((await session.execute(select(AuditEvent.action).where(
            AuditEvent.object_type == "approval", AuditEvent.object_id == str(xmba)).order_by(AuditEvent.id))
        ).scalars())
    assert "approval.deemed_accept" in actions
    # Accepted by law, the department still decides.
    assert (await d.ok(xmba, "approve", fgj, certificate_no="2026-330521-01-03-000777"))["status"] == "approved"


@pytest.mark.today("2026-10-12")
async def test_an_offline_department_is_not_deemed_to_have_accepted(api: Api) -> None:
    """Agency does not see when an offline department received the papers: the rule is not applied to it."""
    d = await open_dossier(api)
    offline = next(a for a in d.project["approvals"] if a["department_code"] == "gdgs")  # 供电公司, offline
    await api.execute(_submitted(offline["id"], date(2026, 9, 1)))
    result = await _sweep(api, date(2026, 10, 12))
    assert offline["id"] not in result["deemed"]
    assert (await d.get(offline["id"]))["status"] == "submitted"


def _submitted(approval_id: int, on: date) -> Any:
    return update(Approval).where(Approval.id == approval_id).values(status="submitted", submitted_on=on,
                                                                     status_since=on)


async def _accepted(d: Dossier, item: str, on: date) -> int:
    approval_id = await d.ready_to_submit(item, prepare_on=on)
    await d.ok(approval_id, "submit", effective_on=on)
    # Backdated acts of an online department: the administrator records them (an officer acts on the day).
    await d.ok(approval_id, "accept", d.api.admin_headers, effective_on=on)
    return approval_id


@pytest.mark.today("2026-11-20")
async def test_a_one_time_notice_is_once_and_asking_again_for_the_unchanged_is_on_the_record(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await _accepted(d, "xmba", date(2026, 11, 16))
    blank = await d.act(xmba, "request_supplement", fgj, defects=[{"material_code": "sqb", "defect": "x"}])
    assert blank.status_code == 422 and "defect" in blank.text  # a defect says what is wrong: 2 characters at least
    first = await d.ok(xmba, "request_supplement", api.admin_headers, effective_on=date(2026, 11, 17),
                       defects=[{"material_code": "sqb", "defect": "缺少法定代表人签字"}])
    notice = first["decision"]["pending_supplement"]
    assert notice["missing_materials"] == ["sqb"] and notice["defects"] == {"sqb": "缺少法定代表人签字"}
    # 10 working days to answer, from the day of the notice.
    assert notice["due_on"] == CALENDAR.add_workdays(date(2026, 11, 17), 10).isoformat() == "2026-12-01"
    twice = await d.act(xmba, "request_supplement", fgj, missing_materials=["cns"])
    assert twice.status_code == 409  # the first notice is not answered yet
    await d.scan(xmba, "sqb")
    await d.ok(xmba, "resubmit")

    # 营业执照 and the 承诺书 were there at the first notice and have not changed: asking for them now needs a
    # reason, and is the department's violation; the application form was changed since, so asking is fair.
    silent = await d.act(xmba, "request_supplement", fgj, missing_materials=["sqb", "cns"])
    assert silent.status_code == 422 and silent.json()["extra"][0]["field"] == "reason", silent.text
    assert "承诺书" in silent.json()["detail"]
    second = await d.ok(xmba, "request_supplement", fgj, missing_materials=["sqb", "cns"], reason="承诺书版本已更新")
    assert second["decision"]["pending_supplement"]["missing_materials"] == ["sqb", "cns"]
    assert [r["materials"] for r in second["supplement_rounds"]] == [["sqb"], ["sqb", "cns"]]
    record = await _violations(api, fgj, approval_id=xmba, kind="repeat_supplement")
    assert [(v["detail"]["material_code"], v["detail"]["reason"]) for v in record] == [("cns", "承诺书版本已更新")]
    assert record[0]["detail"]["material_name"] == "项目信息真实性及符合产业政策承诺书"


async def _asked_on_18_november(api: Api) -> tuple[Dossier, dict[str, str], int]:
    d = await open_dossier(api)
    xmba = await _accepted(d, "xmba", date(2026, 11, 16))
    await d.ok(xmba, "request_supplement", api.admin_headers, missing_materials=["sqb"],
               effective_on=date(2026, 11, 18))
    return d, await d.officer("fgj"), xmba


@pytest.mark.today("2026-12-02")
async def test_the_department_ends_a_case_whose_supplement_period_passed(api: Api) -> None:
    d, fgj, xmba = await _asked_on_18_november(api)
    # Due 2 December: on that day the enterprise may still answer.
    assert (await d.get(xmba))["decision"]["pending_supplement"]["due_on"] == "2026-12-02"
    early = await d.act(xmba, "terminate", fgj, reason="逾期未补正")
    assert early.status_code == 409 and early.json()["extra"]["due_on"] == "2026-12-02"


@pytest.mark.today("2026-12-03")
async def test_a_terminated_case_is_closed_and_stops_its_clock(api: Api) -> None:
    d, fgj, xmba = await _asked_on_18_november(api)
    by_clerk = await d.act(xmba, "terminate", reason="逾期未补正")
    assert by_clerk.status_code == 403
    no_reason = await d.act(xmba, "terminate", fgj)
    assert no_reason.status_code == 422 and no_reason.json()["extra"][0]["field"] == "reason"
    ended = await d.ok(xmba, "terminate", fgj, reason="申请人逾期未补正")
    assert ended["status"] == "terminated" and ended["status_name"] == "终止办理"
    assert ended["clock"]["finished_on"] is not None and ended["allowed_actions"] == []
    again = await d.act(xmba, "resubmit")
    assert again.status_code == 409


async def test_the_projects_scale_sets_the_statutory_limit_of_a_drawing_review_not_yet_accepted(api: Api) -> None:
    """施工图审查: 15 working days for a large project, 10 for a medium or small one (部令第13号); until the scale is
    known, the longer. A clock that has started keeps the limit it started with."""
    d = await open_dossier(api)
    sgtsc = d.approval_id("sgtsc")

    async def limit() -> Any:
        return (await d.get(sgtsc))["clock"]["statutory_limit"]

    assert await limit() == {"count": 15, "unit": "workday"}
    url = f"/api/projects/{d.project['id']}/facts"
    assert (await api.client.put(url, headers=d.clerk, json={"scale": "medium_and_small"})).status_code == 200
    assert await limit() == {"count": 10, "unit": "workday"}
    wrong = await api.client.put(url, headers=d.clerk, json={"scale": "huge"})
    assert wrong.status_code == 422 and "scale" in wrong.text
    await d.force_approved("gcghxk")
    await d.ready_to_submit("sgtsc")
    await d.ok(sgtsc, "submit")
    await d.ok(sgtsc, "accept", await d.officer("zjj"))
    assert (await api.client.put(url, headers=d.clerk, json={"scale": "large"})).status_code == 200
    assert await limit() == {"count": 10, "unit": "workday"}

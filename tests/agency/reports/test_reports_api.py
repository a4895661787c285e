"""The department report (按时办结率, 提速率, 黄/红牌, 满意率, 评议率) against figures computed by hand
on a fresh database, its spreadsheet, and the leader's dashboard."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import update

from agency import timeutil
from agency.escalation.models import Escalation
from agency.evaluations.models import Evaluation
from agency.projects.models import Project
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api, FreshApi

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}

# _arrange's scenario is written in October and November 2026 dates, the last act on Friday 20 November: the
# tests that use it take place the next working day, whatever day the run is on.
AFTER_THE_SCENARIO = "2026-11-23"


async def _accepted(d: Dossier, item: str, accepted_on: date) -> int:
    """Prepared and submitted the working days before, accepted on ``accepted_on`` (recorded by an admin)."""
    approval_id = await d.ready_to_submit(item, prepare_on=date(2026, 10, 15))
    await d.ok(approval_id, "submit", effective_on=date(2026, 10, 16))
    await d.ok(approval_id, "accept", d.api.admin_headers, effective_on=accepted_on)
    return approval_id


async def _approve(d: Dossier, approval_id: int, on: date) -> None:
    await d.ok(approval_id, "approve", d.api.admin_headers, certificate_no=f"CERT-{approval_id}", effective_on=on)


async def _rate(api: Api, d: Dossier, approval_id: int, score: int) -> dict[str, Any]:
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    rated = await api.client.post("/api/evaluations", headers=enterprise, json={"approval_id": approval_id,
                                                                                 "score": score})
    assert rated.status_code == 201, rated.text
    return dict(rated.json())


async def _card(api: Api, d: Dossier, approval_id: int, department: str, level: str, as_of: date) -> None:
    async with api.sessions() as session:
        session.add(Escalation(subject_id=approval_id, approval_id=approval_id, project_id=d.project["id"],
                               department_code=department,
                               rule="clock", level=level, as_of=as_of, fired_at=timeutil.now(), status="open"))
        await session.commit()


async def _arrange(api: Api) -> tuple[Dossier, Dossier]:
    a, b = await open_dossier(api), await open_dossier(api)
    await a.force_approved("xmba", on=date(2026, 10, 12))
    await b.force_approved("xmba", on=date(2026, 10, 12))
    # zrzy 建设用地规划许可 (statutory 20 WD, promised 5 WD), both accepted Monday 2 November: due 9 November.
    a_ydg = await _accepted(a, "ydghxk", date(2026, 11, 2))
    await _approve(a, a_ydg, date(2026, 11, 6))  # 4 WD (3–6 Nov): on time; 提速 (20 − 4)/20 = 0.8
    b_ydg = await _accepted(b, "ydghxk", date(2026, 11, 2))
    await b.ok(b_ydg, "reject", api.admin_headers, reason="用地性质与规划条件不符", effective_on=date(2026, 11, 12),
               legal_basis="《城乡规划法》第三十七条")  # 8 WD (3–6, 9–12 Nov): late; 提速 (20 − 8)/20 = 0.6
    # sthj 环评 (statutory 30 calendar days, promised 10 WD): due 16 November, decided 20 November: late;
    # the statutory limit counts calendar days, so actual = 18 days (3–20 Nov): 提速 (30 − 18)/30 = 0.4.
    a_hp = await _accepted(a, "hp", date(2026, 11, 2))
    await _approve(a, a_hp, date(2026, 11, 20))
    # fgj 节能审查 decided in October (2 WD, on time): outside November; slj 水保 accepted, not decided.
    a_jn = await _accepted(a, "jnsc", date(2026, 10, 21))
    await _approve(a, a_jn, date(2026, 10, 23))
    await _accepted(b, "stbc", date(2026, 11, 2))
    # Ratings: zrzy 5 and 2, sthj 4 (dated in November whenever the test runs).
    await _rate(api, a, a_ydg, 5)
    await _rate(api, b, b_ydg, 2)
    await _rate(api, a, a_hp, 4)
    await api.execute(update(Evaluation).values(rated_on=date(2026, 11, 20)))
    # Cards: zrzy yellow ×2, one approval red then L3 (one red item); sthj red, and a yellow in October.
    await _card(api, a, a_ydg, "zrzy", "yellow", date(2026, 11, 5))
    await _card(api, b, b_ydg, "zrzy", "yellow", date(2026, 11, 6))
    await _card(api, b, b_ydg, "zrzy", "red", date(2026, 11, 10))
    await _card(api, b, b_ydg, "zrzy", "l3", date(2026, 11, 13))
    await _card(api, a, a_hp, "sthj", "red", date(2026, 11, 17))
    await _card(api, a, a_hp, "sthj", "yellow", date(2026, 10, 30))
    return a, b


@pytest.fixture
def fresh(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FreshApi:
    return FreshApi(backend, tmp_path)


@pytest.mark.today(AFTER_THE_SCENARIO)
async def test_department_report_figures_and_spreadsheet(fresh: FreshApi) -> None:
    async with fresh as api:
        await _arrange(api)
        leader = await api.user_headers("leader")
        response = await api.client.get("/api/reports/departments", headers=leader, params=NOVEMBER)
        assert response.status_code == 200, response.text
        rows = {r["department_code"]: r for r in response.json()}
        assert rows["zrzy"] == {
            "department_code": "zrzy", "department_name": rows["zrzy"]["department_name"],
            "completed": 2, "on_time": 1, "on_time_rate": 0.5, "speedup_rate": pytest.approx(0.7),
            "yellow": 2, "red": 1, "rated": 2, "satisfied": 1, "satisfaction_rate": 0.5, "evaluation_rate": 1.0,
            # b's rejection on 12 November, past its promised 9 November (recorded the day after, the 10th).
            "violations": {"intake_overdue": 0, "repeat_supplement": 0, "promised_overdue": 1,
                           "statutory_overdue": 0},
            "speedup_measured": 2}  # both decisions had a statutory limit: the speed-up is their mean
        assert rows["zrzy"]["department_name"] == "自然资源和规划局"
        sthj = rows["sthj"]
        assert (sthj["completed"], sthj["on_time"], sthj["on_time_rate"]) == (1, 0, 0.0)
        assert sthj["speedup_rate"] == pytest.approx(0.4)
        assert (sthj["yellow"], sthj["red"], sthj["rated"], sthj["satisfaction_rate"]) == (0, 1, 1, 1.0)
        # 环评 decided 20 November past its promised 16th; its 30 calendar days were not passed.
        assert (sthj["violations"]["promised_overdue"], sthj["violations"]["statutory_overdue"]) == (1, 0)
        # Nothing completed in November: the rates are null, not 0.
        for code in ("fgj", "slj"):
            assert rows[code]["completed"] == 0
            assert rows[code]["on_time_rate"] is None and rows[code]["speedup_rate"] is None
            assert rows[code]["evaluation_rate"] is None and rows[code]["satisfaction_rate"] is None

        october = {r["department_code"]: r for r in (await api.client.get(
            "/api/reports/departments", headers=leader, params={"from": "2026-10-01", "to": "2026-10-31"})).json()}
        # 节能审查: accepted 21 Oct, decided 23 Oct = 2 WD of a 20 WD statutory limit: (20 − 2)/20 = 0.9.
        # The two 备案 recorded as approved on 12 October without any clock are completed but not on time
        # (nothing shows they were), and 备案 has no statutory limit: 1 on time of 3, speed-up of 节能审查 only.
        assert (october["fgj"]["completed"], october["fgj"]["on_time"]) == (3, 1)
        assert october["fgj"]["on_time_rate"] == pytest.approx(1 / 3)
        assert october["fgj"]["speedup_rate"] == pytest.approx(0.9)
        assert october["sthj"]["yellow"] == 1 and october["zrzy"]["completed"] == 0

        sheet_response = await api.client.get("/api/reports/departments", headers=leader,
                                              params={**NOVEMBER, "format": "xlsx"})
        assert sheet_response.status_code == 200
        assert sheet_response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        disposition = sheet_response.headers["content-disposition"]
        assert "attachment" in disposition and "filename*=UTF-8''" in disposition and "%E9%83%A8" in disposition
        book = openpyxl.load_workbook(io.BytesIO(sheet_response.content))
        sheet = book.active
        assert sheet is not None
        assert "2026-11-01" in str(sheet["A1"].value) and "2026-11-30" in str(sheet["A1"].value)
        headers = [c.value for c in sheet[2]]
        assert headers[:6] == ["部门代码", "部门名称", "办结件数", "按时办结件数", "按时办结率", "提速率"]
        line = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "zrzy")
        by_header = dict(zip(headers, line, strict=True))
        assert by_header["办结件数"].value == 2 and isinstance(by_header["办结件数"].value, int)
        assert by_header["按时办结率"].value == 0.5 and by_header["按时办结率"].number_format == "0.0%"
        assert by_header["提速率"].value == pytest.approx(0.7) and by_header["满意率"].value == 0.5
        empty = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "fgj")
        assert dict(zip(headers, empty, strict=True))["按时办结率"].value is None
        # The totals row: counts summed, each rate recomputed from the sums; every rate defined on its own sheet.
        total = dict(zip(headers, next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "合计"), strict=True))
        assert total["办结件数"].value == sum(r["completed"] for r in rows.values())
        assert total["按时办结率"].value == pytest.approx(
            sum(r["on_time"] for r in rows.values()) / sum(r["completed"] for r in rows.values()))
        defined = {r[0].value for r in book["指标说明"].iter_rows(min_row=2)}
        assert {"按时办结率", "提速率", "满意率", "评议率"} <= defined


async def test_report_access_and_period(fresh: FreshApi) -> None:
    async with fresh as api:
        for role in ("leader", "clerk"):
            assert (await api.client.get("/api/reports/departments",
                                         headers=await api.user_headers(role))).status_code == 200
        assert (await api.client.get("/api/reports/departments", headers=api.admin_headers)).status_code == 200
        department = await api.user_headers("department", department_code="fgj")
        assert (await api.client.get("/api/reports/departments", headers=department)).status_code == 403
        backwards = await api.client.get("/api/reports/departments", headers=api.admin_headers,
                                         params={"from": "2026-11-30", "to": "2026-11-01"})
        assert backwards.status_code == 422 and backwards.json()["extra"][0]["field"] == "from"
        bad = await api.client.get("/api/reports/departments", headers=api.admin_headers, params={"format": "pdf"})
        assert bad.status_code in (400, 422)


@pytest.mark.today(AFTER_THE_SCENARIO)
async def test_dashboard(fresh: FreshApi) -> None:
    async with fresh as api:
        a, b = await _arrange(api)
        await api.execute(update(Project).where(Project.id == a.project["id"]).values(
            green_channel_status="approved"))
        await api.execute(update(Project).where(Project.id == b.project["id"]).values(
            green_channel_status="requested", green_channel_reason="省重点项目"))
        leader = await api.user_headers("leader")
        response = await api.client.get("/api/dashboard", headers=leader)
        assert response.status_code == 200, response.text
        body = response.json()
        green = [p for p in body["green_channel"] if p["id"] == a.project["id"]]
        assert len(green) == 1
        # 用地规划 items are done (xmba, ydghxk) except 不动产权证书（土地）, still planned.
        assert green[0]["stage"] is not None and green[0]["worst_level"] in ("red", "l3", "yellow", "none", "prompt")
        assert green[0]["enterprise"]
        assert [p["id"] for p in body["pending_green_channel"]] == [b.project["id"]]
        assert body["pending_green_channel"][0]["reason"] == "省重点项目"
        assert body["counts"]["open"] == 2
        # Open cards of any date, each approval once per level: yellow on three, red on two, l3 on one.
        assert (body["counts"]["yellow"], body["counts"]["red"], body["counts"]["l3"]) == (3, 2, 1)
        assert {e["level"] for e in body["open_escalations"]} == {"yellow", "red", "l3"}
        assert body["open_escalations"][0]["level"] == "l3"
        assert [f["score"] for f in body["follow_ups"]] == [2]
        rates = [d["on_time_rate"] for d in body["departments"]]
        known = [r for r in rates if r is not None]
        assert known == sorted(known, reverse=True) and rates[:len(known)] == known
        assert {d["department_code"] for d in body["departments"]} >= {"zrzy", "sthj", "fgj"}
        assert (await api.client.get("/api/dashboard", headers=a.clerk)).status_code == 403
        assert (await api.client.get("/api/dashboard", headers=api.admin_headers)).status_code == 200


async def test_dashboard_reads_every_green_channel_project_in_a_fixed_number_of_queries(fresh: FreshApi) -> None:
    from sqlalchemy import event

    async with fresh as api:
        leader = await api.user_headers("leader")
        statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        async def dashboard_statements() -> int:
            engine = api.client.app.state.engine.sync_engine
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            try:
                response = await api.client.get("/api/dashboard", headers=leader)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200, response.text
            return len(statements)

        dossiers = [await open_dossier(api) for _ in range(4)]
        await api.execute(update(Project).where(Project.id == dossiers[0].project["id"]).values(
            green_channel_status="approved"))
        await dashboard_statements()
        with_one = await dashboard_statements()
        await api.execute(update(Project).where(Project.id.in_([d.project["id"] for d in dossiers])).values(
            green_channel_status="approved"))
        with_four = await dashboard_statements()
        body = (await api.client.get("/api/dashboard", headers=leader)).json()
        assert len(body["green_channel"]) == 4
        assert all(p["forecast_completion"] for p in body["green_channel"])
        # Per project it would be five or more statements each; the calendar and token caches expire
        # on a timer, so either run may include their one statement each.
        assert with_four <= with_one + 2, (with_one, with_four)

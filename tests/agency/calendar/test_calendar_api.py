"""The working calendar through HTTP and the CLI: official and provisional years, an admin's
correction that moves every planned date, and the import of next year's official schedule."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.agency.projects.project_factory import by_code, create_enterprise, fresh_api, get_project, open_project
from tests.support import Api, import_calendar

# A Wednesday without any holiday: making it one shifts every planned date of a project that
# starts on Monday 2 March 2026 by one working day.
PLAIN_WEDNESDAY = "2026-03-04"
MONDAY = "2026-03-02"

SCHEDULE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知（测试用）
year 2027
source official
title 国办发明电〔2026〕7号
2027-01-01 休 元旦
2027-02-06..2027-02-14 休 春节
2027-02-20 班 春节调休
2027-10-01..2027-10-07 休 国庆节
2027-10-09 班 国庆节调休
"""


async def year(api: Api, headers: dict[str, str], number: int) -> dict[str, Any]:
    response = await api.client.get(f"/api/calendar/{number}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def days_of(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["date"]: d for d in view["days"]}


async def test_2026_is_official_with_national_day_and_its_make_up_saturday(api: Api) -> None:
    view = await year(api, await api.user_headers("clerk"), 2026)
    assert view["year"] == 2026 and view["source"] == "official"
    days = days_of(view)
    # 国庆节 1–7 October: the weekdays among them are holidays (3 and 4 October are a weekend anyway).
    for day in ("2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"):
        assert days[day]["workday"] is False, day
        assert "国庆" in days[day]["note"]
    assert "2026-10-03" not in days and "2026-10-04" not in days
    assert days["2026-10-10"]["workday"] is True and "调休" in days["2026-10-10"]["note"]
    # 春节: 16–20 and 23 February off, Saturdays 14 and 28 February worked.
    for day in ("2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"):
        assert days[day]["workday"] is False and "春节" in days[day]["note"], day
    for day in ("2026-02-14", "2026-02-28"):
        assert days[day]["workday"] is True and "春节" in days[day]["note"], day
    assert days["2026-04-06"]["workday"] is False  # 清明节
    assert {d["source"] for d in view["days"]} == {"official"}
    assert [d["date"] for d in view["days"]] == sorted(days)


async def test_2027_is_provisional_until_its_schedule_is_published(api: Api) -> None:
    view = await year(api, await api.user_headers("enterprise", enterprise_id=await _some_enterprise(api)), 2027)
    assert view["source"] == "provisional"
    days = days_of(view)
    assert days["2027-01-01"]["workday"] is False and days["2027-01-01"]["note"] == "元旦"
    assert days["2027-10-01"]["workday"] is False
    # Nobody knows the lunar holidays or the make-up days yet.
    assert all(d["workday"] is False for d in view["days"])


async def _some_enterprise(api: Api) -> int:
    return int((await create_enterprise(api, await api.user_headers("clerk")))["id"])


async def test_calendar_outside_the_supported_years_is_a_clear_422(api: Api) -> None:
    response = await api.client.get("/api/calendar/1999", headers=await api.user_headers("clerk"))
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "year"


@pytest.mark.parametrize("role", ["clerk", "leader", "department"])
async def test_only_the_administrator_changes_the_calendar(api: Api, role: str) -> None:
    binding = {"department_code": "fgj"} if role == "department" else {}
    headers = await api.user_headers(role, **binding)
    response = await api.client.put(f"/api/calendar/{PLAIN_WEDNESDAY}", json={"workday": False, "note": "停电"},
                                    headers=headers)
    assert response.status_code == 403
    assert PLAIN_WEDNESDAY not in days_of(await year(api, headers, 2026))


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "tomorrow", "2026-3-4x"])
async def test_a_date_that_does_not_exist_is_refused_naming_the_date(api: Api, day: str) -> None:
    response = await api.client.put(f"/api/calendar/{day}", json={"workday": False, "note": "x"},
                                    headers=api.admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["field"] == "date"


async def test_a_date_outside_the_supported_range_is_refused(api: Api) -> None:
    response = await api.client.put("/api/calendar/1999-01-04", json={"workday": False, "note": "x"},
                                    headers=api.admin_headers)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "date"


async def test_a_bad_calendar_body_names_the_field(api: Api) -> None:
    response = await api.client.put(f"/api/calendar/{PLAIN_WEDNESDAY}", json={"workday": "perhaps"},
                                    headers=api.admin_headers)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "workday"


@pytest.fixture
async def wednesday_restored(api: Api) -> AsyncIterator[None]:
    """Whatever the test does to the plain Wednesday, the shared calendar gets it back as a workday."""
    yield
    response = await api.client.put(f"/api/calendar/{PLAIN_WEDNESDAY}", json={"workday": True, "note": ""},
                                    headers=api.admin_headers)
    assert response.status_code == 202
    await finished(api, response.json()["job_id"])


async def finished(api: Api, job_id: int) -> dict[str, Any]:
    """The calendar change's recompute of the clocks, a background job: followed until it ends."""
    for _ in range(200):
        job = (await api.client.get(f"/api/jobs/{job_id}", headers=api.admin_headers)).json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the recompute {job_id} did not end")


async def test_a_new_holiday_moves_the_planned_dates_and_taking_it_back_restores_them(
        api: Api, wednesday_restored: None) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    project = await open_project(api, clerk, enterprise["id"])
    before = await get_project(api, clerk, project["id"], as_of=MONDAY)
    # The hand-computed forecast of tests/agency/projects/test_projects_api.py (14 items: 消防验收 and 规划核实
    # are opinions inside 联合验收 on this route): Friday 24 April.
    assert before["forecast"]["completion_date"] == "2026-04-24"
    assert by_code(before)["ydghxk"]["planned_finish"] == "2026-03-10"

    response = await api.client.put(f"/api/calendar/{PLAIN_WEDNESDAY}",
                                    json={"workday": False, "note": "县城区停电检修"}, headers=api.admin_headers)
    assert response.status_code == 202
    assert response.json() == response.json() | {"date": PLAIN_WEDNESDAY, "workday": False}
    assert (await finished(api, response.json()["job_id"]))["status"] == "done"

    moved = await get_project(api, clerk, project["id"], as_of=MONDAY)
    # Every date from 4 March on is one working day later; Friday 24 April moves over the weekend to Monday 27 April.
    assert by_code(moved)["xmba"]["planned_finish"] == "2026-03-03"
    assert by_code(moved)["ydghxk"]["planned_finish"] == "2026-03-11"
    assert by_code(moved)["sgxk"]["planned_finish"] == "2026-04-13"
    assert moved["forecast"]["completion_date"] == "2026-04-27"
    assert moved["forecast"]["working_days"] == before["forecast"]["working_days"]
    view = await year(api, clerk, 2026)
    assert view["source"] == "mixed"
    assert days_of(view)[PLAIN_WEDNESDAY] == days_of(view)[PLAIN_WEDNESDAY] | {
        "workday": False, "note": "县城区停电检修", "source": "admin"}

    back = await api.client.put(f"/api/calendar/{PLAIN_WEDNESDAY}", json={"workday": True, "note": ""},
                                headers=api.admin_headers)
    assert back.status_code == 202
    await finished(api, back.json()["job_id"])
    restored = await get_project(api, clerk, project["id"], as_of=MONDAY)
    assert restored["forecast"] == before["forecast"]
    view = await year(api, clerk, 2026)
    assert view["source"] == "official" and PLAIN_WEDNESDAY not in days_of(view)


async def test_calendar_change_is_audited(api: Api, wednesday_restored: None) -> None:
    from sqlalchemy import select

    from agency.audit.models import AuditEvent

    await api.client.put(f"/api/calendar/{PLAIN_WEDNESDAY}", json={"workday": False, "note": "审计"},
                         headers=api.admin_headers)
    async with api.sessions() as session:
        event = (await session.execute(select(AuditEvent).where(
            AuditEvent.action == "calendar.set_day", AuditEvent.object_id == PLAIN_WEDNESDAY)
            .order_by(AuditEvent.id.desc()).limit(1))).scalar_one()
    assert event.actor_role == "admin"
    assert event.after == event.after | {"workday": False, "note": "审计"} and event.after["revision"] > 1


async def test_importing_the_2027_schedule_makes_2027_official_and_clears_provisional_forecasts(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with fresh_api(backend, tmp_path) as api:
        clerk = await api.user_headers("clerk")
        enterprise = await create_enterprise(api, clerk)
        project = await open_project(api, clerk, enterprise["id"])
        # Seen on Tuesday 15 December 2026 the dossier is planned into a year known only by its estimate
        # (the statutory holidays: 除夕 5 February, 初三 8 February and the weekend's two days made up on
        # 9 and 10 February): xmba 16 Dec; ydghxk, tddj 23 Dec; gcghxk 4 Jan (1 Jan off); sgtsc 13 Jan;
        # xfsj 20 Jan; sgxk 25 Jan; (竣工 assumed at once) lhys 26–29 Jan, 1 Feb (消防验收 and 规划核实 are
        # its participants, not items); fwdj 2, 3, 4, 11, 12 Feb 2027 — with dljr's 10 WD after the permit.
        provisional = await get_project(api, clerk, project["id"], as_of="2026-12-15")
        assert provisional["forecast"]["completion_date"] == "2027-02-12"
        assert provisional["forecast"]["provisional"] is True

        file = tmp_path / "2027.txt"
        file.write_text(SCHEDULE_2027, encoding="utf-8")
        code, output = await asyncio.to_thread(import_calendar, api.settings.database_url, file, tmp_path,
                                               monkeypatch)
        assert code == 0, output
        assert "2027" in output and "official" in output

        view = await year(api, clerk, 2027)
        assert view["source"] == "official"
        assert days_of(view) == {
            "2027-01-01": {"date": "2027-01-01", "workday": False, "note": "元旦", "source": "official"},
            **{f"2027-02-{d:02d}": {"date": f"2027-02-{d:02d}", "workday": False, "note": "春节",
                                    "source": "official"} for d in range(8, 13)},
            "2027-02-20": {"date": "2027-02-20", "workday": True, "note": "春节调休", "source": "official"},
            **{f"2027-10-{d:02d}": {"date": f"2027-10-{d:02d}", "workday": False, "note": "国庆节",
                                    "source": "official"} for d in (1, 4, 5, 6, 7)},
            "2027-10-09": {"date": "2027-10-09", "workday": True, "note": "国庆节调休", "source": "official"},
        }
        official = await get_project(api, clerk, project["id"], as_of="2026-12-15")
        assert official["forecast"]["provisional"] is False
        # The schedule works 5 February and rests 8–12 February instead: lhys still 1 Feb; fwdj 2, 3, 4, 5,
        # 15 Feb (and dljr with it) — three days later than the estimate, official now.
        assert official["forecast"]["completion_date"] == "2027-02-15"


async def test_importing_a_broken_calendar_file_changes_nothing(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with fresh_api(backend, tmp_path) as api:
        file = tmp_path / "2027.txt"
        file.write_text(SCHEDULE_2027.replace("2027-02-20 班", "2027-02-22 班"), encoding="utf-8")
        code, output = await asyncio.to_thread(import_calendar, api.settings.database_url, file, tmp_path,
                                               monkeypatch)
        assert code == 1
        assert "2027-02-22" in output and "第 7 行" in output
        assert (await year(api, api.admin_headers, 2027))["source"] == "provisional"

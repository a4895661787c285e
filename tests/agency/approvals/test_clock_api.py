"""The legal clock as the approval response shows it, in working days of the real calendar."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agency.access import SYSTEM
from agency.audit.models import AuditEvent
from agency.calendar import service as calendar_service
from agency.calendar.seed import default_calendar
from agency.timeutil import today_local
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api, FreshApi


async def _offline_accepted(d: Dossier, accepted_on: date, *, prepared_on: date | None = None) -> int:
    """电力接入 (供电公司, offline, promised 10 working days) accepted on a past date recorded by the clerk."""
    await d.force_approved("sgxk", on=(prepared_on or accepted_on) - timedelta(days=3))
    dljr = await d.ready_to_submit("dljr", prepare_on=prepared_on or accepted_on - timedelta(days=2))
    await d.ok(dljr, "submit", effective_on=accepted_on - timedelta(days=1))
    await d.ok(dljr, "accept", effective_on=accepted_on)
    return dljr


@pytest.mark.today("2025-10-10")
async def test_accepted_the_friday_before_national_day_2025(api: Api) -> None:
    d = await open_dossier(api)
    dljr = await _offline_accepted(d, date(2025, 9, 26))
    clock = (await d.get(dljr, as_of="2025-10-09"))["clock"]
    # Counting starts the next working day, Sunday 28 September (调休上班); 1–8 October are holidays;
    # Saturday 11 October is a make-up workday: the 10th working day is Thursday 16 October.
    assert clock["accepted_on"] == "2025-09-26"
    assert clock["due_on"] == "2025-10-16"
    assert clock["elapsed_workdays"] == 4  # 28, 29, 30 September and 9 October
    assert clock["remaining_workdays"] == 6
    assert clock["level"] == "none"


@pytest.mark.today("2026-11-11")
async def test_supplement_pauses_and_resubmission_resumes(api: Api) -> None:
    d = await open_dossier(api)
    dljr = await _offline_accepted(d, date(2026, 11, 2))
    assert (await d.get(dljr, as_of="2026-11-03"))["clock"]["due_on"] == "2026-11-16"
    material = (await d.get(dljr))["materials"][0]["code"]
    paused = await d.ok(dljr, "request_supplement", missing_materials=[material], effective_on=date(2026, 11, 4))
    assert paused["clock"]["paused"] is True
    await d.scan(dljr, material)
    await d.ok(dljr, "resubmit", effective_on=date(2026, 11, 9))
    clock = (await d.get(dljr, as_of="2026-11-10"))["clock"]
    # Paused 5, 6 and 9 November (the pause day itself counts as used): due three working days later.
    assert clock["paused"] is False
    assert clock["due_on"] == "2026-11-19"
    assert clock["elapsed_workdays"] == 3  # 3 and 4 November, then 10 November


@pytest.mark.today("2026-11-04")
async def test_extension_adds_to_promised_and_statutory_due_dates(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    ydghxk = await d.ready_to_submit("ydghxk", prepare_on=date(2026, 10, 28))
    await d.ok(ydghxk, "submit", effective_on=date(2026, 10, 30))
    # An administrator corrects the record of an online department: the date is given explicitly.
    await d.ok(ydghxk, "accept", api.admin_headers, effective_on=date(2026, 11, 2))
    before = (await d.get(ydghxk, as_of="2026-11-03"))["clock"]
    assert (before["due_on"], before["statutory_due_on"]) == ("2026-11-09", "2026-11-30")
    await d.ok(ydghxk, "extend", api.admin_headers, days=5, reason="需组织专家论证", effective_on=date(2026, 11, 3))
    after = (await d.get(ydghxk, as_of="2026-11-03"))["clock"]
    assert (after["due_on"], after["statutory_due_on"]) == ("2026-11-16", "2026-12-07")


@pytest.mark.today("2026-11-04")
async def test_calendar_day_limit_counts_calendar_days(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    hp = await d.ready_to_submit("hp", prepare_on=date(2026, 10, 28))
    await d.ok(hp, "submit", effective_on=date(2026, 10, 30))
    await d.ok(hp, "accept", api.admin_headers, effective_on=date(2026, 11, 2))
    clock = (await d.get(hp, as_of="2026-11-03"))["clock"]
    assert clock["statutory_limit"] == {"count": 30, "unit": "calendar_day"}
    assert clock["statutory_due_on"] == "2026-12-02"  # 30 calendar days, landing on a Wednesday
    assert clock["due_on"] == "2026-11-16"  # the promised 10 working days


async def test_offline_acceptance_backdated_thirty_workdays_is_past_red(api: Api) -> None:
    d = await open_dossier(api)
    calendar = default_calendar()
    today = today_local()
    accepted_on = calendar.add_workdays(today, -30)
    dljr = await _offline_accepted(d, accepted_on)
    clock = (await d.get(dljr))["clock"]
    # Thirty working days back from a working day, twenty-nine from a Sunday or a holiday: the clock counts
    # the working days after the acceptance up to today, whatever kind of day today is.
    counted = calendar.workdays_between(accepted_on, today)
    assert counted == (30 if calendar.is_workday(today) else 29)
    assert clock["remaining_workdays"] == 10 - counted
    # Red for 20 working days: by DESIGN.md's rule, red that persists 3 working days is 督办 L3.
    assert clock["level"] == "l3"
    d2 = await open_dossier(api)
    just_late = await _offline_accepted(d2, calendar.add_workdays(today, -11))
    assert (await d2.get(just_late))["clock"]["level"] == "red"
    async with api.sessions() as session:
        recorded = (await session.execute(select(AuditEvent).where(
            AuditEvent.action == "approval.accept", AuditEvent.object_id == str(dljr)))).scalar_one()
    assert recorded.after is not None and recorded.after["recorded_for_department"] == "gdgs"
    assert recorded.actor_role == "clerk"


@pytest.mark.today("2026-11-05")
async def test_offline_acts_need_a_past_effective_date_after_the_previous_event(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("sgxk")
    dljr = await d.ready_to_submit("dljr", prepare_on=date(2026, 11, 2))
    await d.ok(dljr, "submit", effective_on=date(2026, 11, 4))
    missing = await d.act(dljr, "accept")
    assert missing.status_code == 422 and missing.json()["extra"][0]["field"] == "effective_on"
    future = await d.act(dljr, "accept", effective_on=today_local() + timedelta(days=1))
    assert future.status_code == 422 and "future" in future.json()["detail"]
    before = await d.act(dljr, "accept", effective_on=date(2026, 11, 3))
    assert before.status_code == 422 and "2026-11-04" in before.json()["detail"]


async def test_twenty_concurrent_accepts_one_wins(api: Api) -> None:
    d = await open_dossier(api)
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    submitted = await d.ok(xmba, "submit")
    responses = await asyncio.gather(*(d.act(xmba, "accept", fgj, version=submitted["version"]) for _ in range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19, codes
    async with api.sessions() as session:
        accepted = (await session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "approval.accept", AuditEvent.object_id == str(xmba)))).scalar_one()
    assert accepted == 1


@pytest.mark.today("2026-12-07")  # accepted on a Monday in December: 30 working days run into 2027
async def test_due_date_in_provisional_2027_becomes_official_after_import(backend: str, tmp_path: Path) -> None:
    async with FreshApi(backend, tmp_path) as api:
        d = await open_dossier(api)
        await d.force_approved("xmba")
        bdc = await d.officer("bdc")
        tddj = await d.ready_to_submit("tddj")
        await d.ok(tddj, "submit")
        accepted = await d.ok(tddj, "accept", bdc)
        clock = accepted["clock"]
        assert clock["statutory_limit"] == {"count": 30, "unit": "workday"}
        assert clock["statutory_due_on"] >= "2027-01-01" and clock["provisional"] is True
        schedule = "year 2027\nsource official\n2027-01-01 休 元旦\n2027-01-04 休 元旦（假设的官方安排）\n"
        async with api.sessions() as session:
            await calendar_service.import_file(session, SYSTEM, schedule)
            await session.commit()
        after = (await d.get(tddj))["clock"]
        assert after["provisional"] is False
        if clock["statutory_due_on"] >= "2027-01-04":
            assert after["statutory_due_on"] > clock["statutory_due_on"]

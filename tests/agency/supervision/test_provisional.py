"""Firings made on the estimated 2027, judged again when the official 2027 schedule is imported.

The estimate of 2027 (chinesecalendar stops at 2026) keeps 除夕 Friday 5 February and 8–10 February off;
the schedule imported here (a test one) keeps 8–12 February off and Friday 5 February is worked. Five
working days from Wednesday 3 February are due on Tuesday 16 February by the estimate and Wednesday
17 February by the schedule: the red card the estimate fired on the 17th is withdrawn with its reason,
the yellow card and the prompt of the 16th stand, and the real red card fires on the 18th.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from agency.escalation.models import Escalation
from agency.notifications.models import Notification
from tests.agency.approvals.flow import open_dossier
from tests.support import Api, FreshApi, import_calendar

SCHEDULE_2027 = """\
year 2027
source official
title 国务院办公厅关于2027年部分节假日安排的通知（测试用）
2027-01-01 休 元旦
2027-02-06..2027-02-12 休 春节
2027-02-20 班 春节调休
"""


async def _firings(api: Api, approval_id: int) -> dict[tuple[str, date], Escalation]:
    async with api.sessions() as session:
        rows = (await session.execute(select(Escalation).where(Escalation.approval_id == approval_id))).scalars()
        return {(e.level, e.as_of): e for e in rows}


async def _sweep(api: Api, day: str) -> None:
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": day})
    assert response.status_code == 200, response.text


@pytest.mark.today("2027-02-20")
async def test_the_official_schedule_withdraws_what_the_estimate_fired_wrongly(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with FreshApi(backend, tmp_path) as api:
        d = await open_dossier(api)
        await d.force_approved("xmba")
        jnsc = await d.ready_to_submit("jnsc", prepare_on=date(2027, 2, 1))  # 节能审查: 5 working days promised
        await d.ok(jnsc, "submit", effective_on=date(2027, 2, 2))
        await d.ok(jnsc, "accept", api.admin_headers, effective_on=date(2027, 2, 3))
        assert (await d.get(jnsc, as_of="2027-02-16"))["clock"]["due_on"] == "2027-02-16"
        await _sweep(api, "2027-02-16")
        await _sweep(api, "2027-02-17")
        estimated = await _firings(api, jnsc)
        assert set(estimated) == {("yellow", date(2027, 2, 16)), ("prompt", date(2027, 2, 16)),
                                  ("red", date(2027, 2, 17))}
        assert all(e.provisional for e in estimated.values())

        file = tmp_path / "2027.txt"
        file.write_text(SCHEDULE_2027, encoding="utf-8")
        code, output = await asyncio.to_thread(import_calendar, api.settings.database_url, file, tmp_path, monkeypatch)
        assert code == 0, output
        assert "1 withdrawn" in output and "2 kept" in output, output

        judged = await _firings(api, jnsc)
        red = judged[("red", date(2027, 2, 17))]
        assert red.status == "withdrawn" and red.withdrawn_at is not None
        assert red.withdrawn_reason is not None and "2027-02-17" in red.withdrawn_reason
        assert "红牌督办" in red.withdrawn_reason
        for key in (("yellow", date(2027, 2, 16)), ("prompt", date(2027, 2, 16))):
            assert judged[key].status == "open" and judged[key].provisional is False
        assert (await d.get(jnsc, as_of="2027-02-17"))["clock"]["due_on"] == "2027-02-17"

        await _sweep(api, "2027-02-18")  # the real red card: the withdrawn one does not stand in its way
        after = await _firings(api, jnsc)
        assert after[("red", date(2027, 2, 18))].status == "open"
        assert after[("red", date(2027, 2, 18))].provisional is False
        listed = (await api.client.get("/api/escalations", headers=api.admin_headers,
                                       params={"status": "withdrawn"})).json()
        mine = [e for e in listed["items"] if e["approval_id"] == jnsc]
        assert [(e["level"], e["subject_type"], e["subject_id"]) for e in mine] == [("red", "approval", jnsc)]


@pytest.mark.today("2026-10-15")
async def test_from_october_the_administrators_hear_that_next_years_schedule_is_missing(api: Api) -> None:
    await _sweep(api, "2026-10-15")
    await _sweep(api, "2026-10-15")  # twice the same day: one message
    async with api.sessions() as session:
        messages = (await session.execute(select(Notification).where(
            Notification.object_type == "calendar_year", Notification.object_id == "2027"))).scalars().all()
    mine = [m for m in messages if m.dedupe_key.startswith("calendar-missing:2027:2026-10-15")]
    assert mine and len({m.recipient_user_id for m in mine}) == len(mine)
    assert "2027 年放假安排尚未导入" in mine[0].subject
    page = await api.client.get("/api/notifications", headers=api.admin_headers)
    assert any("2027 年放假安排尚未导入" in n["subject"] for n in page.json()["items"])


@pytest.mark.today("2026-09-30")
async def test_before_october_nobody_is_reminded(api: Api) -> None:
    await _sweep(api, "2026-09-30")
    async with api.sessions() as session:
        messages = (await session.execute(select(Notification).where(
            Notification.dedupe_key.like("calendar-missing:2027:2026-09-30%")))).scalars().all()
    assert messages == []

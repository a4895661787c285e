"""The SQL form of the clock agrees with the pure function, approval by approval."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from agency.approvals.clock import compute_clock
from agency.approvals.clock_sql import running_clocks
from agency.approvals.clocks import events_of, limit_of
from agency.approvals.models import Approval
from agency.calendar.service import get_calendar
from agency.projects.models import Project
from tests.agency.approvals.flow import open_dossier
from tests.support import Api


async def _arrange(api: Api) -> list[int]:
    d = await open_dossier(api)
    await d.force_approved("xmba", "sgxk", on=date(2026, 10, 1))
    ids = []
    for code, accepted in (("ydghxk", date(2026, 10, 26)), ("jnsc", date(2026, 11, 2)), ("dljr", date(2026, 11, 9))):
        approval_id = await d.ready_to_submit(code, prepare_on=date(2026, 10, 20))
        await d.ok(approval_id, "submit", effective_on=date(2026, 10, 22))
        await d.ok(approval_id, "accept", api.admin_headers, effective_on=accepted)
        ids.append(approval_id)
    material = (await d.get(ids[0]))["materials"][0]["code"]
    await d.ok(ids[0], "request_supplement", api.admin_headers, missing_materials=[material],
               effective_on=date(2026, 10, 28))
    await d.scan(ids[0], material)
    await d.ok(ids[0], "resubmit", effective_on=date(2026, 11, 3))
    await d.ok(ids[0], "extend", api.admin_headers, days=4, reason="专家评审", effective_on=date(2026, 11, 4))
    return ids


@pytest.mark.today("2026-11-10")  # the day after the last act (9 November)
async def test_sql_clock_matches_pure_clock_for_every_running_approval(api: Api) -> None:
    arranged = await _arrange(api)
    async with api.sessions() as session:
        calendar = await get_calendar(session)
        for today in (date(2026, 11, 10), date(2026, 11, 20), date(2026, 12, 15)):
            rows = {r.approval_id: r for r in (await session.execute(running_clocks(today))).all()}
            assert set(arranged) <= set(rows)
            approvals = (await session.execute(select(Approval, Project.green_channel_status).join(
                Project, Project.id == Approval.project_id).where(Approval.id.in_(list(rows))))).all()
            events = await events_of(session, list(rows))
            for approval, green in approvals:
                mine = [e for e in events[approval.id] if e.on <= today]
                if len(mine) != len(events[approval.id]):
                    continue  # an act recorded after this "today" would be in the future
                pure = compute_clock(limit_of(approval.snapshot, "promised_limit"),  # type: ignore[arg-type]
                                     limit_of(approval.snapshot, "statutory_limit"), mine, today, calendar,
                                     green_channel=green == "approved")
                sql = rows[approval.id]
                assert (sql.accepted_on, sql.due_on, sql.remaining, sql.level) == (
                    pure.accepted_on, pure.due_on, pure.remaining_workdays, pure.level), approval.id

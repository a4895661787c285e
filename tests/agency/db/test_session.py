"""agency.db.session: one transaction per request, and the jobs it asked for (its papers) run once the answer is
sent, so an officer's action does not wait for a paper to render (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from agency.approvals import notice_list
from agency.approvals.models import Approval
from agency.errors import Conflict
from agency.jobs.models import Job
from agency.jobs.runner import JobRunner
from tests.agency.approvals.flow import land_permit_accepted
from tests.support import Api


async def test_an_action_is_answered_before_its_paper_renders_and_the_paper_follows(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    d, zrzy, ydghxk, accepted = await land_permit_accepted(api)
    happened: list[str] = []
    app = api.client.app

    async def watched_app(scope: Any, receive: Any, send: Any) -> None:
        async def watched_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                happened.append("answered")
        await app(scope, receive, watched_send)

    original_run = JobRunner.run

    async def watched_run(self: JobRunner, job_id: int) -> bool:
        happened.append("paper job started")
        return await original_run(self, job_id)

    monkeypatch.setattr(api.client, "app", watched_app)
    monkeypatch.setattr(JobRunner, "run", watched_run)
    suspended = await api.client.post(f"/api/approvals/{ydghxk}/actions", headers=zrzy, json={
        "action": "suspend", "version": accepted["version"], "reason": "用地范围涉及历史建筑",
        "kind": "public_notice", "days": 7})
    assert suspended.status_code == 200, suspended.text
    # The answer went out first, naming its paper as pending; the paper's job ran after it.
    assert happened == ["answered", "paper job started"], happened
    notice = {n["template"]: n for n in suspended.json()["notices"]}["special_procedure_notice"]
    assert notice["status"] == "pending"
    monkeypatch.undo()
    after = {n["template"]: n for n in (await d.get(ydghxk))["notices"]}["special_procedure_notice"]
    assert after["status"] == "ready" and after["document_id"] is not None, after


async def test_a_request_that_fails_after_asking_for_its_paper_runs_no_job_and_keeps_none(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _, zrzy, ydghxk, accepted = await land_permit_accepted(api)
    async with api.sessions() as session:
        jobs_before = (await session.execute(select(func.count()).select_from(Job))).scalar_one()
    ran: list[int] = []

    async def watched_run(self: JobRunner, job_id: int) -> bool:
        ran.append(job_id)
        return True

    async def failing_answer(*_: Any) -> list[dict[str, Any]]:
        # The suspension is written and its paper's job enqueued; building the answer then fails.
        raise Conflict("模拟：答复生成失败")

    monkeypatch.setattr(JobRunner, "run", watched_run)
    monkeypatch.setattr(notice_list, "notices_of", failing_answer)
    failed = await api.client.post(f"/api/approvals/{ydghxk}/actions", headers=zrzy, json={
        "action": "suspend", "version": accepted["version"], "reason": "用地范围涉及历史建筑",
        "kind": "public_notice", "days": 7})
    assert failed.status_code == 409, failed.text
    assert ran == []  # the job's row went with the rollback: nothing to run
    async with api.sessions() as session:
        jobs_after = (await session.execute(select(func.count()).select_from(Job))).scalar_one()
        status = (await session.execute(select(Approval.status).where(Approval.id == ydghxk))).scalar_one()
    assert jobs_after == jobs_before and status == "accepted"

"""The pages behave like the API where it matters for security (issue 19, finding 8, and the audit lines
of finding 7 that only the pages write)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from agency.approvals.models import Approval
from agency.evaluations.models import Evaluation, Rectification
from agency.timeutil import today_local
from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.browsers import Browser, browser_of


async def test_a_csrf_token_is_bound_to_its_session(client: AsyncTestClient[Any], api: Api) -> None:
    """A token is worth something only in the session it was rendered for: planting one's own CSRF cookie in
    another's browser (a sibling subdomain can) no longer makes one's own token valid there."""
    mallory, alice = await api.create_user("clerk"), await api.create_user("clerk")
    async with await browser_of(client, mallory.username) as attacker, \
            await browser_of(client, alice.username) as victim:
        token = await attacker.token("/app")
        victim.http.cookies.set("agency_csrf", attacker.http.cookies["agency_csrf"], domain="testserver.local")
        forged = await victim.post("/logout", token=token)
        assert forged.status_code == 403 and "安全校验码" in forged.text
        assert (await victim.get("/app")).status_code == 200  # still logged in: nothing was done
        assert (await victim.post("/logout", page="/app")).status_code == 303  # its own token works
        # The token of the login page (no session yet) is not one of the session's either.
        async with Browser(client) as browser:
            before = await browser.token("/login")
            await browser.login(mallory.username)
            assert (await browser.post("/logout", token=before)).status_code == 403


async def _decided(api: Api) -> tuple[Any, int]:
    d = await open_dossier(api)
    xmba = d.approval_id("xmba")
    await api.execute(update(Approval).where(Approval.id == xmba).values(
        status="approved", decided_on=today_local(), decision={"outcome": "approved", "certificate_no": "X-1"}))
    return d, xmba


async def test_the_rating_form_answers_a_foreign_approval_like_a_missing_one(client: AsyncTestClient[Any],
                                                                            api: Api) -> None:
    ours, mine = await _decided(api)
    _, theirs = await _decided(api)
    user = await api.create_user("enterprise", enterprise_id=ours.enterprise_id)
    async with await browser_of(client, user.username) as browser:
        portal = f"/app/portal/projects/{ours.project['id']}"
        foreign = await browser.post(f"/app/portal/approvals/{theirs}/rating", {"score": "1"}, page=portal)
        missing = await browser.post("/app/portal/approvals/987654321/rating", {"score": "1"}, page=portal)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.text == missing.text
        # A score outside the five levels is the form's error, not the database's CHECK constraint.
        wild = await browser.post(f"/app/portal/approvals/{mine}/rating", {"score": "99"}, page=portal)
        assert wild.status_code == 303 and wild.headers["location"] == f"{portal}?rating=missing"
    async with api.sessions() as session:
        rated = (await session.execute(select(Evaluation).where(Evaluation.approval_id.in_((mine, theirs))))).all()
    assert rated == []
    api_wild = await api.client.post("/api/evaluations", headers=await api.login(user.username),
                                     json={"approval_id": mine, "score": 99})
    assert api_wild.status_code == 422 and api_wild.json()["extra"][0]["field"] == "score"


async def test_closing_a_follow_up_on_the_page_needs_a_note_as_the_api_does(client: AsyncTestClient[Any],
                                                                           api: Api) -> None:
    d, xmba = await _decided(api)
    owner = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    rated = await api.client.post("/api/evaluations", headers=owner, json={"approval_id": xmba, "score": 1})
    follow_up = rated.json()["follow_up_id"]
    leader = await api.create_user("leader")
    async with await browser_of(client, leader.username) as browser:
        for note in ("", " 好 "):
            empty = await browser.post(f"/app/follow-ups/{follow_up}/close", {"note": note}, page="/app/dashboard")
            assert empty.status_code == 303 and "err=" in empty.headers["location"]
        api_empty = await api.client.post(f"/api/follow-ups/{follow_up}/close", headers=await api.login(
            leader.username), json={"note": " 好 "})
        assert api_empty.status_code == 422 and api_empty.json()["extra"][0]["field"] == "note"
        async with api.sessions() as session:
            assert (await session.get_one(Rectification, follow_up)).visited_at is None
        done = await browser.post(f"/app/follow-ups/{follow_up}/close", {"note": "已电话回访，企业认可"},
                                  page="/app/dashboard")
        assert done.status_code == 303 and "ok=" in done.headers["location"]

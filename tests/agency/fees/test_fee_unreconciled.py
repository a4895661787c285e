"""体外循环 answered for: an approval decided with a fee assessed and recorded as paid, but no credit of the fee
account reconciled against it, fires ``fee_unreconciled`` once — not before its days of slack, never twice,
and not for an approval whose fee the statement reconciled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agency.escalation.models import Escalation
from tests.agency.fees.test_fees_api import _accepted_registration, _assess
from tests.agency.fees.test_reconcile_api import HEADER, _import
from tests.support import Api


async def _firings(api: Api, approval_id: int) -> list[tuple[str, str, str]]:
    async with api.sessions() as session:
        return [tuple(r) for r in (await session.execute(  # type: ignore[misc]
            select(Escalation.rule, Escalation.level, Escalation.status).where(
                Escalation.approval_id == approval_id, Escalation.rule == "fee_unreconciled"))).all()]


async def _sweep(api: Api, day: str) -> None:
    response = await api.client.post("/api/escalations/sweep", headers=api.admin_headers, json={"as_of": day})
    assert response.status_code == 200, response.text


@pytest.mark.today("2026-07-06")
async def test_fee_unreconciled_fires_once_for_a_decided_approval_whose_fee_never_reached_the_account(
        api: Api) -> None:
    outside, tddj = await _accepted_registration(api)
    bdc = await outside.officer("bdc")
    fee = (await _assess(outside, tddj, bdc, fee_code="bdc_registration")).json()
    paid = await api.client.post(f"/api/fees/{fee['id']}/payment", headers=bdc, json={
        "receipt_no": "现金收讫", "paid_on": "2026-07-06", "amount_yuan": "550.00", "channel": "counter"})
    assert paid.status_code == 200, paid.text
    await outside.ok(tddj, "approve", bdc)

    inside, tddj2 = await _accepted_registration(api)
    fee2 = (await _assess(inside, tddj2, bdc, fee_code="bdc_registration")).json()
    credited = await _import(api, inside.clerk, HEADER + (
        f"2026-07-06,C{fee2['id']:09d},550.00,,某企业,,缴款码{fee2['payment_ref']}\n"))
    assert credited.json()["matched"] == 1, credited.text
    await inside.ok(tddj2, "approve", bdc)

    await _sweep(api, "2026-07-10")
    assert await _firings(api, tddj) == []  # within the days the statements take to arrive
    await _sweep(api, "2026-07-16")
    assert await _firings(api, tddj) == [("fee_unreconciled", "yellow", "open")]
    await _sweep(api, "2026-07-17")
    assert await _firings(api, tddj) == [("fee_unreconciled", "yellow", "open")]
    assert await _firings(api, tddj2) == []

    listed = (await api.client.get("/api/escalations", headers=await api.user_headers("leader"),
                                   params={"approval_id": tddj})).json()
    assert [e["rule"] for e in listed["items"]].count("fee_unreconciled") == 1

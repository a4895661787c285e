"""Fees (非税收入): assessed from the catalog's rule (不动产登记费 550 元 per piece, 工本费 10 元 per extra
certificate, 发改价格规〔2016〕2559号), a payment notice carrying the line's own reference (缴款码) into the fee
account, paid and refunded by the clerk or the approval's department only, each audited; the decision waits for
a mandatory fee; an item without fees says 本事项不收费."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from agency.approvals.models import Approval
from agency.audit.models import AuditEvent
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api


async def _accepted_registration(api: Api) -> tuple[Dossier, int]:
    """不动产权证书（土地）accepted by 不动产登记中心, its prerequisites arranged as approved."""
    d = await open_dossier(api)
    tddj = d.approval_id("tddj")
    prerequisites = (await d.get(tddj))["prerequisites"]
    if prerequisites:
        await api.execute(update(Approval).where(Approval.id.in_(prerequisites)).values(
            status="approved", decided_on=None, status_since=None))
    await d.ready_to_submit("tddj")
    await d.ok(tddj, "submit")
    await d.ok(tddj, "accept", await d.officer("bdc"))
    return d, tddj


async def _assess(d: Dossier, approval_id: int, headers: dict[str, str], **body: Any) -> Any:
    return await d.api.client.post(f"/api/approvals/{approval_id}/fees", headers=headers, json=body)


async def _audit_actions(api: Api, fee_id: int) -> list[str]:
    async with api.sessions() as session:
        rows = (await session.execute(select(AuditEvent.action).where(
            AuditEvent.object_type == "fee", AuditEvent.object_id == str(fee_id)).order_by(AuditEvent.id))).scalars()
        return list(rows)


@pytest.mark.today("2026-05-11")
async def test_registration_fee_is_550_per_piece_plus_10_per_extra_certificate_with_a_notice(api: Api) -> None:
    d, tddj = await _accepted_registration(api)
    listed = (await api.client.get(f"/api/approvals/{tddj}/fees", headers=d.clerk)).json()
    assert [r["code"] for r in listed["rules"]] == ["bdc_registration", "bdc_extra_certificate"]
    assert listed["rules"][0]["standard"] == "每件 550.00 元" and "2559号" in listed["rules"][0]["basis"]
    assert listed["statement"] == "" and listed["items"] == []

    bdc = await d.officer("bdc")
    registration = await _assess(d, tddj, bdc, fee_code="bdc_registration")
    assert registration.status_code == 201, registration.text
    line = registration.json()
    assert (line["amount_yuan"], line["status"], line["fee_code"]) == ("550.00", "assessed", "bdc_registration")
    ref = line["payment_ref"]
    assert len(ref) == 20 and ref.isdigit() and ref.startswith("2026")
    notice = line["notice"]
    assert (notice["title"], notice["amount_yuan"], notice["payment_ref"], notice["due_on"]) == (
        "非税收入缴款通知书", "550.00", ref, "2026-05-26")
    assert notice["account_name"] and notice["bank"] and notice["account_no"]
    assert notice["payer"].startswith("测试企业")

    extra = await _assess(d, tddj, d.clerk, fee_code="bdc_extra_certificate", quantity="3")
    assert extra.status_code == 201, extra.text
    assert (extra.json()["amount_yuan"], extra.json()["quantity"]) == ("30.00", "3.00")
    assert extra.json()["payment_ref"] != ref
    two_pieces = await _assess(d, tddj, d.clerk, fee_code="bdc_registration", quantity="2")
    assert two_pieces.json()["amount_yuan"] == "1100.00"

    listed = (await api.client.get(f"/api/approvals/{tddj}/fees", headers=d.clerk)).json()
    assert listed["total_assessed_yuan"] == "1680.00" and listed["total_paid_yuan"] == "0.00"


@pytest.mark.today("2026-05-11")
async def test_a_fee_outside_the_catalog_or_an_unexplained_override_is_refused(api: Api) -> None:
    d, tddj = await _accepted_registration(api)
    unknown = await _assess(d, tddj, d.clerk, fee_code="service_charge")
    assert unknown.status_code == 422 and unknown.json()["extra"][0]["field"] == "fee_code"
    unexplained = await _assess(d, tddj, d.clerk, fee_code="bdc_registration", amount_yuan="0")
    assert unexplained.status_code == 422 and unexplained.json()["extra"][0]["field"] == "reason"
    waived = await _assess(d, tddj, d.clerk, fee_code="bdc_registration", amount_yuan="0",
                           reason="小微企业免收不动产登记费")
    assert waived.status_code == 201, waived.text
    assert (waived.json()["amount_yuan"], waived.json()["computed_yuan"], waived.json()["status"]) == (
        "0.00", "550.00", "not_charged")
    assert waived.json()["notice"] is None
    float_amount = await _assess(d, tddj, d.clerk, fee_code="bdc_registration", amount_yuan=550.5)
    assert float_amount.status_code in (400, 422)

    free = d.approval_id("xmba")
    none = (await api.client.get(f"/api/approvals/{free}/fees", headers=d.clerk)).json()
    assert (none["rules"], none["statement"]) == ([], "本事项不收费")
    refused = await _assess(d, free, d.clerk, fee_code="bdc_registration")
    assert refused.status_code == 422 and "本事项不收费" in refused.json()["detail"]


@pytest.mark.today("2026-05-11")
async def test_only_the_clerk_or_the_approvals_department_records_payment_and_each_change_is_audited(
        api: Api) -> None:
    d, tddj = await _accepted_registration(api)
    line = (await _assess(d, tddj, d.clerk, fee_code="bdc_registration")).json()
    url = f"/api/fees/{line['id']}/payment"
    payment = {"receipt_no": "豫非税0012345", "paid_on": "2026-05-11", "amount_yuan": "550.00", "channel": "counter"}
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await api.client.post(url, headers=enterprise, json=payment)).status_code == 403
    assert (await api.client.post(url, headers=await api.user_headers("leader"), json=payment)).status_code == 403
    other = await api.user_headers("department", department_code="zjj")
    assert (await api.client.post(url, headers=other, json=payment)).status_code in (403, 404)
    short = await api.client.post(url, headers=d.clerk, json={**payment, "amount_yuan": "500.00"})
    assert short.status_code == 422 and short.json()["extra"][0]["field"] == "amount_yuan"
    future = await api.client.post(url, headers=d.clerk, json={**payment, "paid_on": "2026-05-12"})
    assert future.status_code == 422 and future.json()["extra"][0]["field"] == "paid_on"

    paid = await api.client.post(url, headers=await d.officer("bdc"), json=payment)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["status_name"], paid.json()["receipt_no"]) == (
        "paid", "已缴款", "豫非税0012345")
    assert (await api.client.post(url, headers=d.clerk, json=payment)).status_code == 409

    refund = f"/api/fees/{line['id']}/refund"
    assert (await api.client.post(refund, headers=d.clerk, json={"reason": ""})).status_code in (400, 422)
    refunded = await api.client.post(refund, headers=d.clerk, json={"reason": "重复缴款，依申请退还"})
    assert refunded.status_code == 200, refunded.text
    assert (refunded.json()["status"], refunded.json()["closed_reason"]) == ("refunded", "重复缴款，依申请退还")
    assert await _audit_actions(api, line["id"]) == ["fee.assess", "fee.payment", "fee.refund"]
    assert (await api.client.get(f"/api/approvals/{tddj}/fees", headers=enterprise)).status_code == 200


@pytest.mark.today("2026-05-11")
async def test_the_decision_waits_for_the_mandatory_fee_but_not_for_an_optional_one(api: Api) -> None:
    d, tddj = await _accepted_registration(api)
    bdc = await d.officer("bdc")
    line = (await _assess(d, tddj, bdc, fee_code="bdc_registration")).json()
    await _assess(d, tddj, bdc, fee_code="bdc_extra_certificate", quantity="1")  # not mandatory
    blocked = await d.act(tddj, "approve", bdc)
    assert blocked.status_code == 409 and "不动产登记费" in blocked.json()["detail"]
    paid = await api.client.post(f"/api/fees/{line['id']}/payment", headers=bdc, json={
        "receipt_no": "R1", "paid_on": "2026-05-11", "amount_yuan": "550.00", "channel": "online"})
    assert paid.status_code == 200, paid.text
    await d.ok(tddj, "approve", bdc)


async def _may_report(api: Api, headers: dict[str, str], month: str = "2026-05") -> list[dict[str, Any]]:
    response = await api.client.get("/api/reports/fees", headers=headers,
                                    params={"from": f"{month}-01", "to": f"{month}-28"})
    assert response.status_code == 200, response.text
    return [r for r in response.json() if r["item_code"] == "tddj"]


@pytest.mark.today("2026-05-11")
async def test_the_fee_report_totals_assessed_and_paid_by_department_item_and_month(api: Api) -> None:
    """Other tests share the database: the report's totals grow by exactly this dossier's lines."""
    leader = await api.user_headers("leader")
    before = await _may_report(api, leader)
    base = (float(before[0]["assessed_yuan"]), float(before[0]["paid_yuan"])) if before else (0.0, 0.0)
    d, tddj = await _accepted_registration(api)
    paid = (await _assess(d, tddj, d.clerk, fee_code="bdc_registration")).json()
    await _assess(d, tddj, d.clerk, fee_code="bdc_extra_certificate", quantity="2")
    cancelled = (await _assess(d, tddj, d.clerk, fee_code="bdc_registration")).json()
    await api.client.post(f"/api/fees/{paid['id']}/payment", headers=d.clerk, json={
        "receipt_no": "R9", "paid_on": "2026-05-11", "amount_yuan": "550.00", "channel": "bank_transfer"})
    await api.client.post(f"/api/fees/{cancelled['id']}/refund", headers=d.clerk, json={"reason": "重复核定"})
    mine = await _may_report(api, leader)
    assert [(r["department_name"], r["month"]) for r in mine] == [("不动产登记中心", "2026-05")]
    assert (float(mine[0]["assessed_yuan"]) - base[0], float(mine[0]["paid_yuan"]) - base[1]) == (570.0, 550.0)
    assert mine[0]["reconciled_yuan"] == "0.00"
    assert await _may_report(api, leader, "2026-04") == []
    other_department = await api.user_headers("department", department_code="zjj")
    assert await _may_report(api, other_department) == []
    xlsx = await api.client.get("/api/reports/fees", headers=leader,
                                params={"from": "2026-05-01", "to": "2026-05-28", "format": "xlsx"})
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True) if row[1] == "不动产权证书（土地）"]
    assert [(r[0], r[2], float(r[3]), float(r[4])) for r in rows] == [
        ("不动产登记中心", "2026-05", float(mine[0]["assessed_yuan"]), float(mine[0]["paid_yuan"]))]
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await api.client.get("/api/reports/fees", headers=enterprise,
                                 params={"from": "2026-05-01", "to": "2026-05-31"})).status_code == 403

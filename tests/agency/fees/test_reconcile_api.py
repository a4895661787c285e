"""The fee account's bank statement reconciled against the fee lines: each credit matched by its 缴款码, then by
amount and payer; the import shows matched, ambiguous and unmatched credits; a GBK statement reads as well as
a UTF-8 one; the same statement imported twice changes nothing; the clerk settles the rest against a fee line;
the fee report's reconciled column is the sum of the matched credits."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from agency.fees.models import StatementLine
from tests.agency.fees.test_fees_api import _accepted_registration, _assess
from tests.support import Api

HEADER = "交易日期,交易流水号,收入金额,支出金额,对方户名,对方账号,摘要\n"


async def _import(api: Api, headers: dict[str, str], text: str, encoding: str = "utf-8") -> Any:
    return await api.client.post("/api/fees/reconcile", headers={**headers, "content-type": "text/csv"},
                                 content=text.encode(encoding))


async def _lines(api: Api) -> int:
    async with api.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(StatementLine))).scalar_one())


async def _reconciled(api: Api) -> float:
    rows = (await api.client.get("/api/reports/fees", headers=await api.user_headers("leader"),
                                 params={"from": "2026-06-01", "to": "2026-06-30"})).json()
    return sum(float(r["reconciled_yuan"]) for r in rows)


@pytest.mark.today("2026-06-15")
async def test_a_statement_is_matched_by_reference_then_amount_and_payer_and_imports_once(api: Api) -> None:
    reconciled_before = await _reconciled(api)
    d, tddj = await _accepted_registration(api)
    registration = (await _assess(d, tddj, d.clerk, fee_code="bdc_registration")).json()
    certificate = (await _assess(d, tddj, d.clerk, fee_code="bdc_extra_certificate", quantity="1")).json()
    twice, tddj2 = await _accepted_registration(api)
    first = (await _assess(twice, tddj2, twice.clerk, fee_code="bdc_registration")).json()
    second = (await _assess(twice, tddj2, twice.clerk, fee_code="bdc_registration")).json()
    names = {}
    for dossier in (d, twice):
        names[dossier.enterprise_id] = (await api.client.get(f"/api/enterprises/{dossier.enterprise_id}",
                                                             headers=d.clerk)).json()["name"]
    serial = f"B{registration['id']:09d}"
    statement = HEADER + "\n".join([
        f"2026-06-15,{serial}1,550.00,,张三（代缴）,6222000011112222,缴款码{registration['payment_ref']}",
        f"2026/06/15,{serial}2,10.00,,{names[d.enterprise_id]},6222000011113333,工本费",
        f"20260615,{serial}3,,35.00,示范县农商银行,,账户管理费",
        f"2026-06-15,{serial}4,550.00,,{names[twice.enterprise_id]},6222000011114444,登记费",
        f"2026-06-15,{serial}5,\"1,234.00\",,无名商贸有限公司,6222000011115555,货款"]) + "\n"

    outsider = await api.user_headers("department", department_code="bdc")
    assert (await _import(api, outsider, statement)).status_code == 403
    done = await _import(api, d.clerk, statement, "gbk")
    assert done.status_code == 200, done.text
    result = done.json()
    assert (result["encoding"], result["matched"], result["unchanged"]) == ("gbk", 2, 0)
    assert [(x["fee_id"], x["matched_by"]) for x in result["matched_lines"]] == [
        (registration["id"], "reference"), (certificate["id"], "amount_payer")]
    [ambiguous] = result["ambiguous"]
    assert (ambiguous["amount_yuan"], ambiguous["candidates"]) == ("550.00", [first["id"], second["id"]])
    assert ambiguous["status_name"].startswith("待确认")
    [unmatched] = result["unmatched"]
    assert (unmatched["amount_yuan"], unmatched["payer_name"], unmatched["status"]) == (
        "1234.00", "无名商贸有限公司", "unmatched")
    fees = {f["id"]: f for f in (await api.client.get(f"/api/approvals/{tddj}/fees", headers=d.clerk)).json()["items"]}
    assert (fees[registration["id"]]["status"], fees[registration["id"]]["channel"],
            fees[registration["id"]]["paid_on"], fees[registration["id"]]["receipt_no"]) == (
        "paid", "bank_transfer", "2026-06-15", f"{serial}1")

    count = await _lines(api)
    again = (await _import(api, d.clerk, statement)).json()
    assert (again["matched"], again["ambiguous"], again["unmatched"], again["unchanged"]) == (0, [], [], 4)
    assert await _lines(api) == count

    settle = f"/api/fees/reconcile/lines/{ambiguous['id']}/settle"
    assert (await api.client.post(settle, headers=outsider, json={"fee_id": first["id"]})).status_code == 403
    wrong_amount = await api.client.post(f"/api/fees/reconcile/lines/{unmatched['id']}/settle", headers=d.clerk,
                                         json={"fee_id": second["id"]})
    assert wrong_amount.status_code == 422 and wrong_amount.json()["extra"][0]["field"] == "fee_id"
    taken = await api.client.post(settle, headers=d.clerk, json={"fee_id": registration["id"]})
    assert taken.status_code == 422 and taken.json()["extra"][0]["field"] == "fee_id"
    settled = await api.client.post(settle, headers=d.clerk, json={"fee_id": first["id"]})
    assert settled.status_code == 200, settled.text
    assert (settled.json()["status"], settled.json()["matched_by"], settled.json()["fee_id"]) == (
        "matched", "manual", first["id"])
    assert (await api.client.post(settle, headers=d.clerk, json={"fee_id": second["id"]})).status_code == 409
    missing = await api.client.post("/api/fees/reconcile/lines/999999999/settle", headers=d.clerk,
                                    json={"fee_id": second["id"]})
    assert missing.status_code == 404
    pending = (await api.client.get("/api/fees/reconcile/lines", headers=d.clerk,
                                    params={"status": "unmatched"})).json()
    assert unmatched["id"] in [x["id"] for x in pending]

    # The report's reconciled column: the matched credits, 550 + 10 + 550 settled by hand.
    assert round(await _reconciled(api) - reconciled_before, 2) == 1110.0
    hall = f"hall{uuid.uuid4().hex[:6]}"
    saved = await api.client.put(f"/api/sites/{hall}", headers=api.admin_headers,
                                 json={"name": "对账测试便民服务中心", "kind": "township_hall"})
    assert saved.status_code == 200, saved.text
    by_site = (await api.client.get("/api/reports/fees", headers=await api.user_headers("leader"), params={
        "from": "2026-06-01", "to": "2026-06-30", "site_code": hall})).json()
    assert by_site == []  # these dossiers are the center's: a township hall's report leaves them out


@pytest.mark.today("2026-06-16")
async def test_a_bad_statement_is_refused_naming_what_is_wrong(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    missing = await _import(api, clerk, "日期,金额\n2026-06-16,5.00\n")
    assert missing.status_code == 422 and "交易日期" in missing.json()["detail"]
    assert missing.json()["extra"][0]["field"] == "file"
    bad_date = await _import(api, clerk, HEADER + "六月十六日,X1,5.00,,甲公司,,\n")
    assert bad_date.status_code == 422 and "第 2 行" in bad_date.json()["detail"]
    bad_amount = await _import(api, clerk, HEADER + "2026-06-16,X2,五元,,甲公司,,\n")
    assert bad_amount.status_code == 422 and "收入金额" in bad_amount.json()["detail"]
    not_csv = await api.client.post("/api/fees/reconcile", headers={**clerk, "content-type": "image/png"},
                                    content=b"\x89PNG")
    assert not_csv.status_code == 415
    empty = await _import(api, clerk, "")
    assert empty.status_code == 422

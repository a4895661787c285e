"""The clerk's reconciliation page: uploads the bank statement (GBK), sees the matched, ambiguous and unmatched
credits, settles the ambiguous one against a fee line through the form; a second upload of the same statement
changes nothing; a leader reads the page without forms; a department officer is refused it."""

from __future__ import annotations

import pytest

from tests.agency.fees.test_fees_api import _accepted_registration, _assess
from tests.agency.fees.test_reconcile_api import HEADER
from tests.support import Api
from tests.web.browsers import browser_of

PAGE = "/app/fees/reconcile"


async def _username(api: Api, headers: dict[str, str]) -> str:
    return str((await api.client.get("/api/me", headers=headers)).json()["username"])


@pytest.mark.today("2026-06-22")
async def test_the_clerk_imports_the_statement_and_settles_the_ambiguous_credit_on_the_page(api: Api) -> None:
    d, tddj = await _accepted_registration(api)
    named = (await _assess(d, tddj, d.clerk, fee_code="bdc_registration")).json()
    first = (await _assess(d, tddj, d.clerk, fee_code="bdc_registration")).json()
    second = (await _assess(d, tddj, d.clerk, fee_code="bdc_registration")).json()
    payer = (await api.client.get(f"/api/enterprises/{d.enterprise_id}", headers=d.clerk)).json()["name"]
    serial = f"W{named['id']:09d}"
    statement = (HEADER + f"2026-06-22,{serial}1,550.00,,代缴人,,缴款码{named['payment_ref']}\n"
                 f"2026-06-22,{serial}2,550.00,,{payer},,登记费\n"
                 f"2026-06-22,{serial}3,77.00,,无名公司,,货款\n").encode("gbk")

    clerk = await browser_of(api.client, await _username(api, d.clerk))
    assert "导入对账单" in (await clerk.get(PAGE)).text
    no_file = await clerk.post(PAGE, {}, page=PAGE)
    assert no_file.status_code == 422 and "请选择对账单文件" in no_file.text
    shown = await clerk.post(PAGE, {}, page=PAGE, files={"file": ("对账单.csv", statement, "text/csv")})
    assert shown.status_code == 200, shown.text
    assert "自动对账 1 笔，待确认 1 笔，未匹配 1 笔" in shown.text
    assert "无名公司" in shown.text and "按缴款码对账" in shown.text
    again = await clerk.post(PAGE, {}, page=PAGE, files={"file": ("对账单.csv", statement, "text/csv")})
    assert "自动对账 0 笔，待确认 0 笔，未匹配 0 笔，此前已导入 3 笔" in again.text

    pending = (await api.client.get("/api/fees/reconcile/lines", headers=d.clerk,
                                    params={"status": "ambiguous"})).json()
    line = next(x for x in pending if x["serial"] == f"{serial}2")
    assert line["candidates"] == [first["id"], second["id"]]
    settled = await clerk.post(f"{PAGE}/lines/{line['id']}/settle", {"fee_id": str(second["id"])}, page=PAGE)
    assert settled.status_code == 303
    after = (await clerk.get(settled.headers["location"])).text
    assert "已将 2026-06-22 到账 550.00 元与收费对账" in after
    fees = {f["id"]: f["status"] for f in
            (await api.client.get(f"/api/approvals/{tddj}/fees", headers=d.clerk)).json()["items"]}
    assert (fees[named["id"]], fees[first["id"]], fees[second["id"]]) == ("paid", "assessed", "paid")

    leader = await browser_of(api.client, await _username(api, await api.user_headers("leader")))
    seen = await leader.get(PAGE)
    assert seen.status_code == 200 and "无名公司" in seen.text and "导入并对账" not in seen.text
    officer = await browser_of(api.client, await _username(api, await d.officer("bdc")))
    assert (await officer.get(PAGE)).status_code in (403, 303)

"""Fees on the approval page: the catalog's rule with its basis, the form that assesses the fee and shows the
payment notice (缴款码, account, amount), the payment recorded through the page; an item without fees says
本事项不收费 and offers no form; a leader sees the fees but no form."""

from __future__ import annotations

import pytest

from tests.agency.fees.test_fees_api import _accepted_registration
from tests.support import Api
from tests.web.browsers import browser_of


async def _username(api: Api, headers: dict[str, str]) -> str:
    return str((await api.client.get("/api/me", headers=headers)).json()["username"])


@pytest.mark.today("2026-05-11")
async def test_the_department_assesses_and_records_the_registration_fee_on_the_approval_page(api: Api) -> None:
    d, tddj = await _accepted_registration(api)
    page = f"/app/approvals/{tddj}"
    officer = await browser_of(api.client, await _username(api, await d.officer("bdc")))
    shown = (await officer.get(page)).text
    assert "不动产登记费（非住宅类）：每件 550.00 元" in shown and "发改价格规〔2016〕2559号" in shown
    assert "尚未核定收费" in shown

    bad = await officer.post(f"{page}/fees", {"fee_code": "bdc_extra_certificate", "quantity": "两本"}, page=page)
    assert "数量须为数字" in (await officer.get(bad.headers["location"])).text
    assessed = await officer.post(f"{page}/fees", {"fee_code": "bdc_registration", "quantity": "",
                                                   "amount_yuan": "", "reason": ""}, page=page)
    assert assessed.status_code == 303
    shown = (await officer.get(assessed.headers["location"])).text
    fee = (await api.client.get(f"/api/approvals/{tddj}/fees", headers=d.clerk)).json()["items"][0]
    assert "已核定收费并生成缴款通知书" in shown and "非税收入缴款通知书" in shown
    assert fee["payment_ref"] in shown and "550.00 元" in shown and "待缴款" in shown
    assert "示范县财政局非税收入汇缴结算户" in shown

    paid = await officer.post(f"{page}/fees/{fee['id']}/payment", {
        "receipt_no": "豫非税0099", "paid_on": "2026-05-11", "amount_yuan": "550.00", "channel": "counter"},
        page=page)
    shown = (await officer.get(paid.headers["location"])).text
    assert "已登记缴款" in shown and "已缴款" in shown and "票据号 豫非税0099" in shown

    leader = await browser_of(api.client, await _username(api, await api.user_headers("leader")))
    seen = (await leader.get(page)).text
    assert "已缴款" in seen and f"/fees/{fee['id']}/refund" not in seen and "核定收费并生成缴款通知书" not in seen

    clerk = await browser_of(api.client, await _username(api, d.clerk))
    free = (await clerk.get(f"/app/approvals/{d.approval_id('xmba')}")).text
    assert "本事项不收费" in free and "核定收费并生成缴款通知书" not in free

"""``PATCH /api/enterprises/{id}``: contacts changed by the clerk, audited with the phone masked, shown masked to
those who may not see it."""

from __future__ import annotations

from sqlalchemy import select

from agency.audit.models import AuditEvent
from tests.agency.approvals.flow import open_dossier
from tests.support import Api


async def test_the_clerk_changes_an_enterprises_contacts(api: Api) -> None:
    d = await open_dossier(api)
    url = f"/api/enterprises/{d.enterprise_id}"
    before = (await api.client.get(url, headers=d.clerk)).json()
    response = await api.client.patch(url, headers=d.clerk, json={
        "contact_name": "王五", "contact_phone": "13912345678", "park": "城东园区", "key_enterprise": True,
        "version": before["version"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["contact_name"], body["contact_phone"], body["park"], body["key_enterprise"]) == (
        "王五", "13912345678", "城东园区", True)
    assert body["credit_code"] == before["credit_code"]
    # A department officer with an approval of the dossier sees the enterprise, the number masked.
    officer = await d.officer("fgj")
    seen = (await api.client.get(url, headers=officer)).json()
    assert seen["contact_name"] == "王五" and seen["contact_phone"] != "13912345678" and "*" in seen["contact_phone"]
    async with api.sessions() as session:
        event = (await session.execute(select(AuditEvent).where(
            AuditEvent.action == "enterprise.update", AuditEvent.object_id == str(d.enterprise_id)))).scalar_one()
    assert event.after["contact_name"] == "王五" and "13912345678" not in str(event.after)
    assert event.before["contact_name"] == "李四"
    stale = await api.client.patch(url, headers=d.clerk, json={"contact_name": "赵六", "version": before["version"]})
    assert stale.status_code == 409


async def test_an_enterprise_edit_refuses_bad_input_and_other_roles(api: Api) -> None:
    d = await open_dossier(api)
    url = f"/api/enterprises/{d.enterprise_id}"
    officer = await d.officer("fgj")
    assert (await api.client.patch(url, headers=officer, json={"contact_name": "王五"})).status_code == 403
    phone = await api.client.patch(url, headers=d.clerk, json={"contact_phone": "call me"})
    assert phone.status_code in (400, 422) and "contact_phone" in phone.text
    code = await api.client.patch(url, headers=d.clerk, json={"credit_code": "91330521MA2XXXXX0X"})
    assert code.status_code in (400, 422)
    assert (await api.client.get(url, headers=d.clerk)).json()["contact_name"] == "李四"

"""The obligations on the pages: the project page shows them with the time left and the clerk's forms (开工,
延期) call the same service as the API; the enterprise's portal shows them without the forms."""

from __future__ import annotations

import pytest

from tests.agency.approvals.flow import approved_with_commitment
from tests.support import Api
from tests.web.browsers import browser_of


async def _username(api: Api, headers: dict[str, str]) -> str:
    return str((await api.client.get("/api/me", headers=headers)).json()["username"])


@pytest.mark.today("2026-03-31")
async def test_the_clerk_and_the_enterprise_see_the_start_deadline_and_the_clerk_records_the_start(api: Api) -> None:
    d, _ = await approved_with_commitment(api)
    project_id = d.project["id"]
    o = (await api.client.get("/api/obligations", headers=d.clerk, params={"project_id": project_id})).json()
    obligation_id = o["items"][0]["id"]
    clerk = await browser_of(api.client, await _username(api, d.clerk))
    shown = (await clerk.get(f"/app/projects/{project_id}")).text
    assert "审批后的义务与期限" in shown and "按期开工（施工许可证领取之日起三个月内）" in shown
    assert "2026-06-30" in shown and "还有 91 天" in shown and "待履行" in shown
    assert "施工许可证自行废止" in shown and "《中华人民共和国建筑法》第九条" in shown

    enterprise = await browser_of(api.client, await _username(
        api, await api.user_headers("enterprise", enterprise_id=d.enterprise_id)))
    portal = (await enterprise.get(f"/app/portal/projects/{project_id}")).text
    assert "按期开工（施工许可证领取之日起三个月内）" in portal and "还有 91 天" in portal
    assert f"/obligations/{obligation_id}/meet" not in portal

    page = f"/app/projects/{project_id}"
    blank = await clerk.post(f"{page}/obligations/{obligation_id}/extend", {"until": ""}, page=page)
    assert blank.status_code == 303 and "err=" in blank.headers["location"]
    assert "请输入延期后的到期日" in (await clerk.get(blank.headers["location"])).text
    too_far = await clerk.post(f"{page}/obligations/{obligation_id}/extend", {"until": "2026-12-31"}, page=page)
    assert "每次延期不得超过 3 个月" in (await clerk.get(too_far.headers["location"])).text
    extended = await clerk.post(f"{page}/obligations/{obligation_id}/extend", {"until": "2026-09-30"}, page=page)
    shown = (await clerk.get(extended.headers["location"])).text
    assert "已登记延期" in shown and "原到期日 2026-06-30，已延期 1 次" in shown and "已延期" in shown
    met = await clerk.post(f"{page}/obligations/{obligation_id}/meet", {"met_on": "2026-03-31"}, page=page)
    shown = (await clerk.get(met.headers["location"])).text
    assert "已登记履行" in shown and "2026-03-31 已履行" in shown

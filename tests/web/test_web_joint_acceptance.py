"""Joint acceptance on the project's coordination page: a participant department records its opinion there,
everyone who sees the page reads each part and its findings."""

from __future__ import annotations

import pytest

from tests.agency.coordination.test_joint_acceptance_api import joint_under_way
from tests.support import Api
from tests.web.browsers import browser_of


@pytest.mark.today("2026-12-01")
async def test_a_participant_fails_its_part_on_the_page_and_passes_it_on_reinspection(api: Api) -> None:
    d, lhys = await joint_under_way(api)
    url = f"/app/projects/{d.project['id']}/coordination"
    zrzy_headers = await d.officer("zrzy")
    zrzy = await browser_of(api.client, str((await api.client.get("/api/me", headers=zrzy_headers)).json()["username"]))
    shown = (await zrzy.get(url)).text
    assert "联合验收：联合验收及竣工验收备案" in shown
    assert "尚待：规划核实、消防验收、人防验收、档案验收、土地核验" in shown
    assert f'id="opinion-{lhys}-ghhs"' in shown and f'id="opinion-{lhys}-tdhy"' in shown
    assert f'id="opinion-{lhys}-xfys"' not in shown  # 住房和城乡建设局's part

    unclear = await zrzy.post(f"/app/approvals/{lhys}/opinions", {"participant": "ghhs", "verdict": "fail",
                                                                   "findings": ""}, page=url)
    assert unclear.status_code == 303 and "err=" in unclear.headers["location"]
    assert "不通过时须列明需整改的问题" in (await zrzy.get(unclear.headers["location"])).text
    failed = await zrzy.post(f"/app/approvals/{lhys}/opinions", {
        "participant": "ghhs", "verdict": "fail", "findings": "建筑高度超出规划许可0.6米\n绿地率不足"}, page=url)
    assert failed.status_code == 303 and "ok=" in failed.headers["location"]
    clerk = await browser_of(api.client, str((await api.client.get("/api/me", headers=d.clerk)).json()["username"]))
    row = (await clerk.get(url)).text.split(f'id="joint-{lhys}-ghhs"')[1].split("</tr>")[0]
    assert "不通过（待整改复验）" in row and "<li>建筑高度超出规划许可0.6米</li><li>绿地率不足</li>" in row
    assert "<form" not in (await clerk.get(url)).text.split(f'id="joint-{lhys}"')[1].split("</section>")[0]

    again = await zrzy.post(f"/app/approvals/{lhys}/opinions", {"participant": "ghhs", "verdict": "pass"}, page=url)
    assert again.status_code == 303 and "ok=" in again.headers["location"]
    row = (await zrzy.get(url)).text.split(f'id="joint-{lhys}-ghhs"')[1].split("</tr>")[0]
    assert "通过" in row and "第 2 次（复验）" in row
    assert f'id="opinion-{lhys}-ghhs"' not in (await zrzy.get(url)).text  # a passed part has no form

    sthj = await browser_of(api.client, str((await api.client.get(
        "/api/me", headers=await d.officer("sthj"))).json()["username"]))
    assert (await sthj.post(f"/app/approvals/{lhys}/opinions", {"participant": "ghhs", "verdict": "pass"},
                            page="/app/inbox")).status_code == 404

"""A township hall's clerk opens a dossier and hands it to the center's agency office: the dossier keeps its
history and its timeline shows the handover; afterwards the hall keeps a read-only view. Site scoping across
the lists and details: a sub-center's clerk never sees the hall's dossier, the center sees both (changing only
what it holds), and a remembered answer (project detail, project list, worklist) is never served to another
site."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Api, unique, valid_credit_code

SITES = [("county", "示范县政务服务中心", "center"), ("east", "城东分中心", "sub_center"),
         ("hexi", "河西镇便民服务大厅", "township_hall")]


async def _open(api: Api, clerk: dict[str, str]) -> dict[str, Any]:
    enterprise = await api.client.post("/api/enterprises", headers=clerk, json={
        "credit_code": valid_credit_code(), "name": unique("乡镇企业"), "legal_representative": "张三",
        "contact_name": "李四", "contact_phone": "13800001111", "address": "河西镇1号", "park": "河西"})
    assert enterprise.status_code == 201, enterprise.text
    project = await api.client.post("/api/projects", headers=clerk, json={
        "enterprise_id": enterprise.json()["id"], "name": unique("乡镇项目"), "route_code": "new_industrial",
        "investment_wan": 800, "location": "河西镇"})
    assert project.status_code == 201, project.text
    return dict(project.json())


async def _listed(api: Api, headers: dict[str, str], **params: Any) -> set[int]:
    response = await api.client.get("/api/projects", headers=headers, params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["items"]}


async def _worklist(api: Api, headers: dict[str, str], project_id: int) -> int:
    response = await api.client.get("/api/approvals", headers=headers, params={"project_id": project_id})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


@pytest.mark.today("2026-08-03")
async def test_a_hall_hands_its_dossier_to_the_center_and_keeps_a_read_only_view(api: Api) -> None:
    for code, name, kind in SITES:
        saved = await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
        assert saved.status_code == 200, saved.text
    hall = await api.user_headers("clerk", site_code="hexi")
    center = await api.user_headers("clerk", site_code="county")
    east = await api.user_headers("clerk", site_code="east")
    leader = await api.user_headers("leader")

    dossier, theirs = await _open(api, hall), await _open(api, east)
    pid, url = dossier["id"], f"/api/projects/{dossier['id']}"
    assert (dossier["site_code"], theirs["site_code"]) == ("hexi", "east")

    # Each site sees its own; the center and the leaders see both. The center's answer first, remembered,
    # then the other site's: never the center's answer served to it.
    for headers, sees in ((center, True), (leader, True), (hall, True), (east, False)):
        assert (await api.client.get(url, headers=headers)).status_code == (200 if sees else 404)
        assert (pid in await _listed(api, headers)) is sees
        assert (await _worklist(api, headers, pid) > 0) is sees
    assert theirs["id"] not in await _listed(api, hall)
    assert (await api.client.get(f"/api/projects/{theirs['id']}", headers=hall)).status_code == 404
    assert await _listed(api, center, site_code="hexi") >= {pid}
    assert theirs["id"] not in await _listed(api, center, site_code="hexi")
    assert (await api.client.get(f"/api/projects/{pid}/events", headers=east)).status_code == 404

    # Before the handover the center reads the hall's dossier but may not change it.
    renamed = await api.client.patch(url, headers=center, json={"description": "中心改"})
    assert renamed.status_code == 403 and "河西镇便民服务大厅" in renamed.json()["detail"]
    handover = f"{url}/handover"
    assert (await api.client.post(handover, headers=east, json={"note": "移交"})).status_code == 404
    assert (await api.client.post(handover, headers=center, json={"note": "移交"})).status_code == 403
    assert (await api.client.post(handover, headers=leader, json={"note": "移交"})).status_code == 403
    blank = await api.client.post(handover, headers=hall, json={"note": "  "})
    assert blank.status_code == 422 and blank.json()["extra"][0]["field"] == "note"
    unknown = await api.client.post(handover, headers=hall, json={"note": "移交县中心", "site_code": "nowhere"})
    assert unknown.status_code == 422 and unknown.json()["extra"][0]["field"] == "site_code"

    done = await api.client.post(handover, headers=hall, json={"note": "企业申请由县中心代办，材料已齐"})
    assert done.status_code == 201, done.text
    assert (done.json()["from_site_code"], done.json()["to_site_code"]) == ("hexi", "county")
    assert (await api.client.get(url, headers=center)).json()["site_code"] == "county"
    history = (await api.client.get(f"{url}/handovers", headers=hall)).json()
    assert [(h["from_site_code"], h["to_site_code"], h["note"]) for h in history] == [
        ("hexi", "county", "企业申请由县中心代办，材料已齐")]
    events = (await api.client.get(f"{url}/events", headers=center)).json()["items"]
    actions = [e["action"] for e in events]
    assert "project.handover" in actions and "project.create" in actions  # the history is kept
    handed = next(e for e in events if e["action"] == "project.handover")
    assert handed["after"]["site_name"] == "示范县政务服务中心"

    # The hall keeps a read-only view; the center now changes it; the sub-center still sees nothing.
    shown = await api.client.get(url, headers=hall)
    assert shown.status_code == 200 and shown.json()["site_code"] == "county"
    assert pid in await _listed(api, hall)
    assert (await api.client.patch(url, headers=hall, json={"description": "乡镇改"})).status_code == 403
    first = next(a for a in shown.json()["approvals"] if a["status"] == "planned")
    acted = await api.client.post(f"/api/approvals/{first['id']}/actions", headers=hall,
                                  json={"action": "prepare", "version": first["version"]})
    assert acted.status_code == 403
    assert (await api.client.post(handover, headers=hall, json={"note": "再移交"})).status_code == 403
    again = await api.client.post(handover, headers=center, json={"note": "再移交给中心"})
    assert again.status_code == 409
    changed = await api.client.patch(url, headers=center, json={"description": "县中心接办"})
    assert changed.status_code == 200, changed.text
    assert (await api.client.get(url, headers=east)).status_code == 404
    assert (await api.client.get(url, headers=hall)).json()["description"] == "县中心接办"

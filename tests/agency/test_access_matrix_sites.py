"""The access matrix with a second site: the dossier of one side is a township hall's (河西镇), the other side's a
sub-center's (城东分中心). Every operation of ``test_access_matrix.TABLE`` a clerk may use, on an object of the
other site's dossier, is refused (403/404) to a clerk of one site, while the clerk of the site holding it reaches
it; every list leaves the other site's rows out; writes with valid bodies are refused before anything changes.
The enterprises too: a site's clerk reads and corrects only those registered at his site or owning one of its
dossiers. And one site's remembered answers (the project detail, the project list, the worklist's counts, with
and without ``site_code=``, the enterprises) are never served to the other, whichever site asked first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from agency.projects.models import Project
from tests.agency.test_access_matrix import TABLE, World, _call, world
from tests.support import Api

SITES = [("county", "示范县政务服务中心", "center"), ("hexi", "河西镇便民服务大厅", "township_hall"),
         ("east", "城东分中心", "sub_center")]
# The technical-upgrade side's 联合验收 has no participants: 404 "not a joint item" to anyone.
NOT_JOINT_ON_SECOND_SIDE = {"GET /api/approvals/{approval_id}/opinions"}
LISTS = ["/api/projects", "/api/approvals", "/api/bundles", "/api/problems", "/api/escalations", "/api/obligations",
         "/api/commitment-checks", "/api/violations", "/api/follow-ups", "/api/rectifications"]


async def _two_sites(api: Api) -> tuple[World, World, dict[str, dict[str, str]]]:
    """The matrix's two sides, the first held by the township hall, the second by the sub-center; a clerk of
    each site and of the center. The sites are set before any site's clerk asks anything."""
    hall_side, east_side = await world(api)
    for code, name, kind in SITES:
        saved = await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
        assert saved.status_code == 200, saved.text
    await api.execute(update(Project).where(Project.id == hall_side.ids["project"]).values(site_code="hexi"))
    await api.execute(update(Project).where(Project.id == east_side.ids["project"]).values(site_code="east"))
    clerks = {code: await api.user_headers("clerk", site_code=code) for code, _, _ in SITES}
    return hall_side, east_side, clerks


def _mentions(body: Any, project_id: int) -> bool:
    """Whether a list's rows name the dossier (a dossier row by its id, any other by its project_id)."""
    rows = body["items"] if isinstance(body, dict) and "items" in body else body
    return any(row.get("project_id") == project_id or project_id in (row.get("project_ids") or [])
               or ("route_code" in row and row.get("id") == project_id) for row in rows if isinstance(row, dict))


async def test_a_sites_clerk_never_reads_or_writes_another_sites_dossier(api: Api) -> None:
    hall_side, east_side, clerks = await _two_sites(api)
    hall, east = clerks["hexi"], clerks["east"]
    problems = []
    for key, rule in TABLE.items():
        if rule.public or "clerk" not in rule.allowed or rule.url(hall_side.ids) == rule.url(east_side.ids):
            continue
        for reader, mine, theirs in ((hall, hall_side, east_side), (east, east_side, hall_side)):
            status = await _call(api, rule, theirs.ids, reader)
            if rule.method == "GET" and status == 200:
                response = await api.client.get(rule.url(theirs.ids), headers=reader)
                body = response.json()
                if _mentions(body, theirs.ids["project"]) or not (isinstance(body, list) or "items" in body):
                    problems.append(f"{key}: another site's dossier read ({status})")
            elif status not in {403, 404} | ({400, 422} if rule.method != "GET" else set()):
                problems.append(f"{key}: another site's object answered {status}")
            if key in NOT_JOINT_ON_SECOND_SIDE and mine is east_side:
                continue
            own = await _call(api, rule, mine.ids, reader)  # the holding site's clerk gets past every check
            if own in {401, 403} or (rule.method == "GET" and own == 404) or own >= 500:
                problems.append(f"{key}: the holding site's clerk refused his own ({own})")
    assert problems == [], "\n".join(problems)

    for url in LISTS:
        for reader, theirs in ((hall, east_side), (east, hall_side)):
            response = await api.client.get(url, headers=reader, params={"page_size": 100})
            assert response.status_code == 200, (url, response.text)
            assert not _mentions(response.json(), theirs.ids["project"]), url
    for url in ("/api/projects", "/api/approvals", "/api/bundles", "/api/problems", "/api/escalations",
                "/api/follow-ups"):
        for reader, mine in ((hall, hall_side), (east, east_side)):
            response = await api.client.get(url, headers=reader, params={"page_size": 100})
            assert _mentions(response.json(), mine.ids["project"]), url
    # The enterprises: each site's clerk lists the one owning his site's dossier, never the other site's.
    for reader, mine, theirs in ((hall, hall_side, east_side), (east, east_side, hall_side)):
        listed = {e["id"] for e in (await api.client.get("/api/enterprises", headers=reader,
                                                          params={"page_size": 100})).json()["items"]}
        assert mine.ids["enterprise"] in listed and theirs.ids["enterprise"] not in listed

    # Writes with valid bodies: refused by visibility before any rule of the write is looked at.
    theirs = east_side.ids
    for method, url, body in (
            ("PATCH", f"/api/projects/{theirs['project']}", {"description": "越权修改"}),
            ("POST", "/api/bundles", {"project_id": theirs["project"], "approval_ids": [theirs["prepared"]]}),
            ("POST", f"/api/projects/{theirs['project']}/documents", {"template": "authorization_letter"}),
            ("POST", f"/api/projects/{theirs['project']}/problems", {
                "title": "越权登记", "category": "land", "department_code": "zrzy", "due_on": "2999-01-01"}),
            ("POST", f"/api/problems/{theirs['problem']}/actions", {"action": "confirm", "note": "越权"}),
            ("POST", f"/api/escalations/{theirs['escalation']}/resolve", {"note": "越权办结"}),
            ("POST", f"/api/projects/{theirs['project']}/handover", {"note": "越权移交"}),
            ("POST", f"/api/approvals/{theirs['prepared']}/actions", {"action": "withdraw", "version": 1,
                                                                      "reason": "越权撤回"})):
        refused = await api.client.request(method, url, headers=hall, json=body)
        assert refused.status_code == 404, (url, refused.text)
        assert "不存在或无权查看" in refused.json()["detail"]


async def test_one_sites_remembered_answers_are_never_served_to_another(api: Api) -> None:
    hall_side, east_side, clerks = await _two_sites(api)
    center, hall, east = clerks["county"], clerks["hexi"], clerks["east"]

    async def answers(headers: dict[str, str], side: World) -> tuple[int, bool, int, bool, int]:
        project_id = side.ids["project"]
        detail = await api.client.get(f"/api/projects/{project_id}", headers=headers)
        listed = await api.client.get("/api/projects", headers=headers, params={"page_size": 100})
        counts = await api.client.get("/api/approvals", headers=headers, params={"project_id": project_id})
        firms = await api.client.get("/api/enterprises", headers=headers, params={"page_size": 100})
        # The worklist of the dossier's site, asked with ``site_code=``: counted under a key with the site.
        held = await api.client.get("/api/approvals", headers=headers, params={
            "project_id": project_id, "site_code": "hexi" if side is hall_side else "east"})
        return (detail.status_code, _mentions(listed.json(), project_id),
                int(counts.json()["total"]) if counts.status_code == 200 else 0,
                side.ids["enterprise"] in {e["id"] for e in firms.json()["items"]}, int(held.json()["total"]))

    # The holding site asks first and its answers are remembered; the other site asks the same: nothing.
    for side, holder, other in ((hall_side, hall, east), (east_side, east, hall)):
        status, listed, total, firm, held = await answers(holder, side)
        assert status == 200 and listed and total > 0 and firm and held == total
        assert await answers(other, side) == (404, False, 0, False, 0)
    # The center reads both (remembered for the center), and still neither site reads the other's.
    for side in (hall_side, east_side):
        status, listed, total, firm, held = await answers(center, side)
        assert status == 200 and listed and total > 0 and firm and held == total
    assert (await answers(east, hall_side))[:4] == (404, False, 0, False)
    assert (await answers(hall, east_side))[:4] == (404, False, 0, False)

"""The county's service sites: the administrator keeps them (audited), everyone signed in lists them center
first; a user belongs to a site and the user list filters by it; an unknown site is refused by name."""

from __future__ import annotations

from sqlalchemy import func, select

from agency.audit.models import AuditEvent
from tests.support import PASSWORD, Api

SITES = [("county", "示范县政务服务中心", "center"), ("east", "城东分中心", "sub_center"),
         ("west", "城西分中心", "sub_center"), ("hexi", "河西镇便民服务大厅", "township_hall"),
         ("baima", "白马乡便民服务大厅", "township_hall"), ("shanqian", "山前镇便民服务大厅", "township_hall")]


async def test_sites_are_kept_by_the_administrator_and_users_belong_to_one(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    async with api.sessions() as session:  # the database is shared: another test (the demo) may keep hexi too
        start = (await session.execute(select(func.coalesce(func.max(AuditEvent.id), 0)))).scalar_one()
    refused = await api.client.put("/api/sites/hexi", headers=clerk, json={"name": "河西镇", "kind": "township_hall"})
    assert refused.status_code == 403
    for code, name, kind in reversed(SITES):
        saved = await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
        assert saved.status_code == 200, saved.text
    bad_code = await api.client.put("/api/sites/河西", headers=api.admin_headers,
                                    json={"name": "河西镇", "kind": "township_hall"})
    assert bad_code.status_code == 422 and bad_code.json()["extra"][0]["field"] == "code"
    bad_kind = await api.client.put("/api/sites/x", headers=api.admin_headers, json={"name": "x", "kind": "village"})
    assert bad_kind.status_code in (400, 422)

    ours = {code for code, _, _ in SITES}
    listed = [s for s in (await api.client.get("/api/sites", headers=clerk)).json() if s["code"] in ours]
    assert [(s["code"], s["kind"]) for s in listed] == [
        ("county", "center"), ("east", "sub_center"), ("west", "sub_center"), ("baima", "township_hall"),
        ("hexi", "township_hall"), ("shanqian", "township_hall")]
    assert listed[3]["kind_name"] == "乡镇便民服务大厅" and listed[3]["name"] == "白马乡便民服务大厅"
    renamed = await api.client.put("/api/sites/hexi", headers=api.admin_headers,
                                   json={"name": "河西镇政务服务大厅", "kind": "township_hall"})
    assert renamed.json()["name"] == "河西镇政务服务大厅"
    async with api.sessions() as session:
        saved = (await session.execute(select(AuditEvent.before, AuditEvent.after).where(
            AuditEvent.action == "site.save", AuditEvent.object_id == "hexi", AuditEvent.id > start)
            .order_by(AuditEvent.id))).all()
    assert [a["name"] for _, a in saved] == ["河西镇便民服务大厅", "河西镇政务服务大厅"]
    assert saved[-1][0] == {"name": "河西镇便民服务大厅", "kind": "township_hall"}

    def user(name: str, site: str | None) -> dict[str, object]:
        return {"username": name, "password": PASSWORD, "role": "clerk", "display_name": "代办员",
                "site_code": site}

    hall_clerk = await api.client.post("/api/users", headers=api.admin_headers, json=user("hexi_clerk", "hexi"))
    assert hall_clerk.status_code == 201, hall_clerk.text
    assert hall_clerk.json()["site_code"] == "hexi"
    center_clerk = await api.client.post("/api/users", headers=api.admin_headers, json=user("county_clerk", "county"))
    assert center_clerk.status_code == 201, center_clerk.text
    unknown = await api.client.post("/api/users", headers=api.admin_headers, json=user("nowhere_clerk", "nowhere"))
    assert unknown.status_code == 422 and unknown.json()["extra"][0]["field"] == "site_code"
    at_hall = (await api.client.get("/api/users", headers=api.admin_headers, params={"site_code": "hexi"})).json()
    listed_there = {u["username"]: u["site_code"] for u in at_hall["items"]}  # other tests' hall clerks too
    assert "hexi_clerk" in listed_there and "county_clerk" not in listed_there
    assert set(listed_there.values()) == {"hexi"}

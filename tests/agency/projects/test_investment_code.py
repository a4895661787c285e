"""The national investment project code (投资项目统一代码): checked, unique, searchable, printed."""

from __future__ import annotations

from datetime import date

import pytest

from agency import timeutil
from agency.projects.codes import problem_of
from tests.agency.approvals.flow import open_dossier
from tests.agency.documents.test_documents_api import text_of
from tests.support import Api


def _code(serial: int, year: int = 2025, kind: str = "03") -> str:
    return f"{year}-339001-29-{kind}-{serial:06d}"


@pytest.mark.parametrize(("code", "wrong"), [
    ("2025-339001-29-03-012345", None),
    ("  2025-339001-29-02-012345 ", None),
    ("2025339001290301234", "格式"),
    ("2025-33900-29-03-012345", "格式"),
    ("2025-339001-29-03-01234X", "格式"),
    ("2025-339001-29-04-012345", "类别"),
    ("2027-339001-29-03-012345", "年份"),
    ("2013-339001-29-03-012345", "年份"),
])
def test_the_code_is_checked_part_by_part(code: str, wrong: str | None) -> None:
    problem = problem_of(code, date(2026, 12, 6))
    assert (problem is None) if wrong is None else (wrong in (problem or ""))


async def _open(api: Api, clerk: dict[str, str], enterprise_id: int, **extra: object) -> object:
    return await api.client.post("/api/projects", headers=clerk, json={
        "enterprise_id": enterprise_id, "name": "代码测试项目", "route_code": "new_industrial",
        "investment_wan": 800, "location": "示范县开发区", **extra})


async def test_given_when_opening_or_later_unique_and_searchable(api: Api) -> None:
    d = await open_dossier(api)
    serial = int(timeutil.now().timestamp() * 1000) % 1_000_000
    code = _code(serial)
    bad = await _open(api, d.clerk, d.enterprise_id, investment_code="2025-339001-29-09-000001")
    assert bad.status_code == 422 and bad.json()["extra"][0]["field"] == "investment_code"
    assert "类别" in bad.json()["detail"]
    future = await _open(api, d.clerk, d.enterprise_id,
                         investment_code=_code(1, year=timeutil.today().year + 1))
    assert future.status_code == 422 and future.json()["extra"][0]["field"] == "investment_code"
    opened = await _open(api, d.clerk, d.enterprise_id, investment_code=code)
    assert opened.status_code == 201, opened.text
    assert opened.json()["investment_code"] == code and opened.json()["code"].startswith("DB-")
    taken = await _open(api, d.clerk, d.enterprise_id, investment_code=code)
    assert taken.status_code == 409 and taken.json()["extra"][0]["field"] == "investment_code"

    # Entered later, on a dossier opened before the platform gave the code.
    assert d.project["investment_code"] is None
    url = f"/api/projects/{d.project['id']}"
    clash = await api.client.patch(url, headers=d.clerk, json={"investment_code": code})
    assert clash.status_code == 409
    later = _code((serial + 1) % 1_000_000)
    patched = await api.client.patch(url, headers=d.clerk, json={"investment_code": later})
    assert patched.status_code == 200 and patched.json()["investment_code"] == later
    malformed = await api.client.patch(url, headers=d.clerk, json={"investment_code": "ABC"})
    assert malformed.status_code == 422 and malformed.json()["extra"][0]["field"] == "investment_code"
    leader = await api.user_headers("leader")
    assert (await api.client.patch(url, headers=leader, json={"investment_code": later})).status_code == 403

    found = (await api.client.get("/api/projects", headers=d.clerk, params={"q": later})).json()
    assert [p["id"] for p in found["items"]] == [d.project["id"]]
    events = (await api.client.get(f"{url}/events", headers=d.clerk)).json()["items"]
    assert any(e["action"] == "project.investment_code" and e["after"] == {"investment_code": later}
               for e in events)


async def test_papers_print_the_code_as_项目代码_and_the_dossier_number_as_档案编号(api: Api) -> None:
    d = await open_dossier(api)
    code = _code((int(timeutil.now().timestamp() * 1000) + 7) % 1_000_000, year=2024, kind="02")
    url = f"/api/projects/{d.project['id']}"
    assert (await api.client.patch(url, headers=d.clerk, json={"investment_code": code})).status_code == 200
    made = await api.client.post(f"{url}/documents", headers=d.clerk, json={"template": "registration_form"})
    assert made.status_code == 201, made.text
    paper = await api.client.get(f"/api/files/{made.json()['file_id']}", headers=d.clerk)
    text = text_of(paper.content)
    assert f"项目代码\n{code}\n档案编号\n{d.project['code']}" in text

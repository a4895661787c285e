"""A paper carries the number series of its issuer: the agency office's 代办〔year〕N号, a department's own
(``departments.doc_prefix``, e.g. 嵩发改告〔2026〕3号) for the papers of its acts; the dossier number is labelled
档案编号."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api


async def _numbers(d: Dossier, template: str) -> list[str]:
    listed = await d.api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)
    assert listed.status_code == 200, listed.text
    return [doc["doc_number"] for doc in listed.json() if doc["template"] == template]


async def _issue(d: Dossier, template: str, **body: Any) -> dict[str, Any]:
    made = await d.api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                   json={"template": template, **body})
    assert made.status_code == 201, made.text
    return dict(made.json())


async def test_a_department_paper_carries_the_department_series(api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    fgj = await d.officer("fgj")
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "prepare")
    # At consultation the office issues the one-time notice: its own series.
    consulted = await _issue(d, "one_time_notice", approval_id=jnsc)
    assert re.fullmatch(r"代办〔\d{4}〕\d+号", consulted["doc_number"]), consulted["doc_number"]
    await d.scan(jnsc)
    await d.ok(jnsc, "submit")
    material = (await d.get(jnsc))["materials"][0]["code"]
    await d.ok(jnsc, "request_supplement", fgj, missing_materials=[material], reason="盖章不清")
    numbers = await _numbers(d, "one_time_notice")
    assert len(numbers) == 2
    assert any(re.fullmatch(r"示发改告〔\d{4}〕\d+号", n) for n in numbers), numbers  # 发展和改革局's, at 补正

    letter = await _issue(d, "authorization_letter")
    assert letter["doc_number"].startswith("代办〔")
    data = (await api.client.get(f"/api/files/{letter['file_id']}", headers=d.clerk, follow_redirects=True)).content
    text = re.sub(r"<[^>]+>", "", zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode())
    # The dossier number is labelled 档案编号; 项目代码 is the investment code (尚未赋码 until it is given).
    assert f"档案编号：{d.project['code']}" in text and f"项目代码：{d.project['code']}" not in text
    assert "项目代码：尚未赋码" in text


async def test_the_administrator_sets_a_department_series(api: Api) -> None:
    contacts = {level: {"name": f"联系人{n}", "phone": f"0571-8800{n}000"}
                for n, level in enumerate(("chief_representative", "leader_in_charge", "main_leader"))}
    body = {"name": "水利局", "mode": "online", "contacts": contacts}
    bad = await api.client.put("/api/departments/slj", headers=api.admin_headers, json={**body, "doc_prefix": "嵩〔水"})
    assert bad.status_code == 422 and bad.json()["extra"][0]["field"] == "doc_prefix", bad.text
    saved = await api.client.put("/api/departments/slj", headers=api.admin_headers,
                                 json={**body, "doc_prefix": "嵩水告"})
    assert saved.status_code == 200 and saved.json()["doc_prefix"] == "嵩水告", saved.text
    d = await open_dossier(api)
    await d.force_approved("xmba")
    stbc = await d.ready_to_submit("stbc")
    await d.ok(stbc, "submit")
    material = (await d.get(stbc))["materials"][0]["code"]
    await d.ok(stbc, "request_supplement", await d.officer("slj"), missing_materials=[material])
    assert [n[:4] for n in await _numbers(d, "one_time_notice")] == ["嵩水告〔"]

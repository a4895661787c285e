"""After a handover the township hall keeps a read-only view: every write on the dossier — a bundle, a paper, a
problem and its actions, an obligation, an escalation — answers 403 naming the site that now holds it, while the
center's clerk does them. The rows of the dossier (bundles, problems, obligations, meetings, escalations) are
listed for the sites that see the dossier and for no other. The 办结通知书 of a dossier a township hall holds
sends the enterprise to that hall for its certificates."""

from __future__ import annotations

from datetime import date

import pytest
from httpx import Response

from agency import timeutil
from agency.coordination.models import Meeting, MeetingProject
from agency.escalation.models import Escalation
from agency.obligations.models import Obligation
from tests.agency.approvals.flow import Dossier
from tests.agency.documents.test_documents_api import text_of
from tests.agency.sites.test_handover_api import SITES, _open
from tests.support import Api

CENTER = "示范县政务服务中心"


async def _sites(api: Api) -> dict[str, dict[str, str]]:
    for code, name, kind in SITES:
        saved = await api.client.put(f"/api/sites/{code}", headers=api.admin_headers, json={"name": name, "kind": kind})
        assert saved.status_code == 200, saved.text
    return {code: await api.user_headers("clerk", site_code=code) for code, _, _ in SITES}


async def _rows_of(api: Api, d: Dossier, approval_id: int) -> dict[str, int]:
    """An obligation, an escalation and a meeting on the dossier (their own flows are tested elsewhere)."""
    now, pid = timeutil.now(), d.project["id"]
    department = (await d.get(approval_id))["department_code"]
    async with api.sessions() as session:
        rule = {"count": 1, "unit": "year", "met_by": "construction_start"}
        obligation = Obligation(approval_id=approval_id, project_id=pid, department_code=department, code="kg",
                                name="取得许可后一年内开工", rule=rule,
                                starts_on=date(2026, 8, 1), original_due_on=date(2027, 8, 1), due_on=date(2027, 8, 1),
                                status="open", extensions=[], created_at=now)
        escalation = Escalation(subject_id=approval_id, approval_id=approval_id, project_id=pid,
                                department_code=department, rule="clock", level="red", as_of=date(2026, 8, 3),
                                fired_at=now, status="open", notified=True, targets=[])
        meeting = Meeting(title="乡镇项目协调会", planned_on=date(2026, 8, 20), created_at=now, agenda=[], attendees=[],
                          decisions=[], acknowledgements={})
        session.add_all([obligation, escalation, meeting])
        await session.flush()
        session.add(MeetingProject(meeting_id=meeting.id, project_id=pid))
        await session.commit()
        return {"obligation": obligation.id, "escalation": escalation.id, "meeting": meeting.id}


async def _ids(api: Api, headers: dict[str, str], url: str) -> set[int]:
    response = await api.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return {int(row["id"]) for row in (body["items"] if isinstance(body, dict) else body)}


def _refused(response: Response) -> None:
    assert response.status_code == 403, response.text
    assert f"该项目由{CENTER}办理，本站点只能查看" in response.json()["detail"]


@pytest.mark.today("2026-08-03")
async def test_after_the_handover_the_hall_only_reads_and_the_center_works_the_dossier(api: Api) -> None:
    clerks = await _sites(api)
    hall, center, east = clerks["hexi"], clerks["county"], clerks["east"]
    project = await _open(api, hall)
    d = Dossier(api, project, hall, project["enterprise"]["id"])
    pid = project["id"]
    await d.force_approved("xmba")
    approval = await d.ready_to_submit("ydghxk")
    zrzy = (await d.get(approval))["department_code"]
    rows = await _rows_of(api, d, approval)
    problem = await api.client.post(f"/api/projects/{pid}/problems", headers=hall, json={
        "title": "用地指标未落实", "category": "land", "department_code": zrzy, "due_on": "2026-09-01"})
    assert problem.status_code == 201, problem.text
    problem_id = problem.json()["id"]

    # Before the handover the hall's rows are its own; the sub-center sees none of them; the center sees all.
    lists = {"problem": "/api/problems", "obligation": "/api/obligations", "escalation": "/api/escalations",
             "meeting": f"/api/meetings?project_id={pid}"}
    mine = rows | {"problem": problem_id}
    for kind, url in lists.items():
        assert mine[kind] in await _ids(api, hall, url), kind
        assert mine[kind] in await _ids(api, center, url), kind
        assert mine[kind] not in await _ids(api, east, url), kind
    assert (await api.client.get(f"/api/meetings/{rows['meeting']}", headers=east)).status_code == 404

    handed = await api.client.post(f"/api/projects/{pid}/handover", headers=hall, json={"note": "移交县中心代办"})
    assert handed.status_code == 201, handed.text

    # The hall: every write refused, naming the center, in Chinese; nothing it may no longer do happened.
    send = {"project_id": pid, "approval_ids": [approval]}
    _refused(await api.client.post("/api/bundles", headers=hall, json=send))
    _refused(await api.client.post(f"/api/projects/{pid}/documents", headers=hall,
                                   json={"template": "authorization_letter"}))
    _refused(await api.client.post(f"/api/projects/{pid}/problems", headers=hall, json={
        "title": "配套未到位", "category": "utilities", "department_code": zrzy, "due_on": "2026-09-01"}))
    _refused(await api.client.post(f"/api/problems/{problem_id}/actions", headers=hall,
                                   json={"action": "confirm", "note": "已解决"}))
    _refused(await api.client.post(f"/api/obligations/{rows['obligation']}/meet", headers=hall,
                                   json={"met_on": "2026-08-03", "note": "已开工"}))
    _refused(await api.client.post(f"/api/obligations/{rows['obligation']}/extend", headers=hall,
                                   json={"until": "2027-10-01"}))
    _refused(await api.client.post(f"/api/escalations/{rows['escalation']}/resolve", headers=hall,
                                   json={"note": "已督促部门办理"}))
    assert (await api.client.get(f"/api/projects/{pid}/documents", headers=hall)).json() == []

    # It still reads every row of the dossier, as the center does after the handover; the sub-center none.
    for kind, url in lists.items():
        assert mine[kind] in await _ids(api, hall, url), kind
        assert mine[kind] in await _ids(api, center, url), kind
    escalated = await api.client.get(f"/api/escalations?project_id={pid}", headers=center)
    assert [e["id"] for e in escalated.json()["items"]] == [rows["escalation"]]

    # The center does what the hall no longer may.
    sent = await api.client.post("/api/bundles", headers=center, json=send)
    assert sent.status_code == 201, sent.text
    paper = await api.client.post(f"/api/projects/{pid}/documents", headers=center,
                                  json={"template": "authorization_letter"})
    assert paper.status_code == 201, paper.text
    met = await api.client.post(f"/api/obligations/{rows['obligation']}/meet", headers=center,
                                json={"met_on": "2026-08-03", "note": "已开工"})
    assert met.status_code == 200, met.text
    resolved = await api.client.post(f"/api/escalations/{rows['escalation']}/resolve", headers=center,
                                     json={"note": "已督促部门办理"})
    assert resolved.status_code == 200, resolved.text
    bundle = sent.json()["id"]
    assert bundle in await _ids(api, hall, "/api/bundles") and bundle in await _ids(api, center, "/api/bundles")
    assert bundle not in await _ids(api, east, "/api/bundles")
    assert (await api.client.get(f"/api/bundles/{bundle}", headers=hall)).status_code == 200
    assert (await api.client.get(f"/api/bundles/{bundle}", headers=east)).status_code == 404


async def _completion_text(api: Api, clerk: dict[str, str]) -> str:
    project = await _open(api, clerk)
    d = Dossier(api, project, clerk, project["enterprise"]["id"])
    await d.force_approved("xmba")
    made = await api.client.post(f"/api/projects/{project['id']}/documents", headers=clerk,
                                 json={"template": "completion_notice"})
    assert made.status_code == 201, made.text
    download = await api.client.get(f"/api/files/{made.json()['file_id']}", headers=clerk)
    assert download.status_code == 200, download.text
    return text_of(download.content)


@pytest.mark.today("2026-08-03")
async def test_the_completion_notice_sends_the_enterprise_to_the_township_hall_holding_the_dossier(api: Api) -> None:
    clerks = await _sites(api)
    at_hall = await _completion_text(api, clerks["hexi"])
    assert "请持本通知书到河西镇便民服务大厅领取尚未领取的证照（文书）原件" in at_hall
    at_center = await _completion_text(api, clerks["county"])
    assert "企业代办服务窗口领取尚未领取的证照" in at_center and "便民服务大厅" not in at_center
    at_sub_center = await _completion_text(api, clerks["east"])  # a sub-center: the center's window, as before
    assert "企业代办服务窗口领取" in at_sub_center and "城东分中心领取" not in at_sub_center

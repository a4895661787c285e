"""Joint acceptance (联合验收): each participant department records its opinion; the item is approved only when
every participant has passed; a failure lists findings and only that participant re-inspects."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from agency.audit.models import AuditEvent
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.support import Api

# Everything the new-industrial route plans before 联合验收; 消防验收 and 规划核实 are not among them (they are
# participants' opinions inside it).
BEFORE = ("xmba", "ydghxk", "tddj", "gcghxk", "hp", "jnsc", "stbc", "sgtsc", "xfsj", "sgxk", "dljr", "gsjr")


async def joint_under_way(api: Api) -> tuple[Dossier, int]:
    """A new-industrial dossier whose 联合验收及竣工验收备案 has been accepted by 住房和城乡建设局."""
    d = await open_dossier(api)
    await d.force_approved(*BEFORE)
    # 联合验收 waits for 竣工 itself now, not for separate 消防验收 and 规划核实 approvals.
    built = await api.client.put(f"/api/projects/{d.project['id']}/milestones/construction_complete",
                                 json={"done_on": "2026-11-20"}, headers=d.clerk)
    assert built.status_code == 200, built.text
    lhys = await d.ready_to_submit("lhys")
    await d.ok(lhys, "submit")
    await d.ok(lhys, "accept", await d.officer("zjj"))
    return d, lhys


async def opinion(api: Api, approval_id: int, headers: dict[str, str], **body: Any) -> Any:
    return await api.client.post(f"/api/approvals/{approval_id}/opinions", headers=headers, json=body)


def parts(answer: Any) -> dict[str, tuple[str, int, list[str]]]:
    return {p["name"]: (p["status"], p["round"], p["findings"]) for p in answer.json()["participants"]}


@pytest.mark.today("2026-12-01")
async def test_approval_waits_until_every_participant_has_passed_and_a_failure_is_reinspected_alone(
        api: Api) -> None:
    d, lhys = await joint_under_way(api)
    zjj, zrzy = await d.officer("zjj"), await d.officer("zrzy")

    shown = await api.client.get(f"/api/approvals/{lhys}/opinions", headers=d.clerk)
    assert shown.status_code == 200 and shown.json()["all_passed"] is False
    assert [p["name"] for p in shown.json()["participants"]] == ["规划核实", "消防验收", "人防验收", "档案验收",
                                                                 "土地核验"]
    refused = await d.act(lhys, "approve", zjj)
    assert refused.status_code == 409
    assert "规划核实、消防验收、人防验收、档案验收、土地核验" in refused.json()["detail"]

    # 自然资源和规划局 takes two parts: it must say which; a failure needs its findings.
    unclear = await opinion(api, lhys, zrzy, **{"pass": True})
    assert unclear.status_code == 422 and unclear.json()["extra"][0]["field"] == "participant"
    bare = await opinion(api, lhys, zrzy, **{"pass": False, "participant": "ghhs"})
    assert bare.status_code == 422 and bare.json()["extra"][0]["field"] == "findings"
    failed = await opinion(api, lhys, zrzy, **{"pass": False, "participant": "ghhs",
                                               "findings": ["建筑高度超出规划许可0.6米", "绿地率不足"]})
    assert failed.status_code == 200
    assert parts(failed)["规划核实"] == ("failed", 1, ["建筑高度超出规划许可0.6米", "绿地率不足"])
    for code in ("xfys", "rf", "da"):
        assert (await opinion(api, lhys, zjj, **{"pass": True, "participant": code})).status_code == 200
    after = await opinion(api, lhys, zrzy, **{"pass": True, "participant": "tdhy"})
    assert parts(after)["土地核验"] == ("passed", 1, []) and after.json()["all_passed"] is False

    still = await d.act(lhys, "approve", zjj)
    assert still.status_code == 409 and "规划核实" in still.json()["detail"]
    assert "消防验收" not in still.json()["detail"]
    again = await opinion(api, lhys, zjj, **{"pass": True, "participant": "xfys"})
    assert again.status_code == 409  # a passed part does not restart

    # The enterprise fixed the findings: only 规划核实 is inspected again, the other passes stand.
    reinspected = await opinion(api, lhys, zrzy, **{"pass": True, "participant": "ghhs"})
    assert reinspected.status_code == 200 and reinspected.json()["all_passed"] is True
    assert parts(reinspected)["规划核实"] == ("passed", 2, [])
    assert parts(reinspected)["消防验收"] == ("passed", 1, [])
    approved = await d.ok(lhys, "approve", zjj, certificate_no="联合验收2026-001")
    assert approved["status"] == "approved"

    async with api.sessions() as session:
        recorded = (await session.execute(select(AuditEvent.after).where(
            AuditEvent.action == "approval.joint_opinion", AuditEvent.object_id == str(lhys))
            .order_by(AuditEvent.id))).scalars().all()
    assert [(a["participant"], a["round"], a["passed"]) for a in recorded] == [
        ("ghhs", 1, False), ("xfys", 1, True), ("rf", 1, True), ("da", 1, True), ("tdhy", 1, True), ("ghhs", 2, True)]


@pytest.mark.today("2026-12-01")
async def test_only_a_participant_department_records_its_own_opinion(api: Api) -> None:
    d, lhys = await joint_under_way(api)
    zrzy = await d.officer("zrzy")
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    for headers in (d.clerk, enterprise, await api.user_headers("leader")):
        assert (await opinion(api, lhys, headers, **{"pass": True})).status_code == 403
    # A department outside the joint item does not even see it.
    assert (await opinion(api, lhys, await d.officer("sthj"), **{"pass": True})).status_code == 404
    # 自然资源和规划局 may not speak for 住房和城乡建设局's 消防验收.
    other = await opinion(api, lhys, zrzy, **{"pass": True, "participant": "xfys"})
    assert other.status_code == 403
    # The enterprise sees the parts (read only); the participant sees the item it takes part in.
    assert (await api.client.get(f"/api/approvals/{lhys}/opinions", headers=enterprise)).status_code == 200
    assert (await api.client.get(f"/api/approvals/{lhys}/opinions", headers=zrzy)).status_code == 200


@pytest.mark.today("2026-12-01")
async def test_opinions_only_while_the_joint_item_is_under_way_and_only_on_a_joint_item(api: Api) -> None:
    d = await open_dossier(api)
    zrzy = await d.officer("zrzy")
    # The route plans no separate 规划核实 or 消防验收: they are parts of the joint item only.
    assert not {"ghhs", "xfys"} & {a["item_code"] for a in d.project["approvals"]}
    lhys, gcghxk = d.approval_id("lhys"), d.approval_id("gcghxk")
    early = await opinion(api, lhys, zrzy, **{"pass": True, "participant": "ghhs"})
    assert early.status_code == 409
    # 自然资源和规划局's own item (建设工程规划许可) is not a joint one.
    assert (await opinion(api, gcghxk, zrzy, **{"pass": True})).status_code == 404

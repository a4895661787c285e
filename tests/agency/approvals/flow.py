"""Arranging approvals for life-cycle tests: a dossier, officers, scans, and actions by name."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import update

from agency import timeutil
from agency.approvals.models import Approval
from agency.files.models import StoredFile
from tests.support import Api, unique, valid_credit_code


@dataclass
class Dossier:
    api: Api
    project: dict[str, Any]
    clerk: dict[str, str]
    enterprise_id: int
    officers: dict[str, dict[str, str]] = field(default_factory=dict)

    def approval_id(self, item_code: str) -> int:
        return next(a["id"] for a in self.project["approvals"] if a["item_code"] == item_code)

    async def officer(self, department_code: str) -> dict[str, str]:
        if department_code not in self.officers:
            self.officers[department_code] = await self.api.user_headers("department",
                                                                         department_code=department_code)
        return self.officers[department_code]

    async def get(self, approval_id: int, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
        response = await self.api.client.get(f"/api/approvals/{approval_id}", headers=headers or self.clerk,
                                             params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def act(self, approval_id: int, action: str, headers: dict[str, str] | None = None,
                  version: int | None = None, **fields: Any) -> Any:
        if version is None:
            version = (await self.get(approval_id))["version"]
        body = {"action": action, "version": version, **{k: _json(v) for k, v in fields.items()}}
        return await self.api.client.post(f"/api/approvals/{approval_id}/actions", json=body,
                                          headers=headers or self.clerk)

    async def ok(self, approval_id: int, action: str, headers: dict[str, str] | None = None,
                 **fields: Any) -> dict[str, Any]:
        response = await self.act(approval_id, action, headers, **fields)
        assert response.status_code == 200, f"{action}: {response.text}"
        return response.json()

    async def scan(self, approval_id: int, *codes: str) -> None:
        """Stands for uploaded scans: one stored-file row per material (the upload API is tested elsewhere)."""
        approval = await self.get(approval_id)
        wanted = codes or tuple(m["code"] for m in approval["materials"] if m["required"])
        async with self.api.sessions() as session:
            for code in wanted:
                digest = hashlib.sha256(f"{approval_id}{code}{uuid.uuid4()}".encode()).hexdigest()
                session.add(StoredFile(storage_key=f"test/{uuid.uuid4().hex}", project_id=approval["project_id"],
                                       approval_id=approval_id, material_code=code, version=1 + sum(
                                           1 for m in approval["materials"] if m["code"] == code
                                           for _ in m["files"]),
                                       kind="scan", original_name=f"{code}.pdf", size=1024, sha256=digest,
                                       content_type="application/pdf", uploaded_at=timeutil.now()))
            await session.commit()

    async def force_approved(self, *item_codes: str, on: date | None = None) -> None:
        """Arranges prerequisites as already approved, without walking each one through its departments."""
        ids = [self.approval_id(code) for code in item_codes]
        await self.api.execute(update(Approval).where(Approval.id.in_(ids)).values(
            status="approved", decided_on=on or date(2025, 1, 2), status_since=on or date(2025, 1, 2)))

    async def ready_to_submit(self, item_code: str, *, prepare_on: date | None = None) -> int:
        approval_id = self.approval_id(item_code)
        await self.ok(approval_id, "prepare", effective_on=prepare_on)
        await self.scan(approval_id)
        return approval_id


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


async def open_dossier(api: Api, route: str = "new_industrial") -> Dossier:
    clerk = await api.user_headers("clerk")
    enterprise = await api.client.post("/api/enterprises", headers=clerk, json={
        "credit_code": valid_credit_code(), "name": unique("测试企业"), "legal_representative": "张三",
        "contact_name": "李四", "contact_phone": "13800001111", "address": "示范县开发区1号", "park": "开发区"})
    assert enterprise.status_code == 201, enterprise.text
    project = await api.client.post("/api/projects", headers=clerk, json={
        "enterprise_id": enterprise.json()["id"], "name": unique("测试项目"), "route_code": route,
        "investment_wan": 1000, "location": "示范县开发区"})
    assert project.status_code == 201, project.text
    return Dossier(api, project.json(), clerk, enterprise.json()["id"])


async def land_permit_accepted(api: Api) -> tuple[Dossier, dict[str, str], int, dict[str, Any]]:
    """用地规划许可 of a new dossier (its 项目备案 approved) submitted and accepted by 自然资源局: the dossier,
    the officer's headers, the approval's id and the acceptance's answer."""
    d = await open_dossier(api)
    await d.force_approved("xmba")
    zrzy = await d.officer("zrzy")
    ydghxk = await d.ready_to_submit("ydghxk")
    await d.ok(ydghxk, "submit")
    return d, zrzy, ydghxk, await d.ok(ydghxk, "accept", zrzy)


async def approved_with_commitment(api: Api) -> tuple[Dossier, int]:
    """施工许可 approved today by 住房和城乡建设局 with 建设资金已落实承诺书 committed (告知承诺): a check is open."""
    d = await open_dossier(api)
    sgxk = d.approval_id("sgxk")
    prerequisites = (await d.get(sgxk))["prerequisites"]
    await api.execute(update(Approval).where(Approval.id.in_(prerequisites)).values(
        status="approved", decided_on=date(2026, 1, 5), status_since=date(2026, 1, 5)))
    zjj = await d.officer("zjj")
    await d.ok(sgxk, "prepare")
    response = await api.client.post(f"/api/approvals/{sgxk}/materials/zjcn/state", headers=d.clerk,
                                     json={"state": "committed"})
    assert response.status_code == 200, response.text
    await d.scan(sgxk, *[m["code"] for m in (await d.get(sgxk))["materials"]
                         if m["required"] and m["state"] == "missing"])
    await d.ok(sgxk, "submit")
    await d.ok(sgxk, "accept", zjj)
    await d.ok(sgxk, "approve", zjj, certificate_no="330521202612310101")
    return d, sgxk

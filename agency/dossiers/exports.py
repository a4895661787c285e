"""The project list as a spreadsheet: every dossier the filters find (not one page), as the list shows them."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.dossiers import service
from agency.spreadsheets import EXPORT_LIMIT, table_workbook

PROJECT_STATUS_NAMES = {"planning": "筹划中", "in_progress": "办理中", "completed": "已办结", "blocked": "受阻",
                        "closed": "已关闭"}
GREEN_NAMES = {"none": "未申请", "requested": "已申请待审批", "approved": "已开通", "refused": "未获批准"}
COLUMNS = (("档案编号", 16), ("项目名称", 36), ("企业", 32), ("状态", 10), ("绿色通道", 14), ("事项数", 8),
           ("已办结事项", 10), ("建档日期", 12))


async def project_workbook(session: AsyncSession, actor: Actor, *, status: str | None, green_channel: str | None,
                           enterprise_id: int | None, q: str | None, mine: bool, level: str | None,
                           today: date, site_code: str | None = None) -> bytes:
    rows, _ = await service.search(session, actor, status=status, green_channel=green_channel,
                                   enterprise_id=enterprise_id, q=q, mine=mine, page=1, page_size=EXPORT_LIMIT,
                                   level=level, today=today, site_code=site_code)
    return table_workbook("项目清单", COLUMNS, (
        (p.code, p.name, enterprise, PROJECT_STATUS_NAMES.get(p.status, p.status),
         GREEN_NAMES.get(p.green_channel_status, p.green_channel_status), count, approved, p.created_at.date())
        for p, enterprise, count, approved in rows))

"""The worklist as a spreadsheet: every row the filters find, most urgent first, as the list shows them."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.approvals import queries
from agency.approvals.queries import Levels, Statuses, Supplement
from agency.approvals.rules import status_name
from agency.catalog.models import Department
from agency.spreadsheets import EXPORT_LIMIT, table_workbook

LEVEL_NAMES = {"none": "正常", "prompt": "临期提示", "yellow": "黄牌", "red": "红牌", "l3": "督办"}
COLUMNS = (("事项", 30), ("档案编号", 16), ("项目", 32), ("企业", 30), ("部门", 20), ("状态", 12),
           ("承诺期限", 12), ("剩余工作日", 10), ("预警", 8))


async def worklist_workbook(session: AsyncSession, actor: Actor, *, department_code: str | None, status: Statuses,
                            level: Levels, project_id: int | None, today: date,
                            supplement: Supplement = None, site_code: str | None = None) -> bytes:
    rows, _ = await queries.worklist(session, actor, department_code=department_code, status=status, level=level,
                                     project_id=project_id, today=today, page=1, page_size=EXPORT_LIMIT,
                                     supplement=supplement, site_code=site_code)
    departments = {d.code: d.name for d in (await session.execute(Department.__table__.select())).all()}
    return table_workbook("事项清单", COLUMNS, (
        (r.approval.name, r.project.code, r.project.name, r.enterprise_name,
         departments.get(r.approval.department_code, r.approval.department_code),
         status_name(r.approval.status, r.approval.pending_supplement),
         r.clock.due_on, r.clock.remaining_workdays, LEVEL_NAMES[r.clock.level]) for r in rows))

"""The 一次性告知单 before it is sent: what the department officer sees before asking for a supplement.

The context comes from ``contexts.one_time_notice``, the one function the flow itself fills the real
notice with once ``request_supplement`` is taken, so the preview and the paper cannot differ. A preview
only reads: no document number is drawn, no file stored, no document row, no audit line, no state change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
from agency.access import Actor
from agency.approvals import queries
from agency.approvals.models import Approval
from agency.approvals.rules import ACTION_NAMES, RULES, STATUS_NAMES
from agency.documents import contexts
from agency.documents.rules import file_name_part
from agency.documents.service import Papers, render_paper
from agency.errors import Conflict, Forbidden, Invalid
from agency.projects.models import Project

ACTION = "request_supplement"
TEMPLATE = "one_time_notice"
# The real notice takes the next 代办〔year〕n号 when it is generated; a preview must not use one up.
PREVIEW_NUMBER = "（发出时编号）"


@dataclass(slots=True)
class NoticePreview:
    approval: Approval
    project: Project
    codes: list[str]
    note: str
    context: paper.OneTimeNoticeContext


def supplement_note(reason: str | None, note: str | None) -> str:
    """The note the notice prints next to each material: the officer's reason, as the flow records it."""
    return (reason or note or "").strip()


async def one_time_notice(session: AsyncSession, actor: Actor, papers: Papers, approval_id: int,
                          codes: list[str] | None, note: str, today: date, *,
                          version: int | None = None) -> NoticePreview:
    """The notice ``request_supplement`` would generate now with these materials and this note."""
    view = await queries.approval_view(session, actor, approval_id, today)
    approval = view.approval
    if ACTION not in queries.allowed_actions(view, actor):
        if approval.status in RULES[ACTION].sources:
            raise Forbidden("只能办理本部门的事项（not your department's approval）")
        raise Conflict(f"事项当前状态为“{STATUS_NAMES[approval.status]}”，不能{ACTION_NAMES[ACTION]}"
                       f"（{ACTION} not allowed in state {approval.status}）")
    if version is not None and version != approval.version:
        raise Conflict(f"事项已被他人更新（当前版本 {approval.version}），请刷新后重试（stale version）",
                       extra={"field": "version", "current_version": approval.version})
    known = [m["code"] for m in approval.snapshot.get("materials") or []]
    if not codes:
        raise Invalid("须一次性列明全部需补正的材料（missing_materials is required）", field="missing_materials")
    if unknown := [c for c in codes if c not in known]:
        raise Invalid(f"材料 {', '.join(unknown)} 不属于该事项（unknown material）", field="missing_materials")
    dossier = await contexts.load_dossier(session, view.project, today, actor)
    base = contexts.base_fields(dossier, papers.settings, PREVIEW_NUMBER)
    context = await contexts.one_time_notice(session, base, dossier, approval, codes, note)
    return NoticePreview(approval=approval, project=view.project, codes=codes, note=note, context=context)


async def notice_file(session: AsyncSession, papers: Papers, preview: NoticePreview, output: str) -> tuple[bytes, str]:
    """The preview as the paper itself (.docx, or .pdf through LibreOffice), from the current template."""
    data, _ = await render_paper(session, papers, TEMPLATE, preview.context, output)
    name = paper.get_spec(TEMPLATE).name_zh
    return data, f"{name}（预览）-{preview.project.code}-{file_name_part(preview.approval.name)}.{output}"

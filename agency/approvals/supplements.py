"""The one-time notice (一次性告知) and its answer, as the law has them.

* Once: every missing material at once, each with its own defect and what to do; asking again, in a later
  round, for a material that was provided and unchanged since the last notice is a violation of the
  department (``repeat_supplement``) and needs a written reason.
* A period to answer: configurable per item (``supplement_limit_workdays``, default 10 working days),
  stored with the notice (``due_on``). It is the one deadline the sweep watches for an unanswered notice
  (``stall_supplement``); once it has passed the department may end the case (``terminate``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.approvals import materials
from agency.approvals.models import Approval
from agency.approvals.schemas import ActionIn
from agency.calendar.workdays import WorkCalendar
from agency.errors import Conflict, Invalid
from agency.violations import service as violations

DEFAULT_LIMIT_WORKDAYS = 10


def asked(data: ActionIn) -> list[str]:
    """The materials a request names: those listed, and those it gives a defect for."""
    codes = list(data.missing_materials or [])
    codes += [d.material_code for d in data.defects or [] if d.material_code not in codes]
    return codes


async def check_request(session: AsyncSession, approval: Approval, data: ActionIn) -> list[str]:
    """Checks a request; returns the materials it asks for again although they were provided and unchanged
    since the last notice (the caller records the violation once the request stands)."""
    codes = {m["code"] for m in approval.snapshot.get("materials") or []}
    wanted = asked(data)
    if not wanted:
        raise Invalid("须一次性列明全部需补正的材料（missing_materials is required）", field="missing_materials")
    unknown = [c for c in wanted if c not in codes]
    if unknown:
        raise Invalid(f"材料 {', '.join(unknown)} 不属于该事项（unknown material）", field="missing_materials")
    if approval.pending_supplement:
        raise Conflict("一次性告知只能一次：上一份补正通知尚未答复，不能再次要求补正（already asked）",
                       extra={"pending_supplement": approval.pending_supplement})
    last = (approval.supplement_rounds or [])[-1] if approval.supplement_rounds else None
    if last is None:
        return []
    since = datetime.fromisoformat(last["requested_at"])
    views = {v.code: v for v in await materials.views(session, approval)}
    repeated = [c for c in wanted if c in views and views[c].files and not materials.changed_since(views[c], since)]
    if repeated and len((data.reason or "").strip()) < 2:
        names = "、".join(views[c].name for c in repeated)
        raise Invalid(f"{names}已提交且此后未变更，再次要求补正须写明理由（a written reason is required）",
                      field="reason")
    return repeated


def notice_of(approval: Approval, data: ActionIn, effective: date, before_acceptance: bool,
              calendar: WorkCalendar) -> dict[str, Any]:
    """What the approval keeps of an open notice: materials, each one's defect, and the answer's due date."""
    limit = int(approval.snapshot.get("supplement_limit_workdays") or DEFAULT_LIMIT_WORKDAYS)
    defects = {d.material_code: d.defect.strip() for d in data.defects or []}
    return {"missing_materials": asked(data), "defects": defects,
            "reason": (data.reason or data.note or "").strip(), "requested_on": effective.isoformat(),
            "requested_at": timeutil.now().isoformat(), "before_acceptance": before_acceptance,
            "due_on": calendar.add_workdays(effective, limit).isoformat(), "limit_workdays": limit}


def round_of(notice: dict[str, Any]) -> dict[str, Any]:
    return {"requested_on": notice["requested_on"], "requested_at": notice["requested_at"],
            "materials": notice["missing_materials"]}


async def record_repeats(session: AsyncSession, approval: Approval, repeated: list[str], effective: date,
                         reason: str) -> None:
    names = {m["code"]: m["name"] for m in approval.snapshot.get("materials") or []}
    for code in repeated:
        await violations.record(session, kind="repeat_supplement", approval_id=approval.id,
                                project_id=approval.project_id, department_code=approval.department_code,
                                occurred_on=effective, occasion=f"{effective.isoformat()}:{code}",
                                detail={"material_code": code, "material_name": names.get(code, code),
                                        "reason": reason})


def check_terminate(approval: Approval, data: ActionIn, today: date) -> None:
    """Only once the enterprise let the supplement period pass, and with the reason the paper states."""
    if len((data.reason or "").strip()) < 2:
        raise Invalid("须填写终止办理的理由（reason is required）", field="reason")
    due = (approval.pending_supplement or {}).get("due_on")
    if due is None or date.fromisoformat(due) >= today:
        raise Conflict(f"补正期限（{due or '未定'}）尚未届满，不能终止办理（the supplement period has not passed）",
                       extra={"due_on": due})


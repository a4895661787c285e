"""The contexts of the statutory notices and of the reform-era intake papers (documents/notices.py), read from
the approval after the act that calls for them has committed. ``facts`` are what the act itself said (its
reason, days, the special procedure's kind), carried by the job that renders the paper."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import documents as paper
from agency.approvals.clocks import limit_of, load_clocks
from agency.approvals.models import Approval, MaterialState
from agency.approvals.rules import PROCEDURE_NAMES
from agency.calendar.service import get_calendar
from agency.errors import Conflict

NOTICE_TEMPLATES = frozenset({"acceptance_notice", "extension_notice", "special_procedure_notice",
                              "deferral_notice", "commitment_letter", "termination_notice"})
_UNIT_WORDS = {"workday": "个工作日", "calendar_day": "日"}
DEFAULT_VERIFY_MONTHS = 2


def _on(facts: dict[str, Any], fallback: date) -> date:
    value = facts.get("effective_on")
    return date.fromisoformat(value) if isinstance(value, str) else fallback


async def build(session: AsyncSession, template: str, base: dict[str, Any], approval: Approval, project: Any,
                facts: dict[str, Any], today: date) -> msgspec.Struct:
    """The context of ``template`` for ``approval``; ``base`` holds the parts every paper has."""
    names = {m["code"]: m for m in approval.snapshot.get("materials") or []}
    common = {**base, "item_name": approval.name, "received_on": approval.submitted_on}
    on = _on(facts, approval.status_since or today)
    if template in ("acceptance_notice", "extension_notice"):
        calendar = await get_calendar(session)
        clock = (await load_clocks(session, [approval], {project.id: project}, calendar, today))[approval.id]
        if template == "acceptance_notice":
            limit = limit_of(approval.snapshot, "promised_limit")
            return paper.AcceptanceNoticeContext(
                **common, accepted_on=clock.accepted_on or on, deemed=approval.deemed, due_on=clock.due_on,
                promised_limit=f"{limit.count}{_UNIT_WORDS[limit.unit]}" if limit else "")
        return paper.ExtensionNoticeContext(
            **common, extended_on=on, days=int(facts.get("days") or 0), reason=str(facts.get("reason") or ""),
            due_on=clock.due_on, statutory_due_on=clock.statutory_due_on)
    if template == "special_procedure_notice":
        kind = str(facts.get("kind") or "other")
        return paper.SpecialProcedureNoticeContext(
            **common, suspended_on=on, procedure=PROCEDURE_NAMES.get(kind, kind), days=int(facts.get("days") or 0),
            reason=str(facts.get("reason") or ""))
    if template == "termination_notice":
        rounds = approval.supplement_rounds or []
        last = (approval.pending_supplement or {}) or (rounds[-1] if rounds else {})
        return paper.TerminationNoticeContext(
            **common, terminated_on=approval.decided_on or on, reason=(approval.decision or {}).get("reason") or "",
            supplement_requested_on=_date(last.get("requested_on")), supplement_due_on=_date(last.get("due_on")))
    states = list((await session.execute(select(MaterialState).where(
        MaterialState.approval_id == approval.id).order_by(MaterialState.material_code))).scalars())
    if template == "deferral_notice":
        deferred = [s for s in states if s.state == "deferred" and s.promised_on is not None]
        if not deferred:
            raise Conflict("该事项没有容缺受理的材料（no deferred material）", field="approval_id")
        return paper.DeferralNoticeContext(**common, accepted_on=on, materials=tuple(paper.DeferredMaterial(
            name=names.get(s.material_code, {}).get("name", s.material_code), promised_on=s.promised_on,
            note=s.reason or "") for s in deferred if s.promised_on is not None))
    committed = [s for s in states if s.state == "committed"]
    if not committed:
        raise Conflict("该事项没有以告知承诺代替的材料（no committed material）", field="approval_id")
    months = max((names.get(s.material_code, {}).get("verify_within_months") or DEFAULT_VERIFY_MONTHS)
                 for s in committed)
    return paper.CommitmentLetterContext(**common, verify_within_months=months, materials=tuple(
        paper.CommittedMaterial(name=names.get(s.material_code, {}).get("name", s.material_code), note=s.reason or "")
        for s in committed))


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None

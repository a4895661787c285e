"""Reconciling the fee account's bank statement (对账) against the fee lines.

Each new credit is matched to a standing fee line (待缴款 or 已缴款, not yet reconciled) first by the payment
reference (缴款码) the payer quoted in the memo, then by amount and payer (the enterprise's name); a credit
that fits several lines, or whose reference names a line of another amount or one already reconciled, is
ambiguous; one that fits none is unmatched. The clerk settles those against a fee line by hand. A matched
credit on a line still 待缴款 records its payment (the money is in the account). A credit already imported
(the same ``line_key``) is left as it was: the same statement imported twice changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.audit import service as audit
from agency.enterprises.models import Enterprise
from agency.errors import Conflict, Invalid, NotFound
from agency.fees.models import FeeLine, StatementImport, StatementLine
from agency.fees.statement import Credit, parse
from agency.projects.models import Project

_REFERENCE = re.compile(r"(?<!\d)\d{20}(?!\d)")
STANDING = ("assessed", "paid")


def _visibility(actor: Actor) -> ColumnElement[bool]:
    return true() if actor.role in (Role.ADMIN, Role.CLERK, Role.LEADER) else false()


Visibility.register(StatementLine, _visibility)


@dataclass
class ImportResult:
    import_id: int | None
    encoding: str
    matched: list[StatementLine] = field(default_factory=list)
    ambiguous: list[StatementLine] = field(default_factory=list)
    unmatched: list[StatementLine] = field(default_factory=list)
    unchanged: int = 0


def _open_lines() -> ColumnElement[bool]:
    """Fee lines that still wait for their credit: standing, something to pay, not yet reconciled."""
    reconciled = select(StatementLine.fee_id).where(StatementLine.fee_id.is_not(None))
    return FeeLine.status.in_(STANDING) & (FeeLine.amount_yuan > 0) & FeeLine.id.not_in(reconciled)


async def _match(session: AsyncSession, credit: Credit) -> tuple[str, str | None, str, list[int]]:
    """(status, matched_by, note, candidate fee ids) for one credit."""
    references = _REFERENCE.findall(f"{credit.memo} {credit.serial}")
    if references:
        named = list((await session.execute(select(FeeLine).where(FeeLine.payment_ref.in_(references)))).scalars())
        if named:
            open_ids = set((await session.execute(select(FeeLine.id).where(
                FeeLine.id.in_([n.id for n in named]), _open_lines()))).scalars())
            fitting = [n for n in named if n.id in open_ids and n.amount_yuan == credit.amount]
            if len(fitting) == 1:
                return "matched", "reference", "", [fitting[0].id]
            if not open_ids:
                return "ambiguous", None, "缴款码对应的收费已对账或已撤销（可能重复缴款）", [n.id for n in named]
            return "ambiguous", None, "缴款码对应的收费金额与到账金额不符", sorted(open_ids)
    same = list((await session.execute(
        select(FeeLine.id).join(Project, Project.id == FeeLine.project_id)
        .join(Enterprise, Enterprise.id == Project.enterprise_id)
        .where(_open_lines(), FeeLine.amount_yuan == credit.amount, Enterprise.name == credit.payer_name)
        .order_by(FeeLine.id))).scalars())
    if len(same) == 1:
        return "matched", "amount_payer", "", same
    if same:
        return "ambiguous", None, f"缴款人和金额相同的待对账收费有 {len(same)} 笔", same
    return "unmatched", None, "未找到缴款码、金额和缴款人相符的收费", []


async def _reconcile_fee(session: AsyncSession, actor: Actor, line: StatementLine, fee: FeeLine) -> None:
    """The credit reconciles ``fee``; a fee still 待缴款 is paid by it. One audit line on the fee."""
    line.fee_id, line.status = fee.id, "matched"
    before = fee.status
    if fee.status == "assessed":
        fee.status, fee.paid_on, fee.paid_yuan, fee.channel = "paid", line.booked_on, line.amount_yuan, "bank_transfer"
        fee.receipt_no = line.serial or f"对账单第{line.id}笔"
        fee.paid_recorded_by = actor.user_id
    await session.flush()
    await audit.record(session, actor, "fee.reconcile", "fee", fee.id, project_id=fee.project_id,
                       before={"status": before},
                       after={"status": fee.status, "statement_line_id": line.id, "matched_by": line.matched_by,
                              "booked_on": line.booked_on.isoformat(), "amount_yuan": f"{line.amount_yuan:.2f}",
                              "payer": line.payer_name})


async def import_statement(session: AsyncSession, actor: Actor, body: bytes, *, filename: str = "") -> ImportResult:
    """Imports the statement's new credits and matches each; credits already imported are counted unchanged."""
    actor.require(Role.CLERK)
    encoding, credits = parse(body)
    keys = [c.key for c in credits]
    known = set((await session.execute(select(StatementLine.line_key).where(
        StatementLine.line_key.in_(keys or [""])))).scalars())
    fresh: list[Credit] = []
    for credit in credits:
        if credit.key in known:
            continue
        known.add(credit.key)  # the same serial twice in one file is one credit
        fresh.append(credit)
    result = ImportResult(None, encoding, unchanged=len(credits) - len(fresh))
    if not fresh:
        return result
    batch = StatementImport(filename=filename[:200], sha256=hashlib.sha256(body).hexdigest(), encoding=encoding,
                            imported_by=actor.user_id, imported_at=timeutil.now(), credits=len(credits),
                            new_lines=len(fresh))
    session.add(batch)
    await session.flush()
    result.import_id = batch.id
    for credit in fresh:
        status, how, note, candidates = await _match(session, credit)
        line = StatementLine(import_id=batch.id, line_key=credit.key, booked_on=credit.booked_on, serial=credit.serial,
                             amount_yuan=credit.amount, payer_name=credit.payer_name,
                             payer_account=credit.payer_account, memo=credit.memo, status=status, matched_by=how,
                             note=note, candidates=candidates)
        session.add(line)
        await session.flush()
        if status == "matched":
            await _reconcile_fee(session, actor, line, await session.get_one(FeeLine, candidates[0]))
        {"matched": result.matched, "ambiguous": result.ambiguous, "unmatched": result.unmatched}[status].append(line)
    await audit.record(session, actor, "fee.statement_import", "statement_import", batch.id, after={
        "filename": batch.filename, "sha256": batch.sha256, "encoding": encoding, "credits": len(credits),
        "matched": len(result.matched), "ambiguous": len(result.ambiguous), "unmatched": len(result.unmatched),
        "unchanged": result.unchanged})
    return result


async def settle(session: AsyncSession, actor: Actor, line_id: int, *, fee_id: int,
                 version: int | None = None) -> StatementLine:
    """The clerk settles an ambiguous or unmatched credit against one fee line of the same amount."""
    actor.require(Role.CLERK)
    line = await get_visible(session, StatementLine, line_id, actor, what="对账单明细")
    if version is not None and version != line.version:
        raise Conflict("对账记录已被他人更新，请刷新后重试（stale version）", field="version")
    if line.status == "matched":
        raise Conflict("该笔到账已对账（the credit is already matched）", extra={"status": line.status})
    fee = await session.get(FeeLine, fee_id)
    if fee is None:
        raise NotFound("收费不存在（fee not found）")
    if fee.status not in STANDING or fee.amount_yuan <= 0:
        raise Invalid("该收费已退费、撤销或不收费，不能对账（fee_id）", field="fee_id")
    taken = (await session.execute(select(StatementLine.id).where(StatementLine.fee_id == fee.id))).first()
    if taken is not None:
        raise Invalid("该收费已与另一笔到账对账（fee_id）", field="fee_id")
    if fee.amount_yuan != line.amount_yuan:
        raise Invalid(f"到账金额 {line.amount_yuan:.2f} 元与该收费应缴 {fee.amount_yuan:.2f} 元不符（fee_id）",
                      field="fee_id")
    line.matched_by, line.settled_by, line.settled_at = "manual", actor.user_id, timeutil.now()
    line.note = ""
    await _reconcile_fee(session, actor, line, fee)
    return line


async def lines(session: AsyncSession, actor: Actor, *, status: str | None = None,
                limit: int = 200) -> list[StatementLine]:
    """Statement lines the actor may see, newest first; ``status`` picks one group."""
    query = visible(StatementLine, actor)
    if status is not None:
        query = query.where(StatementLine.status == status)
    return list((await session.execute(query.order_by(StatementLine.id.desc()).limit(limit))).scalars())


async def open_fees(session: AsyncSession, actor: Actor, limit: int = 500) -> list[tuple[FeeLine, str, str]]:
    """Fee lines a credit may still be settled against, with their dossier's and enterprise's names."""
    rows = (await session.execute(
        visible(FeeLine, actor).add_columns(Project.name, Enterprise.name)
        .join(Project, Project.id == FeeLine.project_id).join(Enterprise, Enterprise.id == Project.enterprise_id)
        .where(_open_lines()).order_by(FeeLine.id.desc()).limit(limit))).all()
    return [(fee, str(project), str(enterprise)) for fee, project, enterprise in rows]


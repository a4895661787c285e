"""Enterprises (企业): registration with a checked 统一社会信用代码, search, and who may see which."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, Visibility, get_visible, visible
from agency.audit import service as audit
from agency.db.paging import paginate
from agency.enterprises.credit_code import CreditCodeError, validate_credit_code
from agency.enterprises.models import Enterprise
from agency.enterprises.schemas import EnterpriseIn
from agency.errors import Conflict, Invalid
from agency.privacy import mask_phone
from agency.projects.models import Approval, Project


def _enterprise_visibility(actor: Actor) -> ColumnElement[bool]:
    if actor.role in (Role.ADMIN, Role.CLERK, Role.LEADER):
        return true()
    if actor.role is Role.ENTERPRISE:
        return Enterprise.id == actor.enterprise_id if actor.enterprise_id is not None else false()
    # A department sees the enterprises whose projects hold one of its approvals.
    return exists(select(Approval.id).join(Project, Project.id == Approval.project_id).where(
        Project.enterprise_id == Enterprise.id, Approval.department_code == actor.department_code))


Visibility.register(Enterprise, _enterprise_visibility)


def reveals_personal_data(actor: Actor, enterprise: Enterprise) -> bool:
    """Clerks and admins work with the contact; the enterprise sees its own; others see it masked."""
    return actor.role in (Role.CLERK, Role.ADMIN) or (
        actor.role is Role.ENTERPRISE and actor.enterprise_id == enterprise.id)


def shown_phone(actor: Actor, enterprise: Enterprise) -> str:
    return enterprise.contact_phone if reveals_personal_data(actor, enterprise) else mask_phone(
        enterprise.contact_phone) or ""


async def create(session: AsyncSession, actor: Actor, data: EnterpriseIn) -> Enterprise:
    actor.require(Role.CLERK, Role.ADMIN)
    try:
        credit_code = validate_credit_code(data.credit_code)
    except CreditCodeError as error:
        raise Invalid(f"统一社会信用代码无效：{error}", field="credit_code") from None
    duplicate = (await session.execute(
        select(Enterprise.id, Enterprise.name).where(Enterprise.credit_code == credit_code))).one_or_none()
    if duplicate is not None:
        raise Conflict(f"统一社会信用代码 {credit_code} 已登记为“{duplicate.name}”（duplicate credit code）",
                       field="credit_code", extra=[{"field": "credit_code", "existing_id": duplicate.id,
                                                    "message": "duplicate credit code"}])
    enterprise = Enterprise(
        credit_code=credit_code, name=data.name.strip(), legal_representative=data.legal_representative.strip(),
        contact_name=data.contact_name.strip(), contact_phone=data.contact_phone.strip(),
        address=data.address.strip(), park=data.park.strip(), key_enterprise=data.key_enterprise,
        created_by=actor.user_id,
    )
    session.add(enterprise)
    await session.flush()
    await audit.record(session, actor, "enterprise.create", "enterprise", enterprise.id, after={
        "credit_code": credit_code, "name": enterprise.name, "contact_phone": mask_phone(enterprise.contact_phone)})
    return enterprise


async def search(session: AsyncSession, actor: Actor, *, q: str | None, page: int,
                 page_size: int) -> tuple[list[Enterprise], int]:
    query = visible(Enterprise, actor)
    if q and q.strip():
        term = q.strip()
        query = query.where(or_(Enterprise.name.contains(term, autoescape=True),
                                Enterprise.credit_code == term.upper()))
    return await paginate(session, query, order_by=Enterprise.id.desc(), page=page, page_size=page_size)


async def get(session: AsyncSession, actor: Actor, enterprise_id: int) -> Enterprise:
    enterprise = await get_visible(session, Enterprise, enterprise_id, actor, what="企业")
    if actor.role in (Role.CLERK, Role.ADMIN):
        # A plaintext view of personal data is itself a fact worth keeping (PIPL).
        await audit.record(session, actor, "enterprise.view_personal", "enterprise", enterprise.id,
                           after={"fields": ["contact_phone"]})
    return enterprise

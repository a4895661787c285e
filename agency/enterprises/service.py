"""Enterprises (企业): registration with a checked 统一社会信用代码, search, and who may see which."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, get_visible, visible
from agency.audit import service as audit
from agency.db.paging import paginate
from agency.enterprises.credit_code import CreditCodeError, validate_credit_code
from agency.enterprises.models import Enterprise
from agency.enterprises.schemas import EnterpriseIn, EnterprisePatch
from agency.enterprises.sites import on_site
from agency.errors import Conflict, Invalid
from agency.privacy import mask_phone
from agency.sites import service as sites


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
        created_by=actor.user_id, site_code=actor.site_code,
    )
    session.add(enterprise)
    await session.flush()
    await audit.record(session, actor, "enterprise.create", "enterprise", enterprise.id, after={
        "credit_code": credit_code, "name": enterprise.name, "contact_phone": mask_phone(enterprise.contact_phone)})
    return enterprise


async def search(session: AsyncSession, actor: Actor, *, q: str | None, page: int,
                 page_size: int, site_code: str | None = None) -> tuple[list[Enterprise], int]:
    """The enterprises the actor may see (a township hall's clerk: his hall's), newest first; ``site_code``: those
    of that site (registered there or owning a dossier it holds). The total is counted on the same query."""
    query = visible(Enterprise, actor)
    if site_code:
        query = query.where(on_site(site_code))
    if q and q.strip():
        term = q.strip()
        query = query.where(or_(Enterprise.name.contains(term, autoescape=True),
                                Enterprise.credit_code == term.upper()))
    rows, total = await paginate(session, query, order_by=Enterprise.id.desc(), page=page, page_size=page_size)
    await sites.require_known(session, site_code, total)
    return rows, total


async def get(session: AsyncSession, actor: Actor, enterprise_id: int) -> Enterprise:
    enterprise = await get_visible(session, Enterprise, enterprise_id, actor, what="企业")
    if actor.role in (Role.CLERK, Role.ADMIN):
        # A plaintext view of personal data is itself a fact worth keeping (PIPL).
        await audit.record(session, actor, "enterprise.view_personal", "enterprise", enterprise.id,
                           after={"fields": ["contact_phone"]})
    return enterprise


EDITABLE = ("name", "legal_representative", "contact_name", "contact_phone", "address", "park", "key_enterprise")


def _audited(field: str, value: object) -> object:
    """A value as the audit keeps it: the phone masked, as everyone who reads the trail may see it."""
    return mask_phone(str(value)) if field == "contact_phone" else value


async def update(session: AsyncSession, actor: Actor, enterprise_id: int, data: EnterprisePatch) -> Enterprise:
    """Change the name and contacts given (the credit code never changes); each change is audited."""
    actor.require(Role.CLERK, Role.ADMIN)
    enterprise = await get_visible(session, Enterprise, enterprise_id, actor, what="企业")
    if data.version is not None and enterprise.version != data.version:
        raise Conflict("企业信息已被他人修改，请刷新后重试（stale version）", field="version")
    changed: dict[str, object] = {}
    for field in EDITABLE:
        value = getattr(data, field)
        if value is None:
            continue
        value = value.strip() if isinstance(value, str) else value
        if field in ("name", "address") and len(str(value)) < 2:
            raise Invalid("至少 2 个字（too short）", field=field)
        if field in ("legal_representative", "contact_name") and not value:
            raise Invalid("不能为空（required）", field=field)
        if getattr(enterprise, field) != value:
            changed[field] = value
    if not changed:
        return enterprise
    before = {field: _audited(field, getattr(enterprise, field)) for field in changed}
    for field, value in changed.items():
        setattr(enterprise, field, value)
    await session.flush()
    await audit.record(session, actor, "enterprise.update", "enterprise", enterprise.id, before=before,
                       after={field: _audited(field, value) for field, value in changed.items()})
    return enterprise

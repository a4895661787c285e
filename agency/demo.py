"""Demo data for ``agency serve --demo``: loaded once; a restart does not duplicate anything.

Accounts: admin, clerk, leader, enterprise (bound to the first demo enterprise), clerk-linxi (the clerk of the
临溪镇 township hall) and one ``dept-<code>`` officer per department, all with AGENCY_DEMO_PASSWORD and no
forced change. Sites: the county center, two sub-centers and three township halls (``SITES``).
"""

from __future__ import annotations

from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from agency.access import SYSTEM, Actor, Role
from agency.accounts import service as accounts
from agency.accounts.models import User
from agency.accounts.schemas import UserCreateIn
from agency.calendar.service import ensure_seeded
from agency.catalog import service as catalog
from agency.demo_history import Progress, load_history
from agency.demo_office import DEMO_ENTERPRISE_EXTRA, load_office
from agency.documents.service import Papers
from agency.enterprises import service as enterprises
from agency.enterprises.models import Enterprise
from agency.enterprises.schemas import EnterpriseIn
from agency.settings import Settings
from agency.sites import service as sites
from agency.timeutil import today_local

DEMO_ENTERPRISES = [
    EnterpriseIn(credit_code="91330521MA2B3C4D1C", name="示范县恒创新材料有限公司", legal_representative="陈建国",
                 contact_name="刘晓燕", contact_phone="13857201234", address="示范县经济开发区创业大道88号",
                 park="经济开发区", key_enterprise=True),
    EnterpriseIn(credit_code="91330521MA2K8L9P18", name="示范县瑞丰精密机械股份有限公司", legal_representative="周志明",
                 contact_name="吴海涛", contact_phone="13957205678", address="示范县高新园区科技路16号",
                 park="高新技术产业园区", key_enterprise=True),
]

async def ensure_user(session: AsyncSession, settings: Settings, username: str, role: str, name: str,
                      **binding: object) -> bool:
    if (await session.execute(select(User.id).where(User.username == username))).scalar_one_or_none():
        return False
    data = UserCreateIn(username=username, password=settings.demo_password, role=role,  # type: ignore[arg-type]
                        display_name=name, must_change_password=False, **binding)  # type: ignore[arg-type]
    await accounts.create_user(session, SYSTEM, data)
    return True


async def load_demo(session: AsyncSession, settings: Settings, store: storage.BlobStore | None = None, *,
                    history: bool = False, progress: Progress = print) -> str:
    """``history``: a year of the office replayed up to today (agency/demo_history.py), as `agency serve --demo`
    loads it; the tests' demo has only the dossiers of today's office."""
    done: list[str] = []
    await ensure_seeded(session)
    if await catalog.current_version(session) is None:
        text = resources.files("agency.catalog").joinpath("data/demo_catalog.yaml").read_text(encoding="utf-8")
        summary = await catalog.import_catalog(session, SYSTEM, text)
        done.append(f"catalog {summary['version']}")
    created = 0
    for username, role, name, phone in (("admin", "admin", "系统管理员", None),
                                        ("clerk", "clerk", "王代办", "0571-88001234"),
                                        ("leader", "leader", "李主任", None)):
        created += await ensure_user(session, settings, username, role, name, phone=phone)
    for department in await catalog.list_departments(session):
        created += await ensure_user(session, settings, f"dept-{department.code}", "department",
                                     f"{department.name}窗口", department_code=department.code)
    admin = await _actor(session, "admin", Role.ADMIN)
    for code, name, kind in SITES:
        if not await sites.exists(session, code):
            await sites.save(session, admin, code, name=name, kind=kind)
    created += await ensure_user(session, settings, f"clerk-{TOWNSHIP[0]}", "clerk", "赵代办（临溪镇）",
                                 phone="0571-88005678", site_code=TOWNSHIP[0])
    township = await _actor(session, f"clerk-{TOWNSHIP[0]}", Role.CLERK)
    firms = []
    extra = [EnterpriseIn(credit_code=code, name=name, legal_representative=legal, contact_name=contact,
                          contact_phone=phone, address=address, park="经济开发区")
             for code, name, legal, contact, phone, address in DEMO_ENTERPRISE_EXTRA]
    for data in [*DEMO_ENTERPRISES, *extra]:
        firm = (await session.execute(select(Enterprise).where(Enterprise.credit_code == data.credit_code))
                ).scalar_one_or_none()
        firms.append(firm or await enterprises.create(session, SYSTEM, data))
    created += await ensure_user(session, settings, "enterprise", "enterprise", firms[0].contact_name,
                                 enterprise_id=firms[0].id)
    if created:
        done.append(f"{created} accounts")
    clerk = await _actor(session, "clerk", Role.CLERK)
    if store is not None and history:
        done += await _history(session, settings, Papers(store, settings), clerk, township, progress)
    if store is not None:
        opened = await load_office(session, clerk, admin, await _actor(session, "leader", Role.LEADER),
                                   Papers(store, settings), [f.id for f in firms], today_local(), township=township)
        done += [f"project {name}" for name in opened]
    return "demo data: " + ", ".join(done) if done else "demo data already loaded"


# The county's service sites (issue 26): the center, two sub-centers (分中心), three township halls; the clerk
# of the first hall opens some dossiers of the year and hands one of today's over to the center.
SITES = (("county", "示范县政务服务中心", "center"), ("kfq", "经济开发区分中心", "sub_center"),
         ("gxq", "高新园区分中心", "sub_center"), ("linxi", "临溪镇便民服务中心", "township_hall"),
         ("hexi", "河西镇便民服务大厅", "township_hall"), ("qingshan", "青山镇便民服务大厅", "township_hall"))
TOWNSHIP = SITES[3][:2]


async def _history(session: AsyncSession, settings: Settings, papers: Papers, clerk: Actor, township: Actor,
                   progress: Progress) -> list[str]:
    """The year before today, with a township hall whose clerk opens some of its dossiers."""
    leader = await _actor(session, "leader", Role.LEADER)
    counts = await load_history(session, settings, papers, clerk, township, leader, progress)
    if counts is None:
        return []
    return ["一年办理历史（" + "，".join(f"{k} {v}" for k, v in counts.items()) + "）"]


async def _actor(session: AsyncSession, username: str, role: Role) -> Actor:
    user_id, site_code = (await session.execute(select(User.id, User.site_code).where(User.username == username))
                          ).one()
    return Actor(user_id=user_id, username=username, role=role, site_code=site_code)

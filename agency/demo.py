"""Demo data for ``agency serve --demo``: loaded once; a restart does not duplicate anything."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import SYSTEM
from agency.accounts import service as accounts
from agency.accounts.models import User
from agency.accounts.schemas import UserCreateIn
from agency.settings import Settings

DEMO_USERS = [
    ("admin", "admin", "系统管理员"),
    ("clerk", "clerk", "王代办"),
    ("leader", "leader", "李主任"),
]


async def ensure_user(session: AsyncSession, settings: Settings, username: str, role: str, name: str,
                      **binding: object) -> bool:
    if (await session.execute(select(User.id).where(User.username == username))).scalar_one_or_none():
        return False
    data = UserCreateIn(username=username, password=settings.demo_password, role=role,  # type: ignore[arg-type]
                        display_name=name, must_change_password=False, **binding)  # type: ignore[arg-type]
    await accounts.create_user(session, SYSTEM, data)
    return True


async def load_demo(session: AsyncSession, settings: Settings) -> str:
    created = 0
    for username, role, name in DEMO_USERS:
        created += await ensure_user(session, settings, username, role, name)
    return f"demo data: {created} accounts created" if created else "demo data already loaded"

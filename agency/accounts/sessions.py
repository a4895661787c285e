"""Ending a user's sessions: every bearer token and web session at once."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.accounts.models import AuthToken


async def revoke_sessions(session: AsyncSession, user_id: int) -> int:
    """Ends every bearer token and web session of the user at once (in this process; another server process
    honours a token for at most token_cache.TTL_SECONDS more). Returns how many were open."""
    result = await session.execute(update(AuthToken).where(AuthToken.user_id == user_id,
                                                           AuthToken.revoked_at.is_(None))
                                   .values(revoked_at=timeutil.now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

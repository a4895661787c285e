"""One database transaction per request: committed when the handler succeeds, rolled back otherwise."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession


async def provide_db(state: State) -> AsyncGenerator[AsyncSession, None]:
    # Litestar throws the handler's exception into this generator, so a failed request rolls back;
    # the commit runs before the response is sent, so a failing commit still gets a proper error.
    session: AsyncSession = state.sessionmaker()
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        await session.close()

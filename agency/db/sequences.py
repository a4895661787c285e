"""Named counters (project codes, document numbers, bundle numbers) that never hand out a number twice."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

from agency.db.base import Base


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


async def next_value(session: AsyncSession, name: str) -> int:
    """One atomic upsert: concurrent callers wait on the row and each get the next number."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = insert(Counter).values(name=name, last=1).on_conflict_do_update(
        index_elements=[Counter.name], set_={"last": Counter.last + 1})
    return int((await session.execute(upsert.returning(Counter.last))).scalar_one())


async def next_value_at_once(session: AsyncSession, name: str) -> int:
    """``next_value`` committed at once, in a short transaction of its own (PostgreSQL), so that the counter's row
    is not held until the caller commits: a paper's number is taken before the paper is rendered and sealed,
    and holding the row that long made every paper of a department wait for the one before it. A caller that
    then fails leaves its number unused; no number is ever given twice. SQLite has one writer at a time: there
    the number is taken in the caller's transaction, as ``next_value``."""
    if session.get_bind().dialect.name != "postgresql":
        return await next_value(session, name)
    async with AsyncSession(_numbering_engine(session)) as own:
        number = await next_value(own, name)
        await own.commit()
    return number


# The caller holds a connection of the app's pool while it waits for its number: taking the number from that
# same pool could leave every connection held by a caller waiting for another one. The numbering uses
# connections of its own, opened for the one statement and closed at once (no pool to exhaust or to leave open).
_numbering: WeakKeyDictionary[Engine, AsyncEngine] = WeakKeyDictionary()


def _numbering_engine(session: AsyncSession) -> AsyncEngine:
    app_engine = session.get_bind()
    engine = app_engine if isinstance(app_engine, Engine) else app_engine.engine
    if engine not in _numbering:
        _numbering[engine] = create_async_engine(
            engine.url, poolclass=NullPool, connect_args={"timeout": 5, "server_settings": {"timezone": "UTC"}})
    return _numbering[engine]

"""Named counters (project codes, document numbers, bundle numbers) that never hand out a number twice."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

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
    async with AsyncSession(session.bind) as own:
        number = await next_value(own, name)
        await own.commit()
    return number

"""Work that must wait until a transaction has committed (forgetting an in-process cache, say).

Forgetting before the commit would let a concurrent request of this process re-read the old rows
and cache them again; forgetting after a rollback is harmless but pointless, so it is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

_KEY = "after_commit"


def after_commit(session: AsyncSession | Session, callback: Callable[[], object]) -> None:
    session.info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    for callback in session.info.pop(_KEY, []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, _previous: Any) -> None:
    session.info.pop(_KEY, None)


def forget_when_written(models: tuple[type, ...], forget: Callable[[], object]) -> None:
    """Calls ``forget`` after every commit in this process that wrote a row of one of ``models``,
    whether through the unit of work or an INSERT/UPDATE/DELETE statement run by a session."""

    def flushed(session: Session, _context: Any) -> None:
        if any(isinstance(o, models) for o in (*session.new, *session.dirty, *session.deleted)):
            after_commit(session, forget)

    def executed(state: ORMExecuteState) -> None:
        if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None \
                and issubclass(state.bind_mapper.class_, models):
            after_commit(state.session, forget)

    event.listen(Session, "after_flush", flushed)
    event.listen(Session, "do_orm_execute", executed)

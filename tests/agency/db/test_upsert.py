"""agency.db.upsert: the dialects' INSERT … ON CONFLICT, the same SQL, kept compiled (both databases)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import CacheStats

from agency.db import upsert
from agency.db.sequences import Counter
from agency.notifications.models import Notification
from tests.support import Api

_DIALECTS = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}


def test_the_statements_are_the_dialects_own_and_keep_a_cache_key() -> None:
    for name, dialect in _DIALECTS.items():
        own = (postgresql.insert if name == "postgresql" else sqlite.insert)(Counter)
        keyed = upsert.insert_for(name, Counter)
        pairs = [(own.values(name="a", last=1).on_conflict_do_update(index_elements=[Counter.name],
                                                                     set_={"last": Counter.last + 1}),
                  keyed.values(name="a", last=1).on_conflict_do_update(index_elements=[Counter.name],
                                                                       set_={"last": Counter.last + 1})),
                 (own.values(name="a", last=1).on_conflict_do_nothing(index_elements=[Counter.name]),
                  keyed.values(name="a", last=1).on_conflict_do_nothing(index_elements=[Counter.name]))]
        for theirs, ours in pairs:
            assert str(ours.compile(dialect=dialect)) == str(theirs.compile(dialect=dialect))
            assert theirs._generate_cache_key() is None and ours._generate_cache_key() is not None
        # What the clause says is part of the key: two different clauses are never taken for one another.
        a = keyed.on_conflict_do_nothing(index_elements=[Counter.name])
        b = keyed.on_conflict_do_update(index_elements=[Counter.name], set_={"last": Counter.last + 1})
        c = keyed.on_conflict_do_update(index_elements=[Counter.name], set_={"last": Counter.last * 2})
        assert a._generate_cache_key() != b._generate_cache_key()
        assert b._generate_cache_key() != c._generate_cache_key()
        n = upsert.insert_for(name, Notification).on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
        assert a._generate_cache_key() != n._generate_cache_key()
        # A SET of plain values has no key: the dialect's own, uncached statement.
        plain = keyed.on_conflict_do_update(index_elements=[Counter.name], set_={"last": 5})
        assert plain._generate_cache_key() is None


async def test_an_upsert_is_compiled_once_and_does_what_it_says(api: Api) -> None:
    hits: list[object] = []

    def seen(_conn: Any, _cursor: Any, sql: str, _params: Any, context: Any, _many: bool) -> None:
        if sql.startswith("INSERT INTO counters"):
            hits.append(context.cache_hit)

    engine = api.sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        async with api.sessions() as session:
            name = f"upsert-{uuid.uuid4().hex[:8]}"
            for step in (1, 1, 5):  # the same statement but for its values: each run with its own
                await session.execute(upsert.insert(session, Counter).values(name=name, last=1).on_conflict_do_update(
                    index_elements=[Counter.name], set_={"last": Counter.last + step}))
            await session.execute(upsert.insert(session, Counter).values(name=name, last=1).on_conflict_do_nothing(
                index_elements=[Counter.name]))
            assert (await session.execute(select(Counter.last).where(Counter.name == name))).scalar_one() == 7
            await session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # The second and third upsert reuse the first one's compiled form.
    assert len(hits) == 4 and hits[1] == hits[2] == CacheStats.CACHE_HIT

"""INSERT … ON CONFLICT that SQLAlchemy's statement cache can keep.

SQLAlchemy (2.0) does not cache the dialects' INSERT constructs once they carry an ON CONFLICT clause (the
clause has no cache key): every execution compiles the statement again, which costs more than running it
(an action's outbox rows and clock row: about 1 ms of compiling each, on every action; the sync import applies
thousands in a row). ``insert(session, table)`` is the dialect's own INSERT with the same clauses, rendering
the same SQL, which names what its ON CONFLICT clause holds so that its compiled form is kept and reused.
A DO UPDATE whose SET holds plain values rather than SQL expressions is left to the uncached construct.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql import dml as postgresql
from sqlalchemy.dialects.sqlite import dml as sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.visitors import InternalTraversal

_TARGET = [("inferred_target_elements", InternalTraversal.dp_clauseelement_list),
           ("inferred_target_whereclause", InternalTraversal.dp_clauseelement)]
_UPDATE = [("update_values_to_set", InternalTraversal.dp_dml_ordered_values),
           ("update_whereclause", InternalTraversal.dp_clauseelement)]
_NAMED = [("constraint_target", InternalTraversal.dp_string)]  # PostgreSQL's clause may name a constraint


class _PostgresqlDoNothing(postgresql.OnConflictDoNothing):
    _traverse_internals = _NAMED + _TARGET
    inherit_cache = True


class _PostgresqlDoUpdate(postgresql.OnConflictDoUpdate):
    _traverse_internals = _NAMED + _TARGET + _UPDATE
    inherit_cache = True


class _SqliteDoNothing(sqlite.OnConflictDoNothing):
    _traverse_internals = _TARGET
    inherit_cache = True


class _SqliteDoUpdate(sqlite.OnConflictDoUpdate):
    _traverse_internals = _TARGET + _UPDATE
    inherit_cache = True


def _keyed(statement: Any, clause: type[Any], fallback: Any) -> Any:
    """``statement`` (a copy made by the dialect's own method) with its ON CONFLICT clause made keyable; or the
    dialect's uncached statement, if a SET value is not an SQL expression (it would have no cache key)."""
    original = statement._post_values_clause
    values = getattr(original, "update_values_to_set", [])
    if not all(isinstance(value, ClauseElement) for _, value in values):
        return fallback
    keyed = object.__new__(clause)
    keyed.__dict__.update(original.__dict__)
    statement._post_values_clause = keyed
    return statement


class PostgresqlInsert(postgresql.Insert):
    inherit_cache = True

    def on_conflict_do_nothing(self, *args: Any, **kwargs: Any) -> Any:
        return _keyed(super().on_conflict_do_nothing(*args, **kwargs), _PostgresqlDoNothing, None)

    def on_conflict_do_update(self, *args: Any, **kwargs: Any) -> Any:
        plain = postgresql.Insert.__new__(postgresql.Insert)
        plain.__dict__.update(self.__dict__)
        return _keyed(super().on_conflict_do_update(*args, **kwargs), _PostgresqlDoUpdate,
                      plain.on_conflict_do_update(*args, **kwargs))


class SqliteInsert(sqlite.Insert):
    inherit_cache = True

    def on_conflict_do_nothing(self, *args: Any, **kwargs: Any) -> Any:
        return _keyed(super().on_conflict_do_nothing(*args, **kwargs), _SqliteDoNothing, None)

    def on_conflict_do_update(self, *args: Any, **kwargs: Any) -> Any:
        plain = sqlite.Insert.__new__(sqlite.Insert)
        plain.__dict__.update(self.__dict__)
        return _keyed(super().on_conflict_do_update(*args, **kwargs), _SqliteDoUpdate,
                      plain.on_conflict_do_update(*args, **kwargs))


def insert_for(dialect: str, table: Any) -> Any:
    """The INSERT of ``dialect`` ('postgresql' or 'sqlite') into ``table``, cacheable with its ON CONFLICT."""
    return PostgresqlInsert(table) if dialect == "postgresql" else SqliteInsert(table)


def insert(session: AsyncSession, table: Any) -> Any:
    """The session's database's INSERT into ``table``, cacheable with its ON CONFLICT."""
    return insert_for(session.get_bind().dialect.name, table)

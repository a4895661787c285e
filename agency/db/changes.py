"""The change feed: which dossiers changed, told to every server process as soon as they commit.

PostgreSQL triggers (migration 0010) announce every committed change to the tables a dossier is
read from on the channel ``agency_changes`` as ``<table>:<project ids>`` or ``<table>:*``. Each
process listens on one connection of its own and tells its caches (the project detail, the
project list) what to forget. A commit made in this process is also applied at once, before the
request that made it answers, so a client reads its own writes; a change committed by another
process is seen as soon as PostgreSQL delivers the notification (a millisecond or so). Writes
check ``version`` (409 when stale), so a read that lags that long cannot cause a lost update.

Nothing is trusted while the feed is not listening: ``live`` is False from the start until the
LISTEN is in place and again from the moment the connection is lost; the caches then fall back
to checking the database on every read, and everything remembered before is forgotten on
reconnection, since notifications sent meanwhile were lost.

A cache that reads the database and then keeps the answer takes a ``stamp()`` before reading and
keeps the answer only if ``unchanged_since(stamp, project)``: a change announced while it was
reading must not be papered over by the older answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Hashable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import identity_key

from agency.db.base import Base
from agency.db.hooks import after_commit

log = logging.getLogger("agency.changes")

CHANNEL = "agency_changes"
APPLICATION_NAME = "agency-change-feed"  # how the listening connection shows in pg_stat_activity
EVERYTHING = "*"
# Tables whose rows a cached view of a dossier is made of (as the triggers of migration 0010 see
# them); the rest never invalidate anything.
PROJECT_TABLES = frozenset({"projects", "approvals", "project_milestones", "escalations", "approval_prerequisites",
                            "clock_events", "enterprises", "users", "calendar_revision"})
# Of these, tables only a name of which is shown: an update matters only when that name changes.
SHOWN_COLUMNS = {"enterprises": "name", "users": "display_name"}

# (table, project ids or None for every dossier)
Listener = Callable[[str, frozenset[int] | None], None]


class ViewCache:
    """Answers remembered while the feed says nothing they were read from has changed.

    ``tables``: the tables the answers are read from; ``per_project``: each answer is about one
    dossier (given to ``keep``) and only a change of that dossier forgets it. When full, the
    oldest answer makes room."""

    def __init__(self, feed: ChangeFeed, tables: frozenset[str], *, per_project: bool,
                 max_entries: int = 5000) -> None:
        self._feed = feed
        self._tables = tables
        self._per_project = per_project
        self._max_entries = max_entries
        self._answers: dict[Hashable, tuple[int | None, Any]] = {}
        self._keys_of: dict[int, set[Hashable]] = {}
        feed.subscribe(self._changed)

    def get(self, key: Hashable) -> Any | None:
        if not self._feed.live:
            return None
        entry = self._answers.get(key)
        return None if entry is None else entry[1]

    def keep(self, key: Hashable, stamp: int, answer: Any, project_id: int | None = None) -> None:
        """Remembers ``answer`` read after ``stamp`` unless a change it may be made of was announced since."""
        if not self._feed.unchanged_since(stamp, project_id if self._per_project else None, self._tables):
            return
        self._forget(key)
        while len(self._answers) >= self._max_entries:
            self._forget(next(iter(self._answers)))
        self._answers[key] = (project_id, answer)
        if project_id is not None:
            self._keys_of.setdefault(project_id, set()).add(key)

    def _forget(self, key: Hashable) -> None:
        entry = self._answers.pop(key, None)
        if entry is not None and entry[0] is not None:
            keys = self._keys_of.get(entry[0])
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_of[entry[0]]

    def _changed(self, table: str, projects: frozenset[int] | None) -> None:
        if table not in self._tables:
            return
        if projects is None or not self._per_project:
            self._answers.clear()
            self._keys_of.clear()
            return
        for project_id in projects:
            for key in self._keys_of.pop(project_id, ()):
                self._answers.pop(key, None)


class ChangeFeed:
    def __init__(self) -> None:
        self.live = False
        self._seq = 0
        self._changed_at: dict[int, int] = {}
        self._table_changed_at: dict[str, int] = {}
        self._everything_at = 0
        self._listeners: list[Listener] = []
        self._caches: dict[str, ViewCache] = {}

    def cache(self, name: str, tables: frozenset[str], *, per_project: bool, max_entries: int = 5000) -> ViewCache:
        """This feed's cache called ``name``, made on first use."""
        if name not in self._caches:
            self._caches[name] = ViewCache(self, tables, per_project=per_project, max_entries=max_entries)
        return self._caches[name]

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def stamp(self) -> int:
        return self._seq

    def unchanged_since(self, stamp: int, project_id: int | None, tables: frozenset[str]) -> bool:
        """Whether nothing announced since ``stamp`` touched ``tables`` (of that dossier, if given)."""
        if not self.live or self._everything_at > stamp:
            return False
        if any(self._table_changed_at.get(t, 0) > stamp for t in tables):
            return project_id is not None and self._changed_at.get(project_id, 0) <= stamp
        return True

    def apply(self, table: str, projects: frozenset[int] | None) -> None:
        if table not in PROJECT_TABLES:
            return
        self._seq += 1
        self._table_changed_at[table] = self._seq
        if projects is None:
            self._everything_at = self._seq
        else:
            for project_id in projects:
                self._changed_at[project_id] = self._seq
        for listener in self._listeners:
            listener(table, projects)

    def forget_everything(self) -> None:
        self.apply("projects", None)

    def on_notification(self, payload: str) -> None:
        table, _, ids = payload.partition(":")
        if ids == EVERYTHING or not ids:
            self.apply(table, None)
            return
        try:
            self.apply(table, frozenset(int(i) for i in ids.split(",")))
        except ValueError:
            log.warning("unreadable change notification %r: forgetting everything", payload[:200])
            self.apply(table, None)

    async def listen(self, database_url: str, *, retry_seconds: float = 1.0) -> None:
        """Runs until cancelled: LISTEN, apply what arrives; on a lost connection stop trusting the
        caches and reconnect."""
        import asyncpg  # type: ignore[import-untyped]

        url = make_url(database_url).set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        while True:
            lost = asyncio.Event()
            connection: Any = None
            try:
                connection = await asyncpg.connect(dsn, timeout=5,
                                                   server_settings={"application_name": APPLICATION_NAME})
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, lambda _c, _pid, _ch, payload: self.on_notification(payload))
                # Whatever was announced while nobody listened is lost: start from nothing.
                self.forget_everything()
                self.live = True
                log.info("change feed listening")
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), timeout=10)
                    except TimeoutError:
                        # A connection cut without a FIN is only noticed by talking on it.
                        await connection.execute("SELECT 1", timeout=5)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database went away: read through to it until it is back
                log.warning("change feed interrupted: %r", error)
            finally:
                self.live = False
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(retry_seconds)


_feeds: WeakKeyDictionary[Engine, ChangeFeed] = WeakKeyDictionary()


def attach(engine: AsyncEngine) -> ChangeFeed:
    """The feed of this engine's database (one per server process); start its ``listen`` to use it."""
    feed = _feeds[engine.sync_engine] = ChangeFeed()
    return feed


def feed_for(engine: AsyncEngine) -> ChangeFeed | None:
    return _feeds.get(engine.sync_engine)


def feed_of(session: AsyncSession | Session) -> ChangeFeed | None:
    """The feed of the database this session writes to, if this process has one (the server on
    PostgreSQL); tools and tests without one read through to the database."""
    bind = session.get_bind()
    return _feeds.get(bind.engine if isinstance(bind, Connection) else bind)


# --- commits made in this process, applied at commit rather than when the notification arrives ---

_PENDING = "changed_projects"


def _note(session: Session, table: str, projects: frozenset[int] | None) -> None:
    pending: list[tuple[str, frozenset[int] | None]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []

        def announce() -> None:
            changed = session.info.pop(_PENDING, [])
            feed = feed_of(session)
            if feed is not None:
                for changed_table, ids in changed:
                    feed.apply(changed_table, ids)

        after_commit(session, announce)
    pending.append((table, projects))


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


def _project_of(session: Session, obj: Any) -> int | None:
    if obj.__tablename__ == "projects":
        return obj.id  # type: ignore[no-any-return]
    if hasattr(obj, "project_id"):
        return obj.project_id  # type: ignore[no-any-return]
    approval_id = getattr(obj, "approval_id", None)
    # A clock event or prerequisite names its approval, which the same action has in the session: found by its
    # identity (not by walking the session's objects, thousands of them in a sync import, at every flush).
    approvals = _mapped_class("approvals")
    found: Any = None if approvals is None or approval_id is None else session.identity_map.get(
        identity_key(approvals, approval_id))
    return None if found is None else int(found.project_id)


@functools.cache
def _mapped_class(table: str) -> type | None:
    return next((m.class_ for m in Base.registry.mappers if getattr(m.local_table, "name", None) == table), None)


def _shown_change(obj: Any, table: str) -> bool:
    column = SHOWN_COLUMNS.get(table)
    if column is None:
        return True
    return bool(getattr(inspect(obj).attrs, column).history.has_changes())


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    touched = [*((o, True) for o in session.deleted), *((o, False) for o in session.dirty),
               *((o, None) for o in session.new)]
    for obj, deleted in touched:
        table = getattr(obj, "__tablename__", None)
        if table not in PROJECT_TABLES:
            continue
        # A new enterprise or user is in no dossier yet; an edited one matters if its shown name changed.
        if table in SHOWN_COLUMNS and (deleted is None or (deleted is False and not _shown_change(obj, table))):
            continue
        project_id = _project_of(session, obj)
        _note(session, table, None if project_id is None else frozenset({project_id}))


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None:
        table = getattr(state.bind_mapper.class_, "__tablename__", None)
        if table in PROJECT_TABLES:
            _note(state.session, table, None)

"""The project detail, remembered per process while nothing it is made of has changed.

Reading a dossier takes six queries and the clock and forecast of every item (about 10 ms of one
core); the page is read far more often than the dossier changes. The key is the dossier, what
decides what the actor may see of it (role, department, enterprise, site) and the day.

On PostgreSQL, while the change feed listens (agency/db/changes.py), an answer is served from
memory until a change of that dossier is announced — by this process at its commit, by any other
writer through PostgreSQL's notification. While the feed is not listening, one query checks that
the actor may see the dossier and returns an md5 over every row the answer is made of — the
project, its enterprise's and people's names, each approval, prerequisite, milestone and clock
event, the open escalations and the calendar revision — whole rows as text, so a change to any
column of them changes the fingerprint; the answer is re-used while it holds. SQLite (the
embedded default, one small office) reads the dossier every time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnClause, literal_column
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agency.access import Actor, not_visible, visible
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.db import changes
from agency.enterprises.models import Enterprise
from agency.memo import TimedMemo
from agency.projects.models import Project

T = TypeVar("T")

_answers: TimedMemo[Hashable, tuple[str, Any]] = TimedMemo(3600, max_entries=5000)

_clerk = aliased(User, name="clerk")
_decider = aliased(User, name="decider")

# Whole rows as text (row::text): any column that changes changes the fingerprint. An approval's
# snapshot of its catalog item is written once, when it is planned, and is the bulk of its row.
_APPROVAL_COLUMNS = ", ".join(f"a.{c.name}" for c in Approval.__table__.columns if c.name != "snapshot")
# Only our model's column names go into the text, never input.
_FINGERPRINT: ColumnClause[Any] = literal_column(f"""md5(concat_ws('|',
    projects::text, enterprises.name, clerk.display_name, decider.display_name,
    (SELECT string_agg(({_APPROVAL_COLUMNS})::text, ',' ORDER BY a.id) FROM approvals AS a
     WHERE a.project_id = projects.id),
    (SELECT string_agg(l::text, ',' ORDER BY l.approval_id, l.prerequisite_id) FROM approval_prerequisites AS l
     JOIN approvals AS a ON a.id = l.approval_id WHERE a.project_id = projects.id),
    (SELECT string_agg(m::text, ',' ORDER BY m.id) FROM project_milestones AS m WHERE m.project_id = projects.id),
    (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM clock_events AS c
     JOIN approvals AS a ON a.id = c.approval_id WHERE a.project_id = projects.id),
    (SELECT string_agg(e::text, ',' ORDER BY e.id) FROM escalations AS e
     WHERE e.project_id = projects.id AND e.status IN ('open', 'acknowledged')),
    (SELECT r.revision::text FROM calendar_revision AS r WHERE r.id = 1)))""")  # noqa: S608


def enabled(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def fingerprint(session: AsyncSession, actor: Actor, project_id: int) -> str:
    """The dossier's fingerprint if the actor may see it; 404 otherwise (as the detail would)."""
    query = (visible(Project, actor).with_only_columns(_FINGERPRINT, maintain_column_froms=True)
             .join(Enterprise, Enterprise.id == Project.enterprise_id)
             .join(_clerk, _clerk.id == Project.clerk_id)
             .outerjoin(_decider, _decider.id == Project.green_channel_decided_by)
             .where(Project.id == project_id))
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise not_visible("项目")
    return str(found)


def recall(key: Hashable, print_: str) -> Any | None:
    entry = _answers.get(key)
    return entry[1] if entry is not None and entry[0] == print_ else None


def keep(key: Hashable, print_: str, answer: Any) -> None:
    _answers.put(key, (print_, answer))


async def read(session: AsyncSession, actor: Actor, project_id: int, day: date,
               build: Callable[[], Awaitable[T]]) -> T:
    """The detail ``build`` reads, or the same answer remembered (see the module docstring)."""
    key = (project_id, actor.role, actor.department_code, actor.enterprise_id, actor.site_code, day)
    feed = changes.feed_of(session)
    if feed is not None and feed.live:
        remembered = feed.cache("project_detail", changes.PROJECT_TABLES, per_project=True)
        known: T | None = remembered.get(key)
        if known is None:
            stamp = feed.stamp()
            known = await build()
            remembered.keep(key, stamp, known, project_id)
        return known
    if not enabled(session):
        return await build()
    print_ = await fingerprint(session, actor, project_id)
    known = recall(key, print_)
    if known is None:
        known = await build()
        keep(key, print_, known)
    return known

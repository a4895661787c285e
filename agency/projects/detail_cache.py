"""The project detail, remembered per process and re-used while the dossier's fingerprint holds.

Reading a dossier takes six queries and the clock and forecast of every item (about 10 ms of one
core); the page is read far more often than the dossier changes. On PostgreSQL one query checks
that the actor may see the dossier and returns an md5 over every row the answer is made of — the
project, its enterprise's and people's names, each approval, prerequisite, milestone and clock
event, the open escalations and the calendar revision — whole rows as text, so a change to any
column of them changes the fingerprint, whoever made it, in any process. The day is part of the key.
SQLite (the embedded default, one small office) reads the dossier every time.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import ColumnClause, literal_column
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agency.access import Actor, not_visible, visible
from agency.accounts.models import User
from agency.enterprises.models import Enterprise
from agency.memo import TimedMemo
from agency.projects.models import Approval, Project

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

"""A dossier's status as its approvals make it: planning → in_progress → completed, blocked on a refusal.

Derived from the approvals and written by whatever changes them, right there — without the dossier's
optimistic version check: two departments acting at once on two approvals of one dossier both
succeed. The dossier's row is locked first (PostgreSQL), so the second of them derives the status from
what the first committed, and nothing is lost between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from agency.approvals.models import Approval
from agency.approvals.rules import DROPPED
from agency.projects.models import Project


@dataclass(frozen=True, slots=True)
class Counted:
    status: str
    required: bool
    item_code: str


def derive_status(current: str, approvals: Sequence[Counted]) -> str:
    """planning → in_progress → completed (every required approval approved); blocked on a rejection."""
    if current == "closed":
        return current
    counted = [a for a in approvals if a.status != "withdrawn"]
    required = [a for a in counted if a.required]
    if required and all(a.status == "approved" for a in required):
        return "completed"
    # A rejected item blocks only while no later approval of the same item is still alive.
    alive_items = {a.item_code for a in counted if a.status not in DROPPED}
    if any(a.status in ("rejected", "refused") and a.required and a.item_code not in alive_items for a in counted):
        return "blocked"
    if any(a.status != "planned" for a in counted):
        return "in_progress"
    return "planning"


def _weighs_as(status: str) -> tuple[bool, ...]:
    """What of an approval's status ``derive_status`` looks at."""
    return (status == "withdrawn", status == "planned", status == "approved", status in DROPPED,
            status in ("rejected", "refused"))


def may_change(source: str, target: str) -> bool:
    """Whether one approval moving from ``source`` to ``target`` can change its dossier's status. Most acts of a
    case under way (accept, a supplement, an extension) cannot: the write path then neither reads nor locks the
    dossier (one statement less per action)."""
    return _weighs_as(source) != _weighs_as(target)


async def refresh(session: AsyncSession, project: Project) -> str:
    """Derives and writes the dossier's status from its approvals as this transaction sees them."""
    await session.flush()
    # Locks the dossier's row (SQLite has one writer at a time anyway) and reads its approvals at once.
    rows = (await session.execute(
        select(Project.status, Approval.status, Approval.required, Approval.item_code)
        .outerjoin(Approval, Approval.project_id == Project.id).where(Project.id == project.id)
        .with_for_update(of=Project))).all()
    current = rows[0][0] if rows else project.status
    derived = derive_status(current, [Counted(r[1], r[2], r[3]) for r in rows if r[1] is not None])
    if derived != current:
        # Not through the unit of work: the dossier's version is for edits of the dossier itself.
        await session.execute(update(Project).where(Project.id == project.id).values(status=derived)
                              .execution_options(synchronize_session=False))
    set_committed_value(project, "status", derived)
    return derived

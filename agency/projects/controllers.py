"""/api/projects/{id}/handover(s): a site's clerk hands a dossier to another site (the center's agency office);
the handovers of a dossier, oldest first."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.projects import handover
from agency.projects.models import ProjectHandover
from agency.projects.schemas import HandoverIn, HandoverOut


def handover_out(row: ProjectHandover) -> HandoverOut:
    return HandoverOut(id=row.id, project_id=row.project_id, from_site_code=row.from_site_code,
                       to_site_code=row.to_site_code, note=row.note, handed_by=row.handed_by, handed_at=row.handed_at,
                       received_by=row.received_by)


class HandoverController(Controller):
    path = "/api/projects"
    tags = ["站点 sites"]

    @post("/{project_id:int}/handover", status_code=201, guards=[require_roles(Role.CLERK)])
    async def hand_over(self, project_id: FromPath[int], data: JSONBody[HandoverIn], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> HandoverOut:
        """Hands the dossier to another site (by default the center's agency office) with a note; the giving
        site keeps a read-only view, the timeline carries the handover. The receiving site's clerk
        (``clerk_id``, else its least loaded active clerk) becomes the dossier's clerk."""
        return handover_out(await handover.hand_over(db, actor, project_id, note=data.note,
                                                     site_code=data.site_code, version=data.version,
                                                     clerk_id=data.clerk_id))

    @get("/{project_id:int}/handovers")
    async def handovers(self, project_id: FromPath[int], actor: NamedDependency[Actor],
                        db: NamedDependency[AsyncSession]) -> list[HandoverOut]:
        """The dossier's handovers, oldest first."""
        return [handover_out(r) for r in await handover.history(db, actor, project_id)]

"""好差评 of persons from the enterprise's portal: the project's clerk (this quarter, or at the end of the mandate)
and the officer who handled a decided approval of an online department — the enterprise names the project or the
approval, never the person; the same service function as ``POST /api/evaluations``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from litestar import post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, get_visible
from agency.accounts.models import User
from agency.approvals.models import Approval
from agency.catalog.models import Department
from agency.errors import AgencyError
from agency.evaluations import service as evaluations
from agency.evaluations.models import MANDATE_END, REASONS, SCORE_WORDS, Evaluation, occasion_words
from agency.evaluations.targets import RATEABLE
from agency.projects.models import Project, mandate_of
from agency.web.render import see_other, zh

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


@dataclass(frozen=True, slots=True)
class PeopleToRate:
    clerk_name: str
    # (occasion, its words) the clerk may be rated on now and has not been.
    occasions: list[tuple[str, str]]
    # (approval id, approval name, the handler's name) of the officers not yet rated.
    officers: list[tuple[int, str, str]]
    rated: list[Evaluation]


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


async def people_to_rate(db: AsyncSession, project: Project, today: date) -> PeopleToRate:
    rated = list((await db.execute(select(Evaluation).where(
        Evaluation.project_id == project.id, Evaluation.target != "approval").order_by(Evaluation.id))).scalars())
    done = {e.target_key for e in rated}
    wanted = [quarter_of(today)] + ([MANDATE_END] if mandate_of(project) in ("ended", "completed") else [])
    occasions = [(o, occasion_words(o)) for o in wanted if f"clerk:{project.id}:{o}" not in done]
    handled = (await db.execute(
        select(Approval.id, Approval.name, User.display_name).join(User, User.id == Approval.handler_id)
        .join(Department, Department.code == Approval.department_code)
        .where(Approval.project_id == project.id, Approval.status.in_(RATEABLE), Department.mode == "online")
        .order_by(Approval.id))).all()
    clerk = await db.get(User, project.clerk_id)
    return PeopleToRate(clerk_name=clerk.display_name if clerk else "", occasions=occasions,
                        officers=[(i, n, h) for i, n, h in handled if f"officer:{i}" not in done], rated=rated)


def _list(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value] if value else []
    return [str(v) for v in values][:len(REASONS)]


@post("/app/portal/projects/{project_id:int}/ratings")
async def rate_person(project_id: FromPath[int], data: Form, actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> Redirect:
    """The enterprise rates its clerk (``occasion``) or an approval's officer (``approval_id``); 1–2 opens a
    rectification. A project it may not see is a 404 page; a refusal comes back on the page in Chinese."""
    actor.require(Role.ENTERPRISE)
    project = await get_visible(db, Project, project_id, actor, what="项目")
    back = f"/app/portal/projects/{project.id}"  # read now: a rollback expires the row
    target, score = str(data.get("target", "")), str(data.get("score", "")).strip()
    if target not in ("clerk", "officer") or score not in {str(level) for level in SCORE_WORDS}:
        return see_other(f"{back}?rating=missing#people-h")
    approval = str(data.get("approval_id", ""))
    try:
        await evaluations.rate(db, actor, int(approval) if approval.isdigit() and len(approval) < 16 else None,
                               int(score), str(data.get("comment", "")).strip()[:1000], target=target,
                               project_id=project.id, occasion=str(data.get("occasion", "")) or None,
                               reasons=_list(data.get("reasons")))
    except AgencyError as error:
        if error.status_code in (403, 404):
            raise
        await db.rollback()
        return see_other(f"{back}?people_error={quote(zh(error.detail))}#people-h")
    return see_other(f"{back}?rating=thanks#people-h")


HANDLERS: list[Any] = [rate_person]

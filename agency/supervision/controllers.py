from __future__ import annotations

from datetime import date

import msgspec
from litestar import Controller, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor, Role, require_roles
from agency.schemas import RequestBody, ResponseBody
from agency.supervision import service
from agency.timeutil import today_local


class SweepIn(RequestBody):
    as_of: date | None = None


class SweepOut(ResponseBody):
    checked: int
    fired: dict[str, int]
    as_of: date
    # Applications the law accepted in this run (行政许可法 第三十二条), and the departments' new violations.
    deemed: list[int] = msgspec.field(default_factory=list)
    violations: int = 0


class SweepController(Controller):
    path = "/api/escalations"
    tags = ["电子监察 escalations"]

    @post("/sweep", status_code=200, guards=[require_roles(Role.ADMIN)])
    async def sweep(self, data: JSONBody[SweepIn], state: State, actor: NamedDependency[Actor],
                    db: NamedDependency[AsyncSession]) -> SweepOut:
        """Run the same sweep as the scheduler, now (optionally as of another date)."""
        as_of = data.as_of or today_local()
        result = await service.run(db, as_of, state.settings, actor=actor)
        return SweepOut(checked=result.checked, fired=result.fired, as_of=as_of, deemed=result.deemed,
                        violations=result.violations)

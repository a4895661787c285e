from __future__ import annotations

from datetime import datetime

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from agency.access import Actor
from agency.jobs import service
from agency.schemas import ResponseBody

STATUS_NAMES = {"pending": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}


class JobOut(ResponseBody):
    id: int
    kind: str
    status: str
    status_name: str
    done: int
    total: int | None
    created_at: datetime
    finished_at: datetime | None
    error: str | None


class JobController(Controller):
    path = "/api/jobs"
    tags = ["后台任务 jobs"]

    @get("/{job_id:int}")
    async def get_one(self, job_id: FromPath[int], actor: NamedDependency[Actor],
                      db: NamedDependency[AsyncSession]) -> JobOut:
        """A background job's progress (a calendar change's clocks, say): for the administrator or whoever
        started it."""
        job = await service.get(db, actor, job_id)
        return JobOut(id=job.id, kind=job.kind, status=job.status, status_name=STATUS_NAMES[job.status],
                      done=job.done, total=job.total, created_at=job.created_at, finished_at=job.finished_at,
                      error=job.error if job.status == "failed" else None)

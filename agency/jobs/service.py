"""Asking for a job inside a transaction, and following it.

``enqueue`` writes the job's row in the caller's transaction, so the job exists exactly when what
caused it has committed; the session remembers the ids, and whoever commits hands them to the runner
(``committed``). A job that no runner took (the process stopped in between, Redis was down) is found
again by the scheduler's ``run_due``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from agency import timeutil
from agency.access import Actor, Role
from agency.errors import NotFound
from agency.jobs.models import Job

_AFTER_COMMIT = "jobs_after_commit"


_DEFERRED = "jobs_deferred"


async def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], *, actor: Actor | None = None,
                  total: int | None = None) -> Job:
    """The job's row, written now (its ``id`` known), or kept until ``write_deferred`` (``defer``)."""
    now = timeutil.now()
    job = Job(kind=kind, payload=payload, status="pending", attempts=0, run_after=now, created_at=now,
              created_by=actor.username if actor else "system", done=0, total=total)
    if (deferred := session.info.get(_DEFERRED)) is not None:
        deferred.append(job)
        return job
    session.add(job)
    await session.flush()
    session.info.setdefault(_AFTER_COMMIT, []).append(job.id)
    return job


def defer(session: AsyncSession) -> None:
    """Until ``write_deferred``, ``enqueue`` keeps the jobs out of the session: a caller that acts many times in
    a row (agency.sync, a chunk of records) writes their rows in one statement at its end, in the same
    transaction. Callers while deferring do not read the job's id. A list, so that a rolled-back savepoint's jobs
    go with it (agency.sync.service._forget_since)."""
    session.info.setdefault(_DEFERRED, [])


async def write_deferred(session: AsyncSession) -> None:
    """Writes the jobs ``enqueue`` kept since ``defer``, and stops keeping."""
    kept: list[Job] = session.info.pop(_DEFERRED, None) or []
    if kept:
        session.add_all(kept)
        await session.flush()
        session.info.setdefault(_AFTER_COMMIT, []).extend(job.id for job in kept)


def stop_deferring(session: AsyncSession) -> None:
    """Forgets the jobs ``enqueue`` kept (the caller's transaction failed)."""
    session.info.pop(_DEFERRED, None)


def actor_payload(actor: Actor) -> dict[str, Any]:
    """Who asked, as a job carries it (plain values; the job acts in his name, e.g. on the papers' audit lines)."""
    return {"user_id": actor.user_id, "username": actor.username, "role": actor.role.value,
            "department_code": actor.department_code, "enterprise_id": actor.enterprise_id,
            "site_code": actor.site_code}


def actor_from(payload: dict[str, Any]) -> Actor:
    return Actor(user_id=payload["user_id"], username=payload["username"], role=Role(payload["role"]),
                 department_code=payload.get("department_code"), enterprise_id=payload.get("enterprise_id"),
                 site_code=payload.get("site_code"))


def committed(session: AsyncSession) -> list[int]:
    """The jobs this session asked for; call after its commit, and hand them to the runner."""
    ids: list[int] = session.info.pop(_AFTER_COMMIT, [])
    return ids


def forget(session: AsyncSession) -> None:
    """After a rollback: the rows are gone, so are the ids."""
    session.info.pop(_AFTER_COMMIT, None)


async def get(session: AsyncSession, actor: Actor, job_id: int) -> Job:
    """A job, for the administrator or whoever caused it; 404 for anyone else."""
    job = await session.get(Job, job_id)
    if job is None or not (actor.role is Role.ADMIN or job.created_by == actor.username):
        raise NotFound("任务不存在或无权查看")
    return job


async def report_progress(session: AsyncSession, job_id: int, done: int, total: int | None) -> None:
    await session.execute(update(Job).where(Job.id == job_id).values(done=done, total=total))


def backoff(attempts: int) -> timedelta:
    """Wait before the next try of a failed job: 30 s, 1 min, 2 min… at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))

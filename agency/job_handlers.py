"""Who does the work a domain asks for by name (agency/jobs): the composition of the app, above every
domain, so that asking (``jobs.enqueue(session, "papers.for_action", …)``) never imports the doer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import storage
from agency.approvals import jobs as approval_jobs
from agency.documents import jobs as paper_jobs
from agency.documents import sealing
from agency.documents.service import Papers, Renderer
from agency.evaluations import jobs as rating_jobs
from agency.jobs.runner import Handler, HandOver, JobRunner
from agency.settings import Settings

HANDLERS: Mapping[str, Handler] = {
    paper_jobs.FOR_ACTION: paper_jobs.for_action,
    paper_jobs.SUPERVISION_NOTICES: paper_jobs.supervision_notices,
    paper_jobs.FOR_MANDATE: paper_jobs.for_mandate,
    paper_jobs.MEETING_MINUTES: paper_jobs.meeting_minutes,
    paper_jobs.PAYMENT_NOTICE: paper_jobs.payment_notice,
    sealing.SEAL: sealing.seal,
    rating_jobs.RATING_LINK: rating_jobs.rating_link,
    approval_jobs.RECOMPUTE_CLOCKS: approval_jobs.recompute_clocks,
}
# Too long to run before the answer to the request that asked: a task of their own.
BACKGROUND = frozenset({approval_jobs.RECOMPUTE_CLOCKS})


def job_runner(sessions: async_sessionmaker[AsyncSession], store: storage.BlobStore, settings: Settings,
               renderer: Renderer | None = None, hand_over: HandOver | None = None) -> JobRunner:
    keeper = sealing.SealKeeper(settings)
    services: dict[str, Any] = {"settings": settings, "store": store, "seal": keeper,
                                "papers": Papers(store, settings, renderer, seal=keeper)}
    return JobRunner(sessions, HANDLERS, services, background=BACKGROUND, hand_over=hand_over)

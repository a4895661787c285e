"""The application factory: every test and tool builds its own app from its own settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.ext.asyncio import AsyncEngine

import storage
from agency import logsafety, timeutil
from agency.accounts.auth import build_jwt_auth, initial_password_guard, provide_actor
from agency.accounts.controllers import AuthController, MeController, UserController
from agency.accounts.integration_controllers import IntegrationKeyController
from agency.approvals.calendar_controllers import CalendarChangeController
from agency.approvals.commitment_controllers import CommitmentCheckController
from agency.approvals.controllers import ApprovalController
from agency.approvals.material_controllers import MaterialController
from agency.audit import sealer as audit_sealer
from agency.bundles.controllers import BundleController, resubmission
from agency.calendar.controllers import CalendarController
from agency.calendar.service import ensure_seeded
from agency.catalog.controllers import CatalogController
from agency.coordination.controllers import (
    GovernmentTimeController,
    JointOpinionController,
    MeetingController,
    ProblemController,
)
from agency.db import changes
from agency.db.engine import create_engine, create_sessionmaker
from agency.db.session import provide_db, run_jobs_after_response
from agency.documents.controllers import DocumentController
from agency.documents.verify_controllers import RevokeController, VerifyController
from agency.dossiers.controllers import ProjectController
from agency.enterprises.controllers import EnterpriseController
from agency.escalation.controllers import EscalationController
from agency.evaluations.controllers import EvaluationController, FollowUpController, RatingLinkController
from agency.evaluations.rectification_controllers import RectificationController
from agency.fees.controllers import ApprovalFeeController, FeeController, FeeReportController, ReconcileController
from agency.files.controllers import FileController
from agency.health import health
from agency.http import EXCEPTION_HANDLERS, AgencyRequest
from agency.job_handlers import job_runner
from agency.jobs.controllers import JobController
from agency.notifications.admin import OutboxController
from agency.notifications.controllers import NotificationController
from agency.obligations.controllers import ObligationController
from agency.projects.controllers import HandoverController
from agency.queue import ArqQueue, InProcessQueue, NoQueue, Queue
from agency.reports.controllers import DashboardController, ReportController
from agency.security import SecurityHeaders
from agency.settings import Settings, get_settings
from agency.sites.controllers import SiteController
from agency.supervision.controllers import SweepController
from agency.sync.controllers import ExportController, SyncController
from agency.violations.controllers import ViolationController
from agency.web import STATIC, TEMPLATES, web_handlers
from agency.web.csrf import SessionCSRF
from agency.web.render import pages_answer_html

ROUTE_HANDLERS: list[Any] = [
    health, AuthController, MeController, UserController, CatalogController, CalendarController,
    EnterpriseController, ProjectController, ApprovalController, NotificationController, FileController,
    DocumentController, BundleController, EscalationController, OutboxController, ReportController,
    DashboardController, EvaluationController, FollowUpController, RatingLinkController, SweepController,
    CalendarChangeController, JobController, MaterialController, ViolationController, CommitmentCheckController,
    VerifyController, RevokeController, SyncController, ExportController, ProblemController, MeetingController,
    GovernmentTimeController, JointOpinionController, ObligationController, RectificationController,
    ApprovalFeeController, FeeController, FeeReportController, ReconcileController, SiteController,
    HandoverController, IntegrationKeyController,
]

log = logging.getLogger("agency.app")


def _queue(settings: Settings, sessions: Any, store: storage.BlobStore) -> Queue:
    if settings.redis_url:
        return ArqQueue(settings.redis_url)
    if settings.scheduler == "off":
        return NoQueue()
    # The embedded default: the same sweep and delivery, on a timer inside this process.
    queue = InProcessQueue(sessions, store, settings)
    queue.start()
    return queue


def _queue_check(settings: Settings) -> Callable[[], Awaitable[None]]:
    async def check() -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(settings.redis_url or "", socket_connect_timeout=2, socket_timeout=2)
        try:
            await client.ping()
        finally:
            await client.aclose()

    return check


def _listen_for_changes(engine: AsyncEngine, settings: Settings) -> asyncio.Task[None] | None:
    """On PostgreSQL the server remembers what it read and PostgreSQL tells it what changed."""
    if engine.dialect.name != "postgresql" or not settings.change_feed:
        return None
    return asyncio.create_task(changes.attach(engine).listen(settings.database_url), name="change-feed")


async def _seed_calendar(app: Litestar) -> None:
    """The official schedules chinesecalendar knows, loaded once into a migrated database."""
    try:
        async with app.state.sessionmaker() as session:
            if await ensure_seeded(session):
                await session.commit()
                log.info("working calendar seeded from chinesecalendar")
    except Exception as error:  # a database that is down must not stop the API from starting
        log.error("could not seed the working calendar (run `agency db upgrade`?): %r", error)


def create_app(settings: Settings | None = None, *, extra_handlers: list[Any] | None = None) -> Litestar:
    settings = settings or get_settings()
    logsafety.install()  # no rating-link token in any log line of this process
    # A server started on another day (AGENCY_TODAY): the whole process runs on that clock.
    timeutil.use_offset(settings.clock_offset_seconds)
    jwt_auth = build_jwt_auth(settings)

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncGenerator[None, None]:
        # Created here, not at import: each server worker process gets its own pool after fork.
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        store = storage.open_store(settings.storage_url, public_endpoint=settings.storage_public_endpoint)
        app.state.blob_store = store
        app.state.storage_check = store.check
        if settings.public_url is None:
            log.warning("AGENCY_PUBLIC_URL is not set: the verification links printed on papers use the address "
                        "each request came in on")
        await _seed_calendar(app)
        app.state.queue = _queue(settings, app.state.sessionmaker, store)
        queue = app.state.queue
        app.state.jobs = job_runner(app.state.sessionmaker, store, settings,
                                    renderer=queue if hasattr(queue, "render") else None,
                                    hand_over=getattr(queue, "hand_over", None))
        if hasattr(queue, "attach_jobs"):
            queue.attach_jobs(app.state.jobs)
        listening = _listen_for_changes(engine, settings)
        audit_sealer.start(engine, app.state.sessionmaker)
        try:
            yield
        finally:
            if listening is not None:
                listening.cancel()
                await asyncio.gather(listening, return_exceptions=True)
            await app.state.queue.close()
            await app.state.jobs.drain()
            await audit_sealer.stop(engine)
            await store.aclose()
            await engine.dispose()

    def add_auth(config: AppConfig) -> AppConfig:
        return jwt_auth.on_app_init(config)

    return Litestar(
        route_handlers=[*ROUTE_HANDLERS, *web_handlers(),
                        create_static_files_router(path="/static", directories=[STATIC], name="static"),
                        *(extra_handlers or [])],
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
        state=State(
            {
                "settings": settings,
                "jwt_auth": jwt_auth,
                "queue_check": _queue_check(settings),
                # The approvals' ``resubmit`` action goes out through a bundle (a higher package than approvals).
                "resubmission": resubmission,
            }
        ),
        lifespan=[database],
        on_app_init=[add_auth],
        dependencies={
            "db": Provide(provide_db),
            "actor": Provide(provide_actor, sync_to_thread=False),
        },
        guards=[initial_password_guard],
        # The jobs a request's transaction asked for (its papers) run once its answer is sent.
        after_response=run_jobs_after_response,
        # The pages' forms carry a CSRF token bound to the web session (agency/web/csrf.py).
        middleware=[SecurityHeaders(), SessionCSRF(settings)],
        exception_handlers=pages_answer_html(EXCEPTION_HANDLERS),
        request_class=AgencyRequest,
        openapi_config=OpenAPIConfig(
            title="Agency 代办服务 API",
            version="0.1.0",
            description="县行政服务中心企业代办服务系统的 HTTP 接口。错误体统一为 {status_code, detail, extra}。",
            path="/schema",
            # Served from the app's own static files: a government intranet reaches no CDN.
            render_plugins=[SwaggerRenderPlugin(
                path="/", js_url="/static/swagger-ui/swagger-ui-bundle.js",
                css_url="/static/swagger-ui/swagger-ui.css",
                standalone_preset_js_url="/static/swagger-ui/swagger-ui-standalone-preset.js",
                favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>")],
        ),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="debug",
            formatters={"standard": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        ),
        debug=False,
    )


def configure_logging(level: str) -> None:
    logsafety.install()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

"""The application factory: every test and tool builds its own app from its own settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.config.csrf import CSRFConfig
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
from agency.accounts.auth import build_jwt_auth, initial_password_guard, provide_actor
from agency.accounts.controllers import AuthController, MeController, UserController
from agency.approvals.controllers import ApprovalController
from agency.bundles.controllers import BundleController
from agency.calendar.controllers import CalendarController
from agency.calendar.service import ensure_seeded
from agency.catalog.controllers import CatalogController
from agency.db import changes
from agency.db.engine import create_engine, create_sessionmaker
from agency.db.session import provide_db
from agency.documents.controllers import DocumentController
from agency.enterprises.controllers import EnterpriseController
from agency.escalation.controllers import EscalationController
from agency.evaluations.controllers import EvaluationController, FollowUpController, RatingLinkController
from agency.files.controllers import FileController
from agency.health import health
from agency.http import EXCEPTION_HANDLERS
from agency.notifications.admin import OutboxController
from agency.notifications.controllers import NotificationController
from agency.projects.controllers import ProjectController
from agency.queue import ArqQueue, InProcessQueue, NoQueue, Queue
from agency.reports.controllers import DashboardController, ReportController
from agency.security import SecurityHeaders
from agency.settings import Settings, get_settings
from agency.web import STATIC, TEMPLATES, web_handlers

ROUTE_HANDLERS: list[Any] = [
    health, AuthController, MeController, UserController, CatalogController, CalendarController,
    EnterpriseController, ProjectController, ApprovalController, NotificationController, FileController,
    DocumentController, BundleController, EscalationController, OutboxController, ReportController,
    DashboardController, EvaluationController, FollowUpController, RatingLinkController,
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
        await _seed_calendar(app)
        app.state.queue = _queue(settings, app.state.sessionmaker, store)
        listening = _listen_for_changes(engine, settings)
        try:
            yield
        finally:
            if listening is not None:
                listening.cancel()
                await asyncio.gather(listening, return_exceptions=True)
            await app.state.queue.close()
            await store.aclose()
            await engine.dispose()

    def add_auth(config: AppConfig) -> AppConfig:
        return jwt_auth.on_app_init(config)

    return Litestar(
        route_handlers=[*ROUTE_HANDLERS, *web_handlers(),
                        create_static_files_router(path="/static", directories=[STATIC], name="static"),
                        *(extra_handlers or [])],
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_name="agency_csrf", cookie_httponly=False,
                               cookie_secure=not settings.embedded, exclude=["^/api/", "^/health", "^/schema"]),
        state=State(
            {
                "settings": settings,
                "jwt_auth": jwt_auth,
                "queue_check": _queue_check(settings),
            }
        ),
        lifespan=[database],
        on_app_init=[add_auth],
        dependencies={
            "db": Provide(provide_db),
            "actor": Provide(provide_actor, sync_to_thread=False),
        },
        guards=[initial_password_guard],
        middleware=[SecurityHeaders()],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Agency 代办服务 API",
            version="0.1.0",
            description="县行政服务中心企业代办服务系统的 HTTP 接口。错误体统一为 {status_code, detail, extra}。",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(path="/")],
        ),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="debug",
            formatters={"standard": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        ),
        debug=False,
    )


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

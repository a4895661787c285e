"""The pages clerks, enterprises, departments and leaders use, served by the same app (Chinese UI).

All pages live under one router: its ``actor`` dependency reads the web session cookie instead of
the bearer token (see ``session.py``), and its exception handlers answer with HTML error pages in
Chinese, leaving the JSON error bodies of ``/api`` untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def web_handlers() -> list[Any]:
    """Route handlers of the pages, in one router."""
    from litestar import Router
    from litestar.di import Provide

    from agency.web import (
        auth,
        pages_admin,
        pages_approval,
        pages_clerk,
        pages_department,
        pages_leader,
        pages_portal,
        pages_project,
        pages_rating,
        pages_supplement,
    )
    from agency.web.render import html_exception_handlers
    from agency.web.session import web_actor

    handlers: list[Any] = [auth.root, auth.login_form, auth.login, auth.logout, auth.password_form,
                           auth.change_password]
    for module in (pages_project, pages_approval, pages_supplement, pages_portal, pages_department, pages_leader,
                   pages_rating, pages_admin, pages_clerk):
        handlers.extend(module.HANDLERS)
    return [Router(path="/", route_handlers=handlers, dependencies={"actor": Provide(web_actor)},
                   exception_handlers=html_exception_handlers(), include_in_schema=False)]

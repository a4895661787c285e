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
        pages_catalog,
        pages_clerk,
        pages_coordination,
        pages_department,
        pages_enterprises,
        pages_evaluations,
        pages_fees,
        pages_fees_reconcile,
        pages_government_time,
        pages_joint,
        pages_leader,
        pages_materials,
        pages_obligations,
        pages_portal,
        pages_portal_ratings,
        pages_project,
        pages_project_edit,
        pages_ranking_criteria,
        pages_rankings,
        pages_rating,
        pages_sites,
        pages_supervision,
        pages_supplement,
        pages_sync,
        pages_users,
        pages_verify,
    )
    from agency.web.render import html_exception_handlers, ids_in_range
    from agency.web.session import web_actor

    handlers: list[Any] = [auth.root, auth.login_form, auth.login, auth.logout, auth.password_form,
                           auth.change_password]
    for module in (pages_enterprises, pages_project, pages_project_edit, pages_approval, pages_materials,
                   pages_supplement, pages_portal, pages_department,
                   pages_leader, pages_rating, pages_admin, pages_sync, pages_clerk, pages_supervision, pages_verify,
                   pages_coordination, pages_obligations, pages_fees, pages_sites, pages_government_time,
                   pages_joint, pages_catalog, pages_users, pages_fees_reconcile,
                   pages_evaluations, pages_rankings, pages_ranking_criteria, pages_portal_ratings):
        handlers.extend(module.HANDLERS)
    return [Router(path="/", route_handlers=handlers, dependencies={"actor": Provide(web_actor)},
                   exception_handlers=html_exception_handlers(), before_request=ids_in_range, include_in_schema=False)]

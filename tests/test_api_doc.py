"""docs/API.md, the HTTP contract in the repository, stays true of the app: every route it names is served
(or listed as not built yet), and its generated index names every /api route the app serves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from scripts import api_index

ROOT = Path(__file__).resolve().parents[1]
NAMED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)")
PARAMETER = re.compile(r"\{[^}]*\}")


@pytest.fixture(scope="module")
def application() -> Any:
    return api_index.app()


@pytest.fixture(scope="module")
def document(application: Any) -> dict[str, Any]:
    return api_index.openapi(application)


def _served(application: Any) -> set[tuple[str, str]]:
    """Every route the app answers, pages (outside the OpenAPI document) included."""
    return {(str(method), PARAMETER.sub("{}", re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)))
            for route in application.routes for method in getattr(route, "methods", ())}


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}")[1].split("\n## ")[0]


def test_every_route_the_contract_names_is_served_or_listed_as_not_built(application: Any) -> None:
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    contract = text.split("## Not built yet")[0]
    named = {(m, PARAMETER.sub("{}", p.rstrip("/"))) for m, p in NAMED.findall(contract)}
    not_built = {(m, PARAMETER.sub("{}", p)) for m, p in NAMED.findall(_section(text, "Not built yet"))}
    served = _served(application)
    missing = sorted(named - served - not_built)
    assert not missing, f"docs/API.md names routes the app does not serve: {missing}"
    built_meanwhile = sorted(not_built & served)
    assert not built_meanwhile, f"listed as not built but served: {built_meanwhile}"


def test_the_route_index_is_current(document: dict[str, Any]) -> None:
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    assert api_index.MARK in text
    assert text.split(api_index.MARK)[1] == api_index.index(document).split(api_index.MARK)[1], (
        "the route index of docs/API.md is stale: run python scripts/api_index.py")

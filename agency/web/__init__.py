"""The pages clerks, enterprises, departments and leaders use, served by the same app (Chinese UI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def web_handlers() -> list[Any]:
    """Route handlers of the pages; empty until the pages exist."""
    return []

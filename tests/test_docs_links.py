"""The README and docs/ explain the project from a fresh clone: every file they link to or name as
`docs/…` is in the repository, and none points outside it (../shared is not part of a clone)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
NAMED = re.compile(r"`((?:docs|scripts|tests|agency)/[\w./-]+\.(?:md|py|png|yaml))`")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    missing = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path = (document.parent / target).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            missing.append(target)
    for named in NAMED.findall(text):
        if not (ROOT / named).exists():
            missing.append(named)
    assert not missing, f"{document.name} names files that a clone does not have: {missing}"
    assert "../shared" not in text

"""Regenerate documents/templates/*.docx from documents/build (run after changing a layout).

    python scripts/build_templates.py [DESTINATION]

The output is deterministic: rebuilding unchanged layouts leaves the files byte for byte the same,
so ``git status`` shows exactly the templates a change touched.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from documents.build import build_all

DEFAULT = Path(__file__).resolve().parent.parent / "documents" / "templates"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("destination", nargs="?", type=Path, default=DEFAULT)
    args = parser.parse_args()
    for path in build_all(args.destination):
        print(f"{path.stat().st_size:>7} B  {path}")


if __name__ == "__main__":
    main()

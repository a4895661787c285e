"""What every object Agency writes carries, so that `agency storage check` (agency/ops/storage_check.py)
run meanwhile does not take an object whose row is not committed yet for an old orphan."""

from __future__ import annotations

from agency import timeutil

UPLOADED_AT = "uploaded-at"


def written_now() -> dict[str, str]:
    """The object's metadata: when it was written."""
    return {UPLOADED_AT: timeutil.now().isoformat()}

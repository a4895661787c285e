"""One-time links inside messages (the rating links of agency/evaluations: ``…/rate/<token>``) are secrets:
the token is the credential. Outside the message on its way to the recipient they are masked (logs, the
administrator's outbox view, delivery errors), and once the message is delivered only the token's SHA-256
is kept in the outbox row — the same hash the rating link's own row keeps."""

from __future__ import annotations

import hashlib
import re

# The path of a one-time link and its token (secrets.token_urlsafe: letters, digits, - and _).
LINK = re.compile(r"(/(?:rate|api/ratings)/)([A-Za-z0-9_-]{8,})")


def masked(text: str) -> str:
    """The links with their tokens cut to four characters: enough to tell two apart, useless to use."""
    return LINK.sub(lambda m: f"{m.group(1)}{m.group(2)[:4]}…", text)


def hashed(text: str) -> str:
    """The links with their tokens replaced by ``sha256:<hex>``: what the outbox keeps once delivered."""
    return LINK.sub(lambda m: f"{m.group(1)}sha256:{hashlib.sha256(m.group(2).encode()).hexdigest()}", text)


def has_link(text: str | None) -> bool:
    return bool(text) and LINK.search(text or "") is not None

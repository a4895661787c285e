"""A few seconds' memory of which actor a bearer token stands for, so most requests skip the lookup.

The lookup costs every API request a pooled connection, a transaction and a query before the
handler even starts — more than many handlers' own work (docs/PERFORMANCE.md). The answer changes
only when a token is revoked or its user changes, so: any commit in this process that wrote the
`users` or `auth_tokens` table forgets every entry at once, and an entry lives at most
TTL_SECONDS, which bounds how long *another* server process may still honour a token revoked
there (docs/SECURITY.md).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from agency import timeutil
from agency.access import Actor
from agency.accounts.models import AuthToken, User
from agency.db.hooks import forget_when_written
from agency.memo import TimedMemo

TTL_SECONDS = 5.0

_actors: TimedMemo[str, Actor] = TimedMemo(TTL_SECONDS)


def lookup(token_id: str, client_addr: str | None) -> Actor | None:
    actor = _actors.get(token_id)
    if actor is None or actor.client_addr == client_addr:
        return actor
    return dataclasses.replace(actor, client_addr=client_addr)


def remember(token_id: str, actor: Actor, expires_at: datetime) -> None:
    _actors.put(token_id, actor, (expires_at - timeutil.now()).total_seconds())


def forget_all() -> None:
    _actors.clear()


forget_when_written((User, AuthToken), forget_all)

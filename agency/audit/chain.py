"""The hash chain of the audit log: how a line's hash is computed, and how the chain is checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from agency.audit.models import GENESIS_HASH


class ChainedLine(Protocol):
    id: int
    occurred_at: datetime
    actor_id: int | None
    actor_username: str
    actor_role: str
    action: str
    object_type: str
    object_id: str | None
    project_id: int | None
    result: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    client_addr: str | None
    prev_hash: str | None
    hash: str | None


def canonical_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def line_tail(line: ChainedLine) -> str:
    """The line's content as its hash reads it, without the hash of the line before (which is only known under
    the chain's lock): the canonical JSON array of its fields, less its opening bracket."""
    # Sorted keys and fixed separators make the digest independent of how the database returns JSON.
    fields = [
        canonical_time(line.occurred_at),
        line.actor_id,
        line.actor_username,
        line.actor_role,
        line.action,
        line.object_type,
        line.object_id,
        line.project_id,
        line.result,
        line.before,
        line.after,
        line.client_addr,
    ]
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)[1:]


def chained(prev_hash: str, tail: str) -> str:
    """sha256 of the JSON array [prev_hash, *fields]. PostgreSQL computes the same digest from the same text when
    it seals lines (migration 0041's agency_audit_seal): the two must stay identical."""
    return hashlib.sha256(f'["{prev_hash}",{tail}'.encode()).hexdigest()


def line_hash(line: ChainedLine, prev_hash: str) -> str:
    return chained(prev_hash, line_tail(line))


@dataclass(frozen=True, slots=True)
class ChainBreak:
    event_id: int
    reason: str

    def __str__(self) -> str:
        return f"audit event #{self.event_id}: {self.reason}"


class ChainChecker:
    """Feed the sealed lines in chain order; remembers the first break."""

    def __init__(self) -> None:
        self.previous_hash: str | None = GENESIS_HASH
        self.previous_id: int | None = None
        self.checked = 0
        self.first_break: ChainBreak | None = None

    def feed(self, lines: Iterable[ChainedLine]) -> None:
        for line in lines:
            self.checked += 1
            if self.first_break is None:
                self.first_break = self._check(line)
            self.previous_hash = line.hash
            self.previous_id = line.id

    def _check(self, line: ChainedLine) -> ChainBreak | None:
        if line.prev_hash != self.previous_hash:
            after = f"#{self.previous_id}" if self.previous_id is not None else "the start of the log"
            return ChainBreak(line.id, f"does not follow {after} (a line was removed or inserted)")
        if line.hash is None or line.prev_hash is None or line_hash(line, line.prev_hash) != line.hash:
            return ChainBreak(line.id, "content does not match its hash (the line was changed)")
        return None

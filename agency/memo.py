"""A small in-process memory whose entries expire after a few seconds.

Used where a value is read far more often than it changes and every change made in this process
forgets it on commit (agency/db/hooks.py); the expiry bounds how long a change made by another
process goes unseen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TimedMemo(Generic[K, V]):
    def __init__(self, seconds: float, max_entries: int = 50_000,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        # Elapsed time, not the calendar: injectable so a test decides when an entry expires
        # instead of racing a loaded machine's scheduler.
        self.monotonic = monotonic
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: K, value: V, seconds: float | None = None) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # a burst of distinct keys: start over rather than grow without bound
        lifetime = self.seconds if seconds is None else min(self.seconds, seconds)
        self._entries[key] = (self.monotonic() + lifetime, value)

    def clear(self) -> None:
        self._entries.clear()

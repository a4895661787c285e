"""A bounded byte pipe from the event loop to one blocking reader thread.

The minio SDK pulls an upload through ``read(n)`` on a worker thread, while the bytes arrive
on the event loop. The pipe joins the two with a byte budget, so a fast client and a slow
S3 server never make us hold more than ``capacity`` bytes in transit (plus one chunk).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque


class PipeAborted(Exception):
    """Raised in the reader thread when the writer gave up; the SDK then aborts the upload."""


class PipeReaderGone(Exception):
    """Raised to the writer when the reader stopped (the upload failed on its side)."""


class BytePipe:
    def __init__(self, capacity: int, *, idle_timeout: float = 120.0) -> None:
        self._loop = asyncio.get_running_loop()
        self._capacity = capacity
        self._idle_timeout = idle_timeout
        self._lock = threading.Lock()
        self._readable = threading.Condition(self._lock)
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._eof = False
        self._aborted: str | None = None
        self._reader_gone = False
        # Only touched on the loop thread; the reader wakes the writer via call_soon_threadsafe.
        self._space = asyncio.Event()

    # -- event-loop side ----------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        while True:
            with self._lock:
                if self._reader_gone:
                    raise PipeReaderGone
                # One chunk may overshoot the budget, so a chunk larger than it still passes.
                if self._buffered < self._capacity:
                    self._chunks.append(data)
                    self._buffered += len(data)
                    self._readable.notify()
                    return
                self._space.clear()
            await self._space.wait()

    def close(self) -> None:
        """End of data: the reader gets b"" once the buffer is drained."""
        with self._lock:
            self._eof = True
            self._readable.notify_all()

    def abort(self, reason: str) -> None:
        """Make the reader fail on its next read, so the SDK abandons the upload."""
        with self._lock:
            self._aborted = reason
            self._chunks.clear()
            self._buffered = 0
            self._readable.notify_all()

    def reader_gone(self) -> None:
        """Called (from any thread) when the reader will read no more."""
        with self._lock:
            self._reader_gone = True
        self._wake_writer()

    # -- reader-thread side -------------------------------------------------------------

    def read(self, size: int = -1) -> bytes:
        """Block until ``size`` bytes (or end of data) are there, as ``io.RawIOBase`` would.

        Returning whole parts matters: the SDK concatenates what ``read`` returns, and many
        small reads would copy a 5 MiB part over and over.
        """
        parts: list[bytes] = []
        got = 0
        while size < 0 or got < size:
            with self._lock:
                while not self._chunks and not self._eof and self._aborted is None:
                    if not self._readable.wait(self._idle_timeout):
                        self._aborted = f"no data for {self._idle_timeout:.0f} s"
                if self._aborted is not None:
                    raise PipeAborted(self._aborted)
                if not self._chunks:
                    break
                chunk = self._chunks.popleft()
                if size >= 0 and got + len(chunk) > size:
                    cut = size - got
                    self._chunks.appendleft(chunk[cut:])
                    chunk = chunk[:cut]
                self._buffered -= len(chunk)
            self._wake_writer()
            parts.append(chunk)
            got += len(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _wake_writer(self) -> None:
        # A closed loop raises RuntimeError: then nobody is left to wake.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._space.set)

"""A bounded, lazily created, fork-aware thread pool for blocking backend calls."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class ThreadRunner:
    """Runs blocking calls in at most ``max_workers`` threads.

    The pool size is the capacity limiter: it bounds the threads, sockets and buffers the
    store can hold at once. The pool is created on first use and again after a fork, because
    threads do not survive ``fork()`` and a pool inherited from the parent would hang.
    """

    def __init__(self, max_workers: int, name: str) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._name = name
        self._executor: ThreadPoolExecutor | None = None
        self._pid = 0

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None or self._pid != os.getpid():
            self._executor = ThreadPoolExecutor(self._max_workers, thread_name_prefix=self._name)
            self._pid = os.getpid()
        return self._executor

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Start ``fn`` in a worker; keep the future to wait for the thread even after a cancel."""
        return self._pool().submit(fn, *args, **kwargs)

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    async def shutdown(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None and self._pid == os.getpid():
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)


async def wait_thread(future: Future[Any] | None) -> None:
    """Wait until a submitted call has really finished, whatever its outcome.

    Cancelling the coroutine that awaited a thread does not stop the thread; cleanup code
    must wait for it before removing what the thread may still be writing.
    """
    if future is None or future.done():
        return
    waiter = asyncio.wrap_future(future)
    await asyncio.wait([waiter])
    if not waiter.cancelled():
        # The failure belongs to whoever awaited the call; here it is only noted as seen.
        waiter.exception()

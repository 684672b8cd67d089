"""Heavy work, bounded: a global cap on concurrent Rasa-bound and search work, and the worker
threads that keep the event loop free.

- :meth:`Work.slot` admits at most ``MAX_CONCURRENT_WORK`` chat turns, history reads and searches
  at once; a caller waits up to ``WORK_WAIT`` seconds for a slot, then gets :class:`Busy`.
- :meth:`Work.compute` runs search and encoding (CPU-bound) on ``WORKER_THREADS`` threads;
  :meth:`Work.io` runs database reads and writes on a pool of their own, so a burst of searches
  never queues a rating or a contact update behind it. Nothing of either runs on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
IO_THREADS = 4


COMPUTE_NICENESS = 10  # below the event loop's thread: the OS runs the loop first when both wait


def _lower_priority() -> None:
    """Searches and encodings yield the CPU to the event loop (Linux sets niceness per thread;
    the encoder's own worker threads, started from here, inherit it)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), COMPUTE_NICENESS)


class Busy(Exception):
    """Every slot stayed taken for as long as the caller could wait."""


class Work:
    def __init__(self, max_concurrent: int, wait: float, threads: int) -> None:
        self.capacity = max_concurrent
        self.wait = wait
        self._slots = asyncio.Semaphore(max_concurrent)
        self._compute = ThreadPoolExecutor(threads, thread_name_prefix="compute", initializer=_lower_priority)
        self._io = ThreadPoolExecutor(IO_THREADS, thread_name_prefix="io")

    @property
    def in_use(self) -> int:
        return self.capacity - self._slots._value

    @contextlib.asynccontextmanager
    async def slot(self, wait: float | None = None) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait if wait is None else wait)
        except TimeoutError:
            raise Busy from None
        try:
            yield
        finally:
            self._slots.release()

    async def compute(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._compute, functools.partial(function, *args, **kwargs))

    async def io(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._io, functools.partial(function, *args, **kwargs))

    def close(self) -> None:
        self._compute.shutdown(wait=False, cancel_futures=True)
        self._io.shutdown(wait=False, cancel_futures=True)

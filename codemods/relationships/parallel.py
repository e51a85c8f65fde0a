"""Use every core when there is enough work: a process pool for big runs, none for small ones.

A commit of a few files never starts a process; a sweep of thousands of files spreads the
reading and the rewriting over all cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Callable, Generic, Optional, Protocol, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Executor
    from threading import Thread

T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Result(Protocol[R_co]):
    def result(self) -> R_co: ...

    def done(self) -> bool: ...


class _Done(Generic[R]):
    """The result of a call made in this process, shaped like a future's."""

    def __init__(self, value: R) -> None:
        self._value = value

    def result(self) -> R:
        return self._value

    def done(self) -> bool:
        return True


MIN_ITEMS = 200  # below this, starting worker processes costs more than it saves


def _fork_available() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _apply(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [function(item) for item in items]


class Workers:
    """A process pool started on first use, or plain calls in this process when not worth it."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and cores() > 1
        self._pool: Optional[Executor] = None
        self._released: Optional[Thread] = None  # waits for a pool to finish what it was handed

    @property
    def forks(self) -> bool:
        """Whether the workers are forked, so that they see this process's state as it was when
        the pool started."""
        return self.enabled and _fork_available()

    def _executor(self) -> Executor:
        if self._pool is None:
            self._join_released()  # never fork while its threads run
            # Imported here: a small run never pays for them.
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork" if _fork_available() else None)
            self._pool = ProcessPoolExecutor(max_workers=cores(), mp_context=context)
        return self._pool

    def map(
        self,
        function: Callable[[T], R],
        items: list[T],
        minimum: int = MIN_ITEMS,
        chunk: Optional[int] = None,
    ) -> Iterable[R]:
        """`function` over `items`, in order; `chunk` items per message to a worker."""
        if not self.enabled or len(items) < minimum:
            return map(function, items)
        chunk = chunk or max(16, len(items) // (cores() * 8))
        return self._executor().map(function, items, chunksize=chunk)

    def chunk(self, function: Callable[[T], R], items: list[T]) -> Result[list[R]]:
        """`function` over `items`, handed to a worker now as one message: their results, as
        a future (taken in any order, or only asked whether done)."""
        return self._executor().submit(_apply, function, items)

    def restart(self) -> None:
        """The next call starts new workers (forked from this process as it is then)."""
        self.close()

    def submit(self, function: Callable[[T], R], item: T, parallel: bool) -> Result[R]:
        if self.enabled and parallel:
            return self._executor().submit(function, item)
        return _Done(function(item))

    def release(self) -> None:
        """The workers exit once the work handed out is done (its results stay to be taken);
        a later call starts new ones, once these are gone."""
        if self._pool is not None:
            import threading

            # A pool shut down without waiting can no longer be waited for: a thread waits.
            self._released = threading.Thread(target=self._pool.shutdown, daemon=True)
            self._released.start()
            self._pool = None

    def _join_released(self) -> None:
        if self._released is not None:
            self._released.join()
            self._released = None

    def close(self) -> None:
        self._join_released()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

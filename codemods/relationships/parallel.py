"""Use every core when there is enough work: a process pool for big runs, none for small ones.

A commit of a few files never starts a process; a sweep of thousands of files spreads the
reading and the rewriting over all cores.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Callable, Generic, Optional, Protocol, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Executor

T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Result(Protocol[R_co]):
    def result(self) -> R_co: ...


class _Done(Generic[R]):
    """The result of a call made in this process, shaped like a future's."""

    def __init__(self, value: R) -> None:
        self._value = value

    def result(self) -> R:
        return self._value


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

    @property
    def forks(self) -> bool:
        """Whether the workers are forked, so that they see this process's state as it was when
        the pool started."""
        return self.enabled and _fork_available()

    def _executor(self) -> Executor:
        if self._pool is None:
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
        ahead: Optional[int] = None,
    ) -> Iterable[R]:
        """`function` over `items`, in order; `chunk` items per message to a worker. With
        `ahead`, at most that many items are handed out before their results are taken (the
        workers wait for the caller rather than pile results up in this process's memory)."""
        if not self.enabled or len(items) < minimum:
            return map(function, items)
        chunk = chunk or max(16, len(items) // (cores() * 8))
        if ahead is None:
            return self._executor().map(function, items, chunksize=chunk)
        return self._bounded(function, items, chunk, max(1, ahead // chunk))

    def _bounded(
        self, function: Callable[[T], R], items: list[T], chunk: int, chunks: int
    ) -> Iterator[R]:
        executor = self._executor()
        starts = iter(range(0, len(items), chunk))
        running: deque[Result[list[R]]] = deque()

        def submit() -> None:
            start = next(starts, None)
            if start is not None:
                running.append(executor.submit(_apply, function, items[start : start + chunk]))

        for _ in range(chunks):  # handed out now: the workers start before the first ask
            submit()

        def results() -> Iterator[R]:
            while running:
                done = running.popleft().result()
                submit()
                yield from done

        return results()

    def restart(self) -> None:
        """The next call starts new workers (forked from this process as it is then)."""
        self.close()

    def submit(self, function: Callable[[T], R], item: T, parallel: bool) -> Result[R]:
        if self.enabled and parallel:
            return self._executor().submit(function, item)
        return _Done(function(item))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

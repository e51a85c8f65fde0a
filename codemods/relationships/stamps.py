"""The stat of many files at once, on every core.

A commit in a large project must see every file's stamp (an edit it missed would be decided
from facts of the file as it was), and the kernel's stat is most of that cost: one process
per core stats its share. The workers are forked, write into memory shared with this process
and exit; a worker that fails costs only time (its share is stat'ed here).
"""

from __future__ import annotations

import array
import os
import struct
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import mmap

FIELDS = 4  # mtime_ns, ctime_ns, size, inode
_WIDTH = FIELDS * 8  # bytes per path, packed
_PACK = struct.Struct(f"{FIELDS}q").pack  # as an `array.array("q")` of them holds them
PARALLEL_FROM = 8192  # paths: below this, forking costs more than it saves


Group = tuple[str, Sequence[str]]  # a directory (with its separator) and names in it


def packed_stamps(
    groups: Sequence[Group], parallel: bool = True, meanwhile: Callable[[], object] = tuple
) -> list[Optional[bytes]]:
    """For each group, the `FIELDS` of the stat of each name in its directory, packed as 64-bit
    integers in the group's order ("" names the directory itself); None for a group with a
    name that cannot be stat'ed. `meanwhile` is called once, in this process, while the
    workers stat (before this process stats any)."""
    total = sum(len(names) for _, names in groups)
    cores = _cores() if parallel and total >= PARALLEL_FROM and _can_fork() else 1
    if cores == 1:
        meanwhile()
        with _Inside() as inside:
            return [inside.packed(group) for group in groups]
    return _forked(groups, _shares(groups, total, cores - 1), meanwhile)


class _Inside:
    """Stats each group's names from inside its directory: the kernel then looks up the parts
    of the name, not every part of the directory's absolute path again (about a sixth of the
    time of a stat). The working directory is the whole process's: only a process with no
    other thread moves, and it moves back when done."""

    def __init__(self) -> None:
        self._at: Optional[str] = None
        self._back: Optional[int] = None

    def __enter__(self) -> _Inside:
        threading = sys.modules.get("threading")  # not imported: no other thread
        if hasattr(os, "fchdir") and (threading is None or threading.active_count() == 1):
            try:
                self._back = os.open(".", os.O_RDONLY)
            except OSError:
                pass  # a working directory that cannot be opened: the stats take whole paths
        return self

    def __exit__(self, *exc: object) -> None:
        if self._back is not None:
            try:
                os.fchdir(self._back)
            finally:
                os.close(self._back)

    def packed(self, group: Group) -> Optional[bytes]:
        directory, names = group
        prefix = directory
        if self._back is not None and directory != self._at:
            try:
                if os.path.isabs(directory):
                    os.chdir(directory)
                    self._at = directory
                elif self._at is not None:
                    os.fchdir(self._back)  # a relative path is taken from where the run is
                    self._at = None
            except OSError:
                self._at = None  # by whole paths: they fail as the move did
                os.fchdir(self._back)
        if self._at == directory:
            prefix = ""
        stat, pack = os.stat, _PACK
        stamps: list[bytes] = []
        add = stamps.append
        try:
            for name in names:
                now = stat(prefix + name or ".")  # "": the directory itself
                add(pack(now.st_mtime_ns, now.st_ctime_ns, now.st_size, now.st_ino))
        except (OSError, OverflowError, ValueError, struct.error):
            return None
        return b"".join(stamps)


def _shares(groups: Sequence[Group], total: int, workers: int) -> list[range]:
    """The groups split into at most `workers` runs, none empty, of about as many names each:
    each run ends where its names come closest to the next `total / workers`."""
    shares: list[range] = []
    start, seen = 0, 0
    goal = total / workers
    for index, (_, names) in enumerate(groups):
        if len(shares) < workers - 1 and seen + len(names) >= goal:
            end = index if goal - seen < seen + len(names) - goal and index > start else index + 1
            shares.append(range(start, end))
            start = end
            goal = total * (len(shares) + 1) / workers
        seen += len(names)
    if start < len(groups):
        shares.append(range(start, len(groups)))
    return shares


def _forked(
    groups: Sequence[Group], shares: list[range], meanwhile: Callable[[], object]
) -> list[Optional[bytes]]:
    """A forked worker stats each share from its start; this process, once `meanwhile` is
    done, takes each share from its far end until it meets the worker (one that starts late,
    or runs slower, is not waited for)."""
    import mmap  # noqa: F811 (imported here: a small run never pays for it)

    # per group: a byte (1: a worker took it, 2: this process did), a byte (1: the worker wrote
    # its stamps), then its place in the stamps
    offsets = array.array("q", [0])
    for _, names in groups:
        offsets.append(offsets[-1] + len(names) * _WIDTH)
    count = len(groups)
    shared = mmap.mmap(-1, 2 * count + offsets[-1] or 1)
    stamps_at = 2 * count
    children: list[tuple[int, range]] = []
    for share in shares:
        pid = _fork()
        if pid == 0:
            _worker(groups, share, shared, offsets, stamps_at)
        children.append((pid, share))
    results: list[Optional[bytes]] = [None] * count
    try:
        meanwhile()  # from where this process is: it may import modules by relative path
    finally:  # the workers are waited for whatever it does
        _take_and_collect(groups, children, shared, offsets, stamps_at, results)
        shared.close()
    return results


def _take_and_collect(
    groups: Sequence[Group],
    children: list[tuple[int, range]],
    shared: mmap.mmap,
    offsets: array.array[int],
    stamps_at: int,
    results: list[Optional[bytes]],
) -> None:
    """Take each share from its far end until a group its worker took, then wait for the
    workers and fill in what they wrote (or stat here what one that failed left)."""
    count = len(groups)
    with _Inside() as inside:
        taken: set[int] = set()  # a group both took is this process's
        for _, share in children:
            for index in reversed(share):
                if shared[index]:
                    break
                shared[index] = 2
                results[index] = inside.packed(groups[index])
                taken.add(index)
        for pid, share in children:
            cleanly = pid >= 0 and _exited_cleanly(pid)
            for index in share:
                if index in taken:
                    continue
                if not cleanly:
                    results[index] = inside.packed(groups[index])
                elif shared[count + index]:
                    start = stamps_at + offsets[index]
                    results[index] = shared[start : stamps_at + offsets[index + 1]]


def _worker(
    groups: Sequence[Group],
    share: range,
    shared: mmap.mmap,
    offsets: array.array[int],
    stamps_at: int,
) -> None:
    """In a forked worker: stat the share into the shared memory, from its start until a group
    the parent took, and exit (never return)."""
    code = 1
    try:
        inside = _Inside().__enter__()  # never moved back: the worker exits
        for index in share:
            if shared[index]:  # the parent takes the rest
                break
            shared[index] = 1
            packed = inside.packed(groups[index])
            if packed is not None:
                start = stamps_at + offsets[index]
                shared[start : start + len(packed)] = packed
                shared[len(groups) + index] = 1
        code = 0
    finally:
        os._exit(code)


def _fork() -> int:
    """A worker's pid (0 in the worker), or -1 if none could be started."""
    try:
        return os.fork()
    except OSError:
        return -1


def _exited_cleanly(pid: int) -> bool:
    try:
        _, status = os.waitpid(pid, 0)
    except OSError:
        return False
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _can_fork() -> bool:
    """A process with other threads is not forked (a lock one of them holds would stay held
    in the worker), nor one on macOS (whose system libraries are not safe across a fork)."""
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return False
    import threading

    return threading.active_count() == 1


def _cores() -> int:
    from .parallel import cores

    return cores()

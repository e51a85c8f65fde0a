"""The stat of many files at once, on every core.

A commit in a large project must see every file's stamp (an edit it missed would be decided
from facts of the file as it was), and the kernel's stat is most of that cost: one process
per core stats its share. The workers are forked, write into memory shared with this process
and exit; a worker that fails costs only time (its share is stat'ed here).
"""

from __future__ import annotations

import array
import itertools
import os
import struct
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, Optional

if TYPE_CHECKING:
    import mmap

FIELDS = 4  # mtime_ns, ctime_ns, size, inode
_WIDTH = FIELDS * 8  # bytes per path, packed
_PACK = struct.Struct(f"{FIELDS}q").pack  # as an `array.array("q")` of them holds them
PARALLEL_FROM = 8192  # paths: below this, forking costs more than it saves


Group = tuple[str, Sequence[str]]  # a directory (with its separator) and names in it


class Stamped(NamedTuple):
    """The stamps of every group, one group after another, as one buffer."""

    data: bytes
    offsets: array.array[int]  # group i's stamps are `data[offsets[i]:offsets[i + 1]]`
    failed: set[int]  # the groups with a name that could not be stat'ed (their bytes are 0)

    def group(self, index: int) -> Optional[bytes]:
        if index in self.failed:
            return None
        return self.data[self.offsets[index] : self.offsets[index + 1]]


def packed_stamps(
    groups: Sequence[Group], parallel: bool = True, meanwhile: Callable[[], object] = tuple
) -> list[Optional[bytes]]:
    """For each group, the `FIELDS` of the stat of each name in its directory, packed as 64-bit
    integers in the group's order ("" names the directory itself); None for a group with a
    name that cannot be stat'ed. `meanwhile` is called once, in this process, while the
    workers stat (before this process stats any)."""
    stamped = stamp_groups(groups, parallel, meanwhile)
    return [stamped.group(index) for index in range(len(groups))]


def stamp_groups(
    groups: Sequence[Group],
    parallel: bool = True,
    meanwhile: Callable[[], object] = tuple,
    sizes: Optional[Sequence[int]] = None,
) -> Stamped:
    """`packed_stamps`, as one buffer. `sizes`: how many names each group has, if known (a
    sequence that builds each group when asked for it is then not asked to count them)."""
    if sizes is None:
        sizes = [len(names) for _, names in groups]
    offsets = array.array("q", [0])
    offsets.extend(itertools.accumulate(size * _WIDTH for size in sizes))
    total = offsets[-1] // _WIDTH
    cores = _cores() if parallel and total >= PARALLEL_FROM and _can_fork() else 1
    if cores == 1:
        meanwhile()
        with _Inside() as inside:
            packed = [inside.packed(group) for group in groups]
        failed = {index for index, stamps in enumerate(packed) if stamps is None}
        data = b"".join(
            bytes(offsets[i + 1] - offsets[i]) if stamps is None else stamps
            for i, stamps in enumerate(packed)
        )
        return Stamped(data, offsets, failed)
    return _forked(groups, offsets, _shares(sizes, total, cores - 1), meanwhile)


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


def _shares(sizes: Sequence[int], total: int, workers: int) -> list[range]:
    """The groups (of `sizes` names) split into at most `workers` runs, none empty, of about as
    many names each: each run ends where its names come closest to the next `total / workers`."""
    shares: list[range] = []
    start, seen = 0, 0
    goal = total / workers
    for index, size in enumerate(sizes):
        if len(shares) < workers - 1 and seen + size >= goal:
            end = index if goal - seen < seen + size - goal and index > start else index + 1
            shares.append(range(start, end))
            start = end
            goal = total * (len(shares) + 1) / workers
        seen += size
    if start < len(sizes):
        shares.append(range(start, len(sizes)))
    return shares


def _forked(
    groups: Sequence[Group],
    offsets: array.array[int],
    shares: list[range],
    meanwhile: Callable[[], object],
) -> Stamped:
    """A forked worker stats each share from its start; this process, once `meanwhile` is
    done, takes each share from its far end until it meets the worker (one that starts late,
    or runs slower, is not waited for)."""
    import mmap  # noqa: F811 (imported here: a small run never pays for it)

    # per group: a byte (1: a worker took it, 2: this process did), a byte (1: its stamps are
    # written), then its place in the stamps
    count = len(groups)
    shared = mmap.mmap(-1, 2 * count + offsets[-1] or 1)
    stamps_at = 2 * count
    children: list[tuple[int, range]] = []
    for share in shares:
        pid = _fork()
        if pid == 0:
            _worker(groups, share, shared, offsets, stamps_at)
        children.append((pid, share))
    try:
        meanwhile()  # from where this process is: it may import modules by relative path
    finally:  # the workers are waited for whatever it does
        try:
            _take_and_collect(groups, children, shared, offsets, stamps_at)
            written = shared[count:stamps_at]
            failed = {index for index in range(count) if not written[index]}
            data = shared[stamps_at : stamps_at + offsets[-1]]
        finally:
            shared.close()
    return Stamped(data, offsets, failed)


def _take_and_collect(
    groups: Sequence[Group],
    children: list[tuple[int, range]],
    shared: mmap.mmap,
    offsets: array.array[int],
    stamps_at: int,
) -> None:
    """Take each share from its far end until a group its worker took, then wait for the
    workers, stat here what one that failed left, and write what this process stat'ed where
    the workers write theirs (once they are gone: a group both took is this process's)."""
    count = len(groups)
    with _Inside() as inside:
        mine: dict[int, Optional[bytes]] = {}
        for _, share in children:
            for index in reversed(share):
                if shared[index]:
                    break
                shared[index] = 2
                mine[index] = inside.packed(groups[index])
        for pid, share in children:
            if not (pid >= 0 and _exited_cleanly(pid)):
                for index in share:
                    shared[count + index] = 0
                    if index not in mine:
                        mine[index] = inside.packed(groups[index])
    for index, packed in mine.items():
        start, end = stamps_at + offsets[index], stamps_at + offsets[index + 1]
        shared[start:end] = bytes(end - start) if packed is None else packed
        shared[count + index] = packed is not None


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

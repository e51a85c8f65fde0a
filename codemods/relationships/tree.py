"""Every directory of the project's walk in one record, so that a commit in a large project
checks the whole walk with one read and a stat of each directory and file, instead of a row,
a listing and a list of paths per directory.

The record is what the cache's `dirs` rows say, put together: each directory's stamp, its
files' paths (directory by directory) and the stamps its `vouched` holds for them. A run that
walked every directory from the cache's listings writes it in the transaction that writes
them, if every listing is trusted; every other write of those rows rewrites it or drops it in
the same transaction. A commit takes it as the walk only if every directory's stat is the one
it holds (a listing changes only with its directory's stat): else the walk is made as without
it, from the stats already made.
"""

from __future__ import annotations

import array
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple, Optional, Union, overload

from .stamps import FIELDS, Group, Stamped

WIDTH = 8 * FIELDS  # one stamp, packed
MISSING = b"\xff" * WIDTH  # where a directory vouches for nothing: no stat gives inode -1
PARTS = ("dirs", "stamps", "counts", "files", "vouched")


class Image(NamedTuple):
    dirs: list[str]
    stamps: bytes  # each directory's (mtime, ctime, inode), packed
    starts: array.array[int]  # directory i's files are `files[starts[i]:starts[i + 1]]`
    files: list[str]
    vouched: bytes  # each file's stamp as its directory vouches for it, or MISSING
    joined: str  # the files' paths as stored: joined by NULs


class Accepted:
    """An image found to hold for the whole walk, with the stamps of its files now."""

    def __init__(self, image: Image, now: bytes, changed_at: list[int]) -> None:
        self.image = image
        self._now = now  # every file's stamp now, laid out as the image's `vouched`
        self._changed_at = changed_at
        # the directories with files whose stamps are not those vouched for
        self.changed = {image.dirs[index] for index in changed_at}
        self.position = dict(zip(image.dirs, range(len(image.dirs))))

    def held_paths(self, wanted: set[str]) -> set[str]:
        """The files of the directories that hold, if every one of a directory's is wanted."""
        found: set[str] = set()
        files, starts = self.image.files, self.image.starts
        apart = set(self._changed_at)
        for index in range(len(self.image.dirs)):
            paths = files[starts[index] : starts[index + 1]]
            if paths and index not in apart and wanted.issuperset(paths):
                found.update(paths)
        return found

    def names(self, directory: str) -> Optional[tuple[str, ...]]:
        index = self.position.get(directory)
        return None if index is None else names(self.image, index)

    def now(self, directory: str) -> Optional[bytes]:
        """The stamps of the directory's files now, packed (None: no files, or not walked)."""
        index = self.position.get(directory)
        return None if index is None else self._now[_span(self.image, index)] or None

    def vouched(self, directory: str) -> Optional[bytes]:
        index = self.position.get(directory)
        if index is None:
            return None
        stored = self.image.vouched[_span(self.image, index)]
        return None if not stored or stored[:WIDTH] == MISSING else stored

    def patched(self, changes: Iterable[tuple[Optional[bytes], str]]) -> bytes:
        """The image's `vouched` after the changes ((vouched, directory), as the rows take
        them)."""
        image = self.image
        vouched = bytearray(image.vouched)
        for held, directory in changes:
            index = self.position[directory]
            vouched[_span(image, index)] = _stored(
                held, image.starts[index + 1] - image.starts[index]
            )
        return bytes(vouched)


def _span(image: Image, index: int) -> slice:
    """Where the stamps of the files of the image's directory `index` are in its `vouched`."""
    return slice(WIDTH * image.starts[index], WIDTH * image.starts[index + 1])


def _stored(held: Optional[bytes], count: int) -> bytes:
    """What the image holds for a directory of `count` files whose `vouched` is `held`."""
    return held if held and len(held) == WIDTH * count else MISSING * count


def names(image: Image, index: int) -> tuple[str, ...]:
    """The names of the files of the image's directory `index`."""
    skip = len(image.dirs[index]) + 1 if image.dirs[index] else 0
    return tuple(p[skip:] for p in image.files[image.starts[index] : image.starts[index + 1]])


def decoded(rows: Iterable[tuple[object, object]]) -> Optional[Image]:
    """The image of the stored rows, if they make a whole one."""
    parts = dict(rows)
    dirs, stamps, counts, files, vouched = (parts.get(p) for p in PARTS)
    if not (
        isinstance(dirs, str)
        and isinstance(files, str)
        and isinstance(stamps, bytes)
        and isinstance(counts, bytes)
        and isinstance(vouched, bytes)
    ):
        return None
    directories = dirs.split("\0")
    starts = array.array("q", [0])
    try:
        sizes = array.array("q", counts)
    except ValueError:
        return None
    starts.extend(itertools.accumulate(sizes))
    paths = files.split("\0") if files else []  # a path is never empty
    if not (
        (not sizes or min(sizes) >= 0)
        and len(sizes) == len(directories)
        and len(stamps) == 24 * len(directories)
        and len(paths) == starts[-1]
        and len(vouched) == WIDTH * len(paths)
    ):
        return None
    return Image(directories, stamps, starts, paths, vouched, files)


def encoded(
    listings: Mapping[str, tuple[tuple[int, int, int], tuple[str, ...]]],
    vouched: Mapping[str, Optional[bytes]],
) -> list[tuple[str, object]]:
    """The rows of the image of the directories' stamps and files (by path, none skipped's)
    and what their `vouched` hold."""
    dirs = sorted(listings)
    stamps = array.array("q")
    counts = array.array("q")
    files: list[str] = []
    packed: list[bytes] = []
    for directory in dirs:
        stamp, names = listings[directory]
        stamps.extend(stamp)
        counts.append(len(names))
        prefix = f"{directory}/" if directory else ""
        files.extend(prefix + name for name in names)
        packed.append(_stored(vouched.get(directory), len(names)))
    return list(
        zip(
            PARTS,
            (
                "\0".join(dirs),
                stamps.tobytes(),
                counts.tobytes(),
                "\0".join(files),
                b"".join(packed),
            ),
        )
    )


DIRECTORIES = 256  # directories to a group of `Groups`


class Groups(Sequence[Group]):
    """What to stat of an image, as `stamps.stamp_groups` takes it: the directories, a few
    hundred to a group, then each directory's files (a group each, maybe empty), so that the
    files' stamps come out laid out as the image's `vouched`. Each group is made when asked
    for (by the process that stats it)."""

    def __init__(self, image: Image, base: str) -> None:
        self._image = image
        self._base = base
        self.chunks = -(-len(image.dirs) // DIRECTORIES)
        self.sizes = [
            *(len(image.dirs[i : i + DIRECTORIES]) for i in range(0, len(image.dirs), DIRECTORIES)),
            *(b - a for a, b in zip(image.starts, image.starts[1:])),
        ]

    def __len__(self) -> int:
        return len(self.sizes)

    @overload
    def __getitem__(self, index: int) -> Group: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Group]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[Group, Sequence[Group]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        image = self._image
        if index < self.chunks:
            dirs = image.dirs[index * DIRECTORIES : (index + 1) * DIRECTORIES]
            return (self._base, [stat_name(d) for d in dirs])
        at = index - self.chunks
        return (self._base, image.files[image.starts[at] : image.starts[at + 1]])


def stat_name(directory: str) -> str:
    """The name a directory of the walk is stat'ed by, from the project's root."""
    return f"{directory}/" if directory else ""


def accepted(image: Image, groups: Groups, stamped: Stamped) -> Optional[Accepted]:
    """The image with its files' stamps now, if every directory's stat is the one it holds
    (its mtime, ctime and inode: not its size) and every file could be stat'ed."""
    if stamped.failed:
        return None
    files_at = stamped.offsets[groups.chunks]
    directories = array.array("q", stamped.data[:files_at])
    del directories[2::FIELDS]  # the sizes
    if directories.tobytes() != image.stamps:
        return None
    now = stamped.data[files_at:]
    return Accepted(image, now, [] if now == image.vouched else _differing(image, now))


def _differing(image: Image, now: bytes) -> list[int]:
    """The directories whose files' stamps in `now` are not the image's `vouched` (compared a
    block of directories at a time, then one by one in a block that differs)."""
    vouched, starts = image.vouched, image.starts
    found: list[int] = []
    count = len(image.dirs)
    for block in range(0, count, DIRECTORIES):
        end = min(block + DIRECTORIES, count)
        span = slice(WIDTH * starts[block], WIDTH * starts[end])
        if now[span] != vouched[span]:
            found.extend(
                index
                for index in range(block, end)
                if now[_span(image, index)] != vouched[_span(image, index)]
            )
    return found

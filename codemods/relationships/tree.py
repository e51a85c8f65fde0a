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
from collections.abc import Iterable, Mapping
from typing import NamedTuple, Optional

from .stamps import FIELDS, Group

WIDTH = 8 * FIELDS  # one stamp, packed
MISSING = b"\xff" * WIDTH  # where a directory vouches for nothing: no stat gives inode -1
PARTS = ("dirs", "stamps", "counts", "files", "vouched")


class Image(NamedTuple):
    dirs: list[str]
    stamps: bytes  # each directory's (mtime, ctime, inode), packed
    starts: array.array[int]  # directory i's files are `files[starts[i]:starts[i + 1]]`
    files: list[str]
    vouched: bytes  # each file's stamp as its directory vouches for it, or MISSING


class Accepted(NamedTuple):
    """An image found to hold for the whole walk, with the stamps of its files now."""

    image: Image
    now: list[bytes]  # each directory's files' stamps now, packed
    held: list[int]  # the directories whose files all have the stamps vouched for
    changed: set[str]  # those with files whose stamps are not those vouched for
    position: dict[str, int]

    def held_paths(self, wanted: set[str]) -> set[str]:
        """The files of the directories that hold, if every one of a directory's is wanted."""
        found: set[str] = set()
        files, starts = self.image.files, self.image.starts
        for index in self.held:
            paths = files[starts[index] : starts[index + 1]]
            if wanted.issuperset(paths):
                found.update(paths)
        return found

    def names(self, directory: str) -> Optional[tuple[str, ...]]:
        index = self.position.get(directory)
        return None if index is None else names(self.image, index)

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
    for size in sizes:
        starts.append(starts[-1] + size)
    paths = files.split("\0") if starts[-1] else []
    if not (
        len(sizes) == len(directories)
        and len(stamps) == 24 * len(directories)
        and len(paths) == starts[-1]
        and len(vouched) == WIDTH * len(paths)
    ):
        return None
    return Image(directories, stamps, starts, paths, vouched)


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


def groups(image: Image, base: str) -> list[Group]:
    """What to stat, as `stamps.packed_stamps` takes it: each directory, then its files."""
    files, starts = image.files, image.starts
    return [
        (base, [f"{directory}/" if directory else "", *files[starts[i] : starts[i + 1]]])
        for i, directory in enumerate(image.dirs)
    ]


def accepted(image: Image, stats: list[Optional[bytes]]) -> Optional[Accepted]:
    """The image with its files' stamps now, if every directory's stat is the one it holds."""
    stamps, vouched = image.stamps, image.vouched
    now: list[bytes] = []
    held: list[int] = []
    changed: set[str] = set()
    at = 0
    for index, packed in enumerate(stats):
        if (  # a directory's (mtime, ctime, inode): not its size
            packed is None
            or packed[:16] != stamps[at : at + 16]
            or packed[24:WIDTH] != stamps[at + 16 : at + 24]
        ):
            return None
        at += 24
        files = packed[WIDTH:]
        now.append(files)
        if files:
            if files == vouched[_span(image, index)]:
                held.append(index)
            else:
                changed.add(image.dirs[index])
    position = {d: i for i, d in enumerate(image.dirs)}
    return Accepted(image, now, held, changed, position)

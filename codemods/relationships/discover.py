"""Which files a run looks at: the paths given, walked for `*.py`, less what is skipped.

Hidden directories, virtualenvs, `site-packages`, `build` and `node_modules` are never walked,
nor are symlinks to directories (no loops, no files from outside the tree).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import NamedTuple, Optional, Protocol

SKIPPED_DIRS = frozenset({"site-packages", "build", "node_modules", "__pycache__"})
TEST_DIRS = frozenset({"tests", "test"})


def _skipped_name(name: str) -> bool:
    """A directory never walked for its name: hidden, or a build or package directory."""
    return name.startswith(".") or name in SKIPPED_DIRS


def _skipped_dir(entry: os.DirEntry[str]) -> bool:
    return _skipped_name(entry.name) or _is_virtualenv(entry.path)


def _is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def walk_entries(directory: str) -> Iterator[tuple[str, bool]]:
    """Every `*.py` file below `directory` and whether it is a symlink (known from the
    directory listing, so it costs no system call)."""
    stack = [directory]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _skipped_dir(entry):
                        stack.append(entry.path)
                elif entry.name.endswith(".py") and entry.is_file():
                    # regular files only: reading a named pipe would block
                    yield entry.path, entry.is_symlink()
            except OSError:
                continue


def relative_key(path: Path, root: Path) -> str:
    """The project's name for a file: its posix path relative to the root, if inside it.

    A symlink is named by its target, so that a file reached twice is one file."""
    if os.path.islink(path):
        try:
            full = os.path.realpath(path)
        except (OSError, RuntimeError):  # a symlink loop
            full = os.path.abspath(path)
        base = _real_root(str(root))
    else:
        full = os.path.abspath(path)
        base = os.path.abspath(root)
    if full.startswith(base + os.sep):
        return full[len(base) + 1 :].replace(os.sep, "/")
    return Path(full).as_posix()


@functools.lru_cache(maxsize=8)
def _real_root(root: str) -> str:
    return os.path.realpath(root)


def is_excluded(relpath: str, patterns: Iterable[str]) -> bool:
    parts = relpath.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            if any(fnmatchcase(p, pattern) for p in prefixes):
                return True
        elif any(fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def project_files(root: Path, listings: Optional[Listings] = None) -> list[str]:
    """Every `*.py` file of the project, relative to the root, with posix separators, sorted.

    With `listings` (the cache's), a directory whose stat is what it was when it was listed is
    not listed again: adding, removing or renaming an entry changes a directory's mtime."""
    if listings is None or os.sep != "/":
        start = len(os.path.join(str(root), ""))
        files = [path[start:] for path, _ in walk_entries(str(root))]
        return sorted(files if os.sep == "/" else [f.replace(os.sep, "/") for f in files])
    return _walk_listed(str(root), listings)


class Walk(list[str]):
    """A walk's files, each once, sorted, with their set; and once asked (`joined`), every path
    with a NUL (which no path holds) after each and one before the first, in any order. A
    commit in a large project makes one while other cores stat the files
    (`FactCache.stat_ahead`), with the paths joined as stored (`joined`), so that it does not
    wait for them."""

    def __init__(
        self,
        files: Iterable[str],
        joined: Optional[str] = None,
        directories: Optional[Sequence[str]] = None,
    ) -> None:
        super().__init__(sorted(files))  # a listing comes sorted: one pass
        self.file_set = frozenset(self)
        if len(self.file_set) != len(self):
            self[:] = sorted(self.file_set)
            joined = None
        self._joined = None if joined is None else f"\0{joined}\0"
        self._directories = directories  # each file's directory among them, if given
        self._directories_joined: Optional[str] = None

    @property
    def joined(self) -> str:
        if self._joined is None:
            self._joined = "\0" + "\0".join(self) + "\0"
        return self._joined

    @property
    def directories_joined(self) -> Optional[str]:
        """The directories the walk was given (a stored walk's, "" the root), joined as
        `joined` is: a search for a directory reads a twentieth of what one for a path does.
        None if not given."""
        if self._directories_joined is None and self._directories is not None:
            self._directories_joined = "\0" + "\0".join(self._directories) + "\0"
        return self._directories_joined


class Listing(NamedTuple):
    """What the walk takes from a directory: its stat, whether it is a virtualenv (skipped),
    the subdirectories to walk and the `*.py` files (names, in listing order)."""

    stamp: tuple[int, int, int]  # mtime, ctime, inode
    skipped: bool
    dirs: tuple[str, ...]
    files: tuple[str, ...]


class Listings(Protocol):
    def listing(self, relpath: str) -> Optional[Listing]: ...

    def listed(self, relpath: str, listing: Listing) -> None: ...

    def walked(self, relpath: str, paths: list[str]) -> None:
        """The project files the walk took from the directory (its listing's, as paths; none
        from a skipped one): told of every directory whose listing it used."""

    def stamp(self, relpath: str) -> Optional[tuple[int, int, int]]:
        """The directory's stamp, if it was stat'ed ahead (else the walk stats it)."""

    def unchanged_walk(self) -> Optional[list[str]]:
        """The files of the whole walk, sorted, if every directory was found as it was when
        they were last walked (else the walk is made)."""


def _walk_listed(root: str, listings: Listings) -> list[str]:
    unchanged = listings.unchanged_walk()
    if unchanged is not None:
        return unchanged  # sorted already
    base = os.path.join(root, "")
    files: list[str] = []
    stack = [""]
    while stack:
        relpath = stack.pop()
        stamp = listings.stamp(relpath)
        if stamp is None:
            try:
                stat = os.stat(base + relpath if relpath else root)
            except OSError:
                continue
            stamp = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        listing = listings.listing(relpath)
        if listing is None or listing.stamp != stamp:
            listing = _listing(base + relpath if relpath else root, stamp, bool(relpath))
            if listing is None:
                continue
            listings.listed(relpath, listing)
        if listing.skipped:
            listings.walked(relpath, [])
            continue
        prefix = f"{relpath}/" if relpath else ""
        paths = [prefix + name for name in listing.files]
        listings.walked(relpath, paths)
        files.extend(paths)
        stack.extend(prefix + name for name in listing.dirs)
    return sorted(files)


def _listing(path: str, stamp: tuple[int, int, int], inner: bool) -> Optional[Listing]:
    """The directory as `walk_entries` sees it (None if it cannot be listed); a listing with a
    symlink in it is marked by a stamp no directory has, so that it is listed every time (what
    a symlink points to can change without the directory changing)."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return None
    dirs, files = [], []
    linked = False
    for entry in entries:
        try:
            linked = linked or entry.is_symlink()
            if entry.is_dir(follow_symlinks=False):
                if not _skipped_name(entry.name):
                    dirs.append(entry.name)
            elif entry.name.endswith(".py") and entry.is_file():
                files.append(entry.name)
        except OSError:
            continue
    if linked:
        stamp = (-1, -1, -1)
    if inner and _is_virtualenv(path):
        return Listing(stamp, True, (), ())
    return Listing(stamp, False, tuple(dirs), tuple(files))


def key_of(path: str, is_link: bool, root: Path) -> str:
    """`relative_key` for an absolute, normalised path (as a walk from one yields), faster."""
    if is_link:
        return relative_key(Path(path), root)
    base = os.path.join(_absolute(str(root)), "")
    if path.startswith(base):
        relative = path[len(base) :]
        return relative if os.sep == "/" else relative.replace(os.sep, "/")
    return Path(path).as_posix()


@functools.lru_cache(maxsize=8)
def _absolute(root: str) -> str:
    return os.path.abspath(root)


def is_test_file(key: str) -> bool:
    """Tests define throwaway models and fixtures that the application never imports."""
    *dirs, name = key.split("/")
    if any(d in TEST_DIRS for d in dirs) or name == "conftest.py":
        return True
    return name.startswith("test_") or name.endswith("_test.py")

"""A persistent cache of what each file contributes, so that a run reads only what changed.

    .fix_relationships_cache/
        CACHEDIR.TAG            backup tools skip the directory
        .gitignore              `*`: git never sees it
        facts-<key>.json        one file per interpreter, tool build and configuration

A file's entry is used when its stat (mtime, ctime, size, inode) is the same and the file had
last changed more than `RACY_NS` before the run that stored it (git's "racy clean" rule); a
younger entry is not used (the file is read again). So an edit within the same timestamp tick
as the read that cached it, with the same size, cannot go unseen.

The cache lives in the project, so a repository could ship one: it is JSON (plain data; never
pickle or marshal, which would let such a file run code or crash the interpreter), checked
against a checksum and the key it was made for, and anything else is ignored, never trusted. It
is replaced atomically (a temporary file, then a rename): runs at once each leave a whole cache
behind. A cache that cannot be read or written changes nothing but speed.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, Optional, Union

from .fileio import replace_file

DIRECTORY = ".fix_relationships_cache"
ENVIRONMENT = "FIX_RELATIONSHIPS_CACHE_DIR"
RACY_NS = 1_000_000_000  # coarser than any file system's timestamps the tool expects
_MAGIC = b"fix-relationships cache 4\n"
_DIGEST = 4  # a CRC-32 of the payload
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by fix-relationships.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


class Stamp(NamedTuple):
    mtime_ns: int
    ctime_ns: int
    size: int
    inode: int


def stamp_of(result: os.stat_result) -> Stamp:
    return Stamp(result.st_mtime_ns, result.st_ctime_ns, result.st_size, result.st_ino)


# relpath -> [stamp, the file's scan as plain data, whether the stamp alone vouches for it], as
# JSON holds it (lists): read as it is, without a conversion per file
Entry = list[Any]


def cache_key(*parts: object) -> str:
    """What a cache is for: the interpreter, the tool's own code and the configuration."""
    package = Path(__file__).resolve().parent
    sources = sorted(
        (str(p.relative_to(package)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in package.rglob("*.py")
    )
    return repr((sys.version, sources, parts))


def _digest(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(_DIGEST, "big")


def content_digest(data: bytes) -> int:
    """A 64-bit checksum of a file's bytes (CRC-32 and Adler-32): tells an edit that kept the
    file's stat from the version a racy entry was made from."""
    return zlib.crc32(data) | zlib.adler32(data) << 32


def tuples(value: Any) -> Any:
    """JSON's lists back into the tuples they were written from, all the way down."""
    if isinstance(value, list):
        return tuple(tuples(v) for v in value)
    return value


class FactCache:
    """The entries of one cache file: looked up by path and stamp, written back once.

    A trusted entry (the file had not changed for `RACY_NS` when it was stored) is used on its
    stamp alone; an untrusted one is not used: the file is read again (and what is stored then
    may be trusted)."""

    def __init__(self, directory: Optional[Path], key: Union[str, Callable[[], str]]) -> None:
        self.directory = directory
        self._key = key
        self.started = time.time_ns()
        self._loaded: Optional[dict[str, Entry]] = None if directory is not None else {}
        self._new: dict[str, Entry] = {}
        self._pending: dict[str, tuple[Stamp, Any]] = {}  # scans made before the load

    @property
    def key(self) -> str:
        """Worked out on first use: a commit that never needs the cache never pays for it."""
        if not isinstance(self._key, str):
            self._key = self._key()
        return self._key

    def use(self) -> dict[str, Entry]:
        """The stored entries, read on first use (a small run may never need them); the scans
        made before are stored with them. A run that builds the project index calls it."""
        if self._loaded is None:
            self._loaded = _load(self.path, self.key)
            pending, self._pending = self._pending, {}
            for relpath, (stamp, scan) in pending.items():
                self.put_scan(relpath, stamp, scan)
        return self._loaded

    @property
    def _old(self) -> dict[str, Entry]:
        return self.use()

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    @property
    def path(self) -> Path:
        assert self.directory is not None
        data = self.key.encode("utf-8", "surrogateescape")
        return self.directory / f"facts-{zlib.crc32(data):08x}{zlib.adler32(data):08x}.json"

    def scan(self, relpath: str, stamp: Stamp) -> Optional[Any]:
        """The stored scan of the file, if its entry is trusted and of exactly this stamp."""
        entry = self._new.get(relpath) or self._old.get(relpath)
        if not isinstance(entry, list) or len(entry) != 3 or entry[2] is not True:
            return None
        return entry[1] if entry[0] == [*stamp] else None

    def note(self, relpath: str, stamp: Stamp, scan: Any) -> None:
        """A scan made without looking in the cache: stored only if the run reads the cache
        after all (a small run that never needs it neither reads nor writes it)."""
        if self._loaded is None:
            self._pending[relpath] = (stamp, scan)
        else:
            self.put_scan(relpath, stamp, scan)

    def put_scan(self, relpath: str, stamp: Stamp, scan: Any) -> None:
        """A file's scan, as read in this run."""
        if not self.enabled:
            return
        entry = [[*stamp], scan, not self.racy(stamp)]
        if self._old.get(relpath) != entry:
            self._new[relpath] = entry

    def racy(self, stamp: Stamp) -> bool:
        """Whether the file changed too close to this run's start for its stat to vouch for
        its content later."""
        limit = self.started - RACY_NS
        return stamp.mtime_ns >= limit or stamp.ctime_ns >= limit

    def save(self, project_files: Optional[frozenset[str]] = None) -> None:
        """Write the entries back if this run added any; with `project_files`, drop the entries
        of files that are gone."""
        if self.directory is None or (self._loaded is None and not self._new):
            return
        kept = self._old
        if project_files is not None:
            kept = {k: v for k, v in kept.items() if k in project_files}
        if not self._new and len(kept) == len(self._old):
            return
        write_checked(self.path, self.key, {**kept, **self._new})


def _load(path: Path, key: str) -> dict[str, Entry]:
    """The stored entries (each checked when it is looked up)."""
    found = read_checked(path, key)
    return found if isinstance(found, dict) else {}


def read_checked(path: Path, key: str) -> Any:
    """What a cache file holds, if it is whole (magic, checksum) and was made for `key`; else
    None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST
    payload = data[head:]
    if data[: len(_MAGIC)] != _MAGIC or _digest(payload) != data[len(_MAGIC) : head]:
        return None
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or document.get("key") != key:
        return None
    return document.get("value")


def write_checked(path: Path, key: str, value: Any) -> None:
    """Replace a cache file atomically (in a tagged, git-ignored directory); a cache that
    cannot be written costs speed only."""
    payload = json.dumps({"key": key, "value": value}, separators=(",", ":")).encode()
    try:
        _prepare(path.parent)
        replace_file(path, _MAGIC + _digest(payload) + payload)
    except OSError:
        pass


def _prepare(directory: Path) -> None:
    """The directory, with its tag and its `.gitignore` (written once)."""
    if (directory / "CACHEDIR.TAG").is_file():
        return
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text("# Created by fix-relationships.\n*\n")
    replace_file(directory / "CACHEDIR.TAG", TAG.encode())


def cache_directory(root: Path, flag: Optional[str], configured: Optional[str], cwd: Path) -> Path:
    """Where the cache goes: `--cache-dir`, else the `cache-dir` setting, else the environment
    variable, else `.fix_relationships_cache` at the project root."""
    if flag:
        return cwd / flag
    if configured:
        return root / configured
    environment = os.environ.get(ENVIRONMENT)
    if environment:
        return cwd / environment
    return root / DIRECTORY

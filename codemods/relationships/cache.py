"""A persistent cache of what each file contributes, so that a run reads only what changed.

    .fix_relationships_cache/
        CACHEDIR.TAG            backup tools skip the directory
        .gitignore              `*`: git never sees it
        facts-<key>.bin         one file per tool version and configuration

A file's entry is used on its stat (mtime, ctime, size, inode) alone only when the file had last
changed more than `RACY_NS` before the run that stored it (git's "racy clean" rule); a younger
entry is used only after the file's bytes are read again and have the same digest. So an edit
within the same timestamp tick as the read that cached it, with the same size, cannot go
unseen. Entries hold plain data (the facts as tuples, pickled
module summaries as bytes); the whole file carries a checksum and the key it was made for, so a truncated or damaged cache is
ignored, never trusted. It is replaced atomically (a temporary file, then a rename): runs at
once each leave a whole cache behind. A cache that cannot be read or written changes nothing
but speed.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Any, NamedTuple, Optional

DIRECTORY = ".fix_relationships_cache"
ENVIRONMENT = "FIX_RELATIONSHIPS_CACHE_DIR"
RACY_NS = 1_000_000_000  # coarser than any file system's timestamps the tool expects
_MAGIC = b"FRCACHE3"
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


# relpath -> (stamp, the file's scan as plain data, its module summary pickled or None, the
# digest of its bytes, whether the stamp alone vouches for them)
Entry = tuple[tuple[int, int, int, int], Any, Optional[bytes], int, bool]


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


class FactCache:
    """The entries of one cache file: looked up by path and stamp, written back once.

    An entry is (stamp, scan, summary, content digest, trusted). A trusted entry (the file had
    not changed for `RACY_NS` when it was stored) is used on its stamp alone; an untrusted one
    only once this run has read the file again and found the same digest."""

    def __init__(self, directory: Optional[Path], key: str) -> None:
        self.directory = directory
        self.key = key
        self.started = time.time_ns()
        self._loaded: Optional[dict[str, Entry]] = None if directory is not None else {}
        self._new: dict[str, Entry] = {}
        self._pending: dict[str, tuple[Stamp, Any, int]] = {}  # scans made before the load
        self.stamps: dict[str, Stamp] = {}  # of the files read in this run

    @property
    def _old(self) -> dict[str, Entry]:
        """The stored entries, read on first use (a small run may never need them)."""
        if self._loaded is None:
            self._loaded = _load(self.path, self.key)
            pending, self._pending = self._pending, {}
            for relpath, (stamp, scan, digest) in pending.items():
                self.put_scan(relpath, stamp, scan, digest)
        return self._loaded

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    @property
    def path(self) -> Path:
        assert self.directory is not None
        data = self.key.encode("utf-8", "surrogateescape")
        return self.directory / f"facts-{zlib.crc32(data):08x}{zlib.adler32(data):08x}.bin"

    def _entry(self, relpath: str) -> Optional[Entry]:
        return self._new.get(relpath) or self._old.get(relpath)

    def scan(self, relpath: str, stamp: Stamp) -> Optional[Any]:
        """The stored scan of the file, if its entry is trusted and of exactly this stamp."""
        entry = self._entry(relpath)
        if entry is None or entry[0] != stamp or not entry[4]:
            return None
        self.stamps[relpath] = stamp
        return entry[1]

    def info(self, relpath: str) -> Optional[bytes]:
        """The stored summary of a file this run has scanned (or found scanned), if it is of
        the version the run read."""
        stamp = self.stamps.get(relpath)
        entry = self._entry(relpath)
        if stamp is None or entry is None or entry[0] != stamp:
            return None
        return entry[2]

    def note(self, relpath: str, stamp: Stamp, scan: Any, digest: int) -> None:
        """A scan made without looking in the cache: stored only if the run reads the cache
        after all (a small run that never needs it neither reads nor writes it)."""
        self.stamps[relpath] = stamp
        if self._loaded is None:
            self._pending[relpath] = (stamp, scan, digest)
        else:
            self.put_scan(relpath, stamp, scan, digest)

    def put_scan(self, relpath: str, stamp: Stamp, scan: Any, digest: int) -> None:
        """A file's scan, as read in this run; the stored summary stays if the bytes did."""
        self.stamps[relpath] = stamp
        old = self._entry(relpath)
        info = old[2] if old is not None and old[3] == digest and old[1] == scan else None
        self._put(relpath, stamp, scan, info, digest)

    def put_info(self, relpath: str, info: bytes) -> None:
        """The module summary of a file whose scan this run stored or used."""
        stamp = self.stamps.get(relpath)
        entry = self._entry(relpath)
        if stamp is not None and entry is not None and entry[0] == stamp:
            self._put(relpath, stamp, entry[1], info, entry[3])

    def _put(
        self, relpath: str, stamp: Stamp, scan: Any, info: Optional[bytes], digest: int
    ) -> None:
        if not self.enabled:
            return
        entry = ((stamp[0], stamp[1], stamp[2], stamp[3]), scan, info, digest, not self.racy(stamp))
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
        entries = {**kept, **self._new}
        write_checked(self.path, marshal.dumps((self.key, entries)))


def _load(path: Path, key: str) -> dict[str, Entry]:
    payload = read_checked(path)
    if payload is None:
        return {}
    try:
        stored_key, entries = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    if stored_key != key or not isinstance(entries, dict):
        return {}
    return entries


def read_checked(path: Path) -> Optional[bytes]:
    """The payload of a cache file, if the file is whole (magic and checksum)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST
    payload = data[head:]
    if data[: len(_MAGIC)] != _MAGIC or _digest(payload) != data[len(_MAGIC) : head]:
        return None
    return payload


def write_checked(path: Path, payload: bytes) -> None:
    """Replace a cache file atomically (in a tagged, git-ignored directory); a cache that
    cannot be written costs speed only."""
    try:
        _prepare(path.parent)
        _write_atomic(path, _MAGIC + _digest(payload) + payload)
    except OSError:
        pass


def _prepare(directory: Path) -> None:
    """The directory, with its tag and its `.gitignore` (written once)."""
    if (directory / "CACHEDIR.TAG").is_file():
        return
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text("# Created by fix-relationships.\n*\n")
    _write_atomic(directory / "CACHEDIR.TAG", TAG.encode())


def _write_atomic(path: Path, data: bytes) -> None:
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


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

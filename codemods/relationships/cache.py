"""A persistent cache of what each file contributes, so that a run reads only what changed.

    .fix_relationships_cache/
        CACHEDIR.TAG            backup tools skip the directory
        .gitignore              `*`: git never sees it
        facts-<key>.sqlite3     one database per interpreter, tool build and configuration
        report-<key>-<shape>.json   a sweep's report, for the next sweep alike (replay.py)

Each file's entry holds its stat (mtime, ctime, size, inode) and its scan; the facts the project
index looks up by name (classes, imperative mappings, tables, imported modules, words) are rows
of their own, so that a commit in a large project asks for the few names it needs instead of
loading every file's facts. An entry is used when the file's stat is the same and the file had
last changed more than `RACY_NS` before the run that stored it (git's "racy clean" rule); a
younger entry is not used (the file is read again). So an edit within the same timestamp tick
as the read that cached it, with the same size, cannot go unseen.

Each directory's entry holds its listing (subdirectories to walk, `*.py` files), used while the
directory's own stat holds (the same rule), and, once every one of its files had a trusted
entry, those files' stamps packed together: a commit then stats every file but reads no entry
of a directory whose files all still have them. The `tree` rows hold all of the directories'
rows at once (tree.py): a commit that finds every directory's stat as they hold it takes its walk
from them, in one read.

The cache lives in the project, so a repository could ship one. SQLite reads it (plain data:
never pickle or marshal, which would let such a file run code); it is used only if its schema is
exactly this tool's, its size is the one its header gives (a truncated or padded file is not
read) and it was made for this key; anything else is replaced. Every write is one transaction,
and a run reads the database inside one transaction too, so runs at once each see a whole cache.
A cache that cannot be read or written changes nothing but speed.
"""

from __future__ import annotations

import array
import os
import sys
import time
import zlib
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Union

from . import tree
from .discover import Listing, Walk
from .fileio import replace_file
from .stamps import FIELDS, packed_stamps, stamp_groups

if TYPE_CHECKING:
    import sqlite3

DIRECTORY = ".fix_relationships_cache"
ENVIRONMENT = "FIX_RELATIONSHIPS_CACHE_DIR"
RACY_NS = 1_000_000_000  # coarser than any file system's timestamps the tool expects
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by fix-relationships.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
# Fewer files than this are looked up one by one; from this many on, by directory, and the rest
# by reading every entry at once.
_FEW_ENTRIES = 512
_MAPPED = 1 << 40  # bytes of the database SQLite may map (`_mapped`): all of it


# The facts looked up by name, one kind per number; `flag`: a class statement is indented, or
# how many times the file names the table.
CLASS, IMPERATIVE, TABLE, IMPORT, WORD = range(5)


class Stamp(NamedTuple):
    mtime_ns: int
    ctime_ns: int
    size: int
    inode: int


def stamp_of(result: os.stat_result) -> Stamp:
    return Stamp(result.st_mtime_ns, result.st_ctime_ns, result.st_size, result.st_ino)


def cache_key(*parts: object) -> str:
    """What a cache is for: the interpreter, the tool's own code and the configuration."""
    package = Path(__file__).resolve().parent
    sources = sorted(
        (str(p.relative_to(package)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in package.rglob("*.py")
    )
    return repr((sys.version, sources, parts))


def content_digest(data: bytes) -> int:
    """A 64-bit checksum of a file's bytes (CRC-32 and Adler-32): tells an edit that kept the
    file's stat from the version a racy entry was made from."""
    return zlib.crc32(data) | zlib.adler32(data) << 32


class FactCache:
    """One cache database: entries looked up by path and stamp, facts by name; written once.

    A trusted entry (the file had not changed for `RACY_NS` when it was stored) is used on its
    stamp alone; an untrusted one is not used: the file is read again (and what is stored then
    may be trusted)."""

    def __init__(self, directory: Optional[Path], key: Union[str, Callable[[], str]]) -> None:
        self.directory = directory
        self._key = key
        self.started = time.time_ns()
        self._db: Optional[sqlite3.Connection] = None
        self._opened = directory is None
        self._replace = False  # the file is not a cache of this tool: write a new one
        self._new: dict[str, tuple[Stamp, Any]] = {}
        self._pending: dict[str, tuple[Stamp, Any]] = {}  # scans made before the cache was read
        self._preloaded: Optional[dict[str, tuple[Stamp, str]]] = None
        self._paths: Optional[set[str]] = None  # every file with an entry, once read
        self._listings: Optional[dict[str, Listing]] = None  # the directories', once read
        self._listed: dict[str, Listing] = {}  # listed in this run
        self._visited: set[str] = set()
        self._walked: dict[str, list[str]] = {}  # the walk's paths of each directory's files
        self._dirs: set[str] = set()  # every directory with a listing, once read
        self._vouched: dict[str, bytes] = {}  # the stored `vouched` of each directory
        # each directory's files' stamps now, packed (with the stored walk: `_accepted.now`)
        self._now: dict[str, bytes] = {}
        self._found: set[str] = set()  # files this run found their trusted entries for
        # and, from the stored walk (`unvouched`), all of these files but those
        self._found_but: Optional[tuple[frozenset[str], set[str]]] = None
        # stat'ed ahead (`stat_ahead`): directories' stamps, and their files' names and stamps
        self._ahead_dirs: dict[str, tuple[int, int, int]] = {}
        self._ahead_files: dict[str, tuple[tuple[str, ...], bytes]] = {}
        self._stamps: dict[str, Stamp] = {}  # and their stamps, where looked up one by one
        self._imaged: Optional[bool] = None  # whether the cache holds a stored walk, once asked
        self._accepted: Optional[tree.Accepted] = None  # the stored walk, if it holds
        self._walk = Walk(())  # its files

    @property
    def key(self) -> str:
        """Worked out on first use: a commit that never needs the cache never pays for it."""
        if not isinstance(self._key, str):
            self._key = self._key()
        return self._key

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    @property
    def path(self) -> Path:
        return self.named("facts-", ".sqlite3")

    def named(self, prefix: str, suffix: str) -> Path:
        """A file of the cache directory for this key."""
        assert self.directory is not None
        data = self.key.encode("utf-8", "surrogateescape")
        return self.directory / f"{prefix}{zlib.crc32(data):08x}{zlib.adler32(data):08x}{suffix}"

    # -- reading ---------------------------------------------------------------------------
    def use(self) -> None:
        """Open the database (a small run may never need it); the scans made before are
        stored with this run's. A run that builds the project index calls it."""
        if not self._opened:
            self._opened = True
            from .cache_db import open_checked

            self._db, self._replace = open_checked(self.path, self.key)
            pending, self._pending = self._pending, {}
            for relpath, (stamp, scan) in pending.items():
                self.put_scan(relpath, stamp, scan)

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> Optional[list[Any]]:
        """The rows, or None if there is no database or it failed under the run."""
        import sqlite3

        if self._db is None:
            return None
        try:
            return self._db.execute(sql, parameters).fetchall()
        except (sqlite3.Error, UnicodeError):  # damaged inside: a new cache replaces it
            self._replace = True
            self.close()
            return None

    def _mapped(self, sql: str) -> Optional[list[Any]]:
        """`_query`, with SQLite reading the database through a memory map: a record of
        megabytes (the stored walk of a large project) then costs no read call per page
        (2-3 ms of a commit in a project of 50,000 files). The map lasts the query only: a
        sweep that reads every entry keeps reading them as before. (The run's read transaction
        keeps every writer from changing the file while it is mapped.)"""
        self._map(_MAPPED)
        try:
            return self._query(sql)
        finally:
            self._map(0)

    def _map(self, size: int) -> None:
        import sqlite3

        try:
            if self._db is not None:
                self._db.execute(f"PRAGMA mmap_size = {size}")
        except sqlite3.Error:
            pass  # read as without it

    def preload(self) -> None:
        """Read every trusted entry at once: for a run that looks up most files."""
        self.use()
        if self._preloaded is None:
            rows = self._query(
                "SELECT path, mtime, ctime, size, inode, scan FROM files WHERE trusted = 1"
            )
            self._preloaded = {r[0]: (Stamp(*r[1:5]), r[5]) for r in rows or ()}

    def scan(self, relpath: str, stamp: Stamp) -> Optional[Any]:
        """The stored scan of the file, if its entry is trusted and of exactly this stamp."""
        if relpath in self._new:
            new_stamp, scan = self._new[relpath]
            return scan if new_stamp == stamp and not self.racy(stamp) else None
        self.use()
        if self._preloaded is not None:
            found = self._preloaded.get(relpath)
        else:
            rows = self._query(
                "SELECT mtime, ctime, size, inode, scan FROM files WHERE path = ? AND trusted = 1",
                (relpath,),
            )
            found = (Stamp(*rows[0][:4]), rows[0][4]) if rows else None
        if found is None or found[0] != stamp:
            return None
        self._found.add(relpath)
        self._stamps[relpath] = stamp
        return decoded(found[1])

    def unvouched(
        self, files: frozenset[str], read: Collection[str], base: str
    ) -> Optional[set[str]]:
        """Which of the files (paths relative to `base`, a directory and its separator) not
        among those `read` lack a trusted entry of exactly their stat now (None if the cache
        cannot tell). A commit in a large project, where the stored walk holds and these are
        a few, never builds the set of the others."""
        self.use()
        few = self._few_unvouched(files, read, base)
        if few is not None:
            return few
        wanted = files.difference(read)
        found = self.unchanged(wanted, base)
        return None if found is None else set(wanted.difference(found))

    def _few_unvouched(
        self, files: frozenset[str], read: Collection[str], base: str
    ) -> Optional[set[str]]:
        """`unvouched`, from the stored walk (None if it cannot tell): when `files` are its
        files, those of a directory whose files all have the stamps it vouches for are found
        as `unchanged` finds them, unless one of them is read or stored by this run; the
        others are looked up one by one."""
        accepted = self._accepted
        if accepted is None or self._preloaded is not None or self._found_but is not None:
            return None
        image = accepted.image
        if files is not self._walk.file_set and (
            len(files) != len(image.files) or not files.issuperset(image.files)
        ):
            return None
        excluded = {p for p in (*read, *self._new) if p in files}
        if len(files) - len(excluded) < _FEW_ENTRIES:
            return None  # as `unchanged` does it: one by one
        position, starts = accepted.position, image.starts
        apart = {position[d] for d in accepted.changed}
        apart.update(position[p.rpartition("/")[0]] for p in excluded)
        rest = [
            path
            for index in sorted(apart)
            for path in image.files[starts[index] : starts[index + 1]]
            if path not in excluded
        ]
        if len(rest) >= _FEW_ENTRIES:
            return None
        missed = {p for p in rest if not self._has(p, base)}
        self._found_but = (files, excluded | missed)
        return missed.union(p for p in self._new if p in files and p not in read)

    def unchanged(self, files: Iterable[str], base: str) -> Optional[set[str]]:
        """Which of the files (paths relative to `base`, a directory and its separator) have a
        trusted entry of exactly their stat now (None if the cache cannot tell)."""
        self.use()
        wanted = set(files) - self._new.keys()
        # a sweep has read every entry already: only a run that reads few looks by directory
        found = self._by_directory(wanted, base) if len(wanted) >= _FEW_ENTRIES else set()
        rest = wanted - found
        if len(rest) < _FEW_ENTRIES and self._preloaded is None:
            found.update(p for p in rest if self._has(p, base))
            self._found |= found
            return found
        rows = self._query("SELECT path, mtime, ctime, size, inode, trusted FROM files")
        if rows is None:
            return None
        self._paths = {row[0] for row in rows}
        for path, mtime, ctime, size, inode, trusted in rows:
            if trusted != 1 or path not in rest:
                continue
            try:
                now = stamp_of(os.stat(base + path))
            except OSError:
                continue
            if now == (mtime, ctime, size, inode):
                found.add(path)
        self._found |= found
        return found

    def _by_directory(self, wanted: set[str], base: str) -> set[str]:
        """The files of the directories this run walked whose files all have the stamps the
        directory's `vouched` holds (each file stat'ed; no entry read)."""
        if self._accepted is not None:
            return self._accepted.held_paths(wanted)
        found: set[str] = set()
        stored = self._listings or {}
        for directory in self._visited:
            listing = self._listed.get(directory) or stored.get(directory)
            if listing is None or listing.skipped or not listing.files:
                continue
            ahead = self._ahead_files.get(directory)
            if ahead is not None and ahead[0] == listing.files:
                packed: Optional[bytes] = ahead[1]
            else:
                where = f"{base}{directory}/" if directory else base
                (packed,) = packed_stamps([(where, listing.files)], parallel=False)
            if packed is None:
                continue
            self._now[directory] = packed
            if self._vouched.get(directory) == packed:
                paths = self._walked.get(directory)
                if paths is None:
                    prefix = f"{directory}/" if directory else ""
                    paths = [prefix + name for name in listing.files]
                if wanted.issuperset(paths):
                    found.update(paths)
        return found

    def _has(self, relpath: str, base: str) -> bool:
        try:
            stamp = stamp_of(os.stat(base + relpath))
        except OSError:
            return False
        rows = self._query(
            "SELECT 1 FROM files WHERE path = ? AND mtime = ? AND ctime = ? AND size = ? "
            "AND inode = ? AND trusted = 1",
            (relpath, *stamp),
        )
        return bool(rows) and relpath not in self._new

    def stored_scan(self, relpath: str) -> Optional[Any]:
        """The scan of a file `unchanged` vouched for (None if the cache failed)."""
        rows = self._query("SELECT scan FROM files WHERE path = ?", (relpath,))
        return decoded(rows[0][0]) if rows else None

    def lookup(self, kind: int, name: str) -> Optional[list[tuple[str, int]]]:
        """(path, flag) of every stored file with the fact (None if the cache failed)."""
        return self._query(
            "SELECT path, flag FROM facts JOIN files ON files.id = facts.file "
            "WHERE kind = ? AND name = ?",
            (kind, name),
        )

    def names(self, kind: int) -> Optional[list[tuple[str, str]]]:
        """(name, path) of every stored fact of a kind (None if the cache failed)."""
        return self._query(
            "SELECT name, path FROM facts JOIN files ON files.id = facts.file WHERE kind = ?",
            (kind,),
        )

    def listing(self, relpath: str) -> Optional[Listing]:
        """The directory's stored listing, if trusted (`discover.Listings`)."""
        self._visited.add(relpath)
        if self._listings is None:
            self.use()
            rows = self._query("SELECT * FROM dirs")
            self._listings = {
                path: Listing(
                    (mtime, ctime, inode), skipped == 1, split_names(dirs), split_names(files)
                )
                for path, mtime, ctime, inode, trusted, skipped, dirs, files, _ in rows or ()
                if trusted == 1
            }
            self._dirs = {row[0] for row in rows or ()}
            self._vouched = {row[0]: row[8] for row in rows or () if isinstance(row[8], bytes)}
        return self._listings.get(relpath)

    def stat_ahead(self, base: str, meanwhile: Callable[[], object] = tuple) -> None:
        """Stat, on every core, each directory with a stored listing (`base`: the root, with its
        separator) and each of its files: the walk (`stamp`) and `unchanged` then take these
        stamps instead of stat'ing one by one. (A directory gone costs a stat that fails; one
        with no listing is stat'ed by the walk.) If the directories are all as the stored walk
        holds them, the walk is that one (`unchanged_walk`). `meanwhile` is called while the
        other cores stat (`packed_stamps`)."""
        self.use()
        image = tree.decoded(self._mapped("SELECT part, data FROM tree") or ())
        self._imaged = False  # none to take: this run's walk stores one (one taken is never asked)
        if image is None:
            self.listing("")
            listings = list((self._listings or {}).items())
            listed = [
                (f"{base}{relpath}/" if relpath else base, ("", *listing.files))
                for relpath, listing in listings
            ]
            for (relpath, listing), packed in zip(
                listings, packed_stamps(listed, meanwhile=meanwhile)
            ):
                self._ahead(relpath, listing.files, packed)
            return

        def sorting() -> None:
            meanwhile()
            self._walk = Walk(image.files, image.joined, image.dirs)  # ready if the image holds

        groups = tree.Groups(image, base)
        stamped = stamp_groups(groups, meanwhile=sorting, sizes=groups.sizes)
        self._accepted = tree.accepted(image, groups, stamped)
        if self._accepted is not None:
            return
        self.listing("")
        for index, relpath in enumerate(image.dirs):  # they serve the walk
            chunk, at = divmod(index, tree.DIRECTORIES)
            directory = stamped.group(chunk)
            if directory is None:  # a directory of its group is gone: this one is stat'ed alone
                (own,) = packed_stamps([(base, [tree.stat_name(relpath)])], parallel=False)
            else:
                own = directory[tree.WIDTH * at : tree.WIDTH * (at + 1)]
            files = stamped.group(groups.chunks + index)
            if own is not None and files is not None:
                self._ahead(relpath, tree.names(image, index), own + files)

    def _ahead(self, relpath: str, names: tuple[str, ...], packed: Optional[bytes]) -> None:
        """The stat of the directory and of its files (`names`), as `stamp` and `unchanged`
        take them."""
        if packed is not None:
            mtime, ctime, _, inode = array.array("q", packed[: 8 * FIELDS])
            self._ahead_dirs[relpath] = (mtime, ctime, inode)
            self._ahead_files[relpath] = (names, packed[8 * FIELDS :])

    def unchanged_walk(self) -> Optional[Walk]:
        """The walk's files, if `stat_ahead` found every directory as the stored walk holds it."""
        return None if self._accepted is None else self._walk

    def walked(self, relpath: str, paths: list[str]) -> None:
        """The walk's paths of the directory's files: `unchanged` hands the same strings on
        (a commit in a large project then hashes and compares each path once, not again)."""
        if self.enabled:
            self._walked[relpath] = paths

    def stamp(self, relpath: str) -> Optional[tuple[int, int, int]]:
        """The directory's stamp as `stat_ahead` found it (`discover.Listings`), if it did."""
        return self._ahead_dirs.get(relpath)

    def listed(self, relpath: str, listing: Listing) -> None:
        """A directory listed in this run."""
        if self.enabled:
            self._listed[relpath] = listing

    # -- writing ---------------------------------------------------------------------------
    def note(self, relpath: str, stamp: Stamp, scan: Any) -> None:
        """A scan made without looking in the cache: stored only if the run reads the cache
        after all (a small run that never needs it neither reads nor writes it)."""
        if not self._opened:
            self._pending[relpath] = (stamp, scan)
        else:
            self.put_scan(relpath, stamp, scan)

    def put_scan(self, relpath: str, stamp: Stamp, scan: Any) -> None:
        """A file's scan, as read in this run."""
        if self.enabled:
            self._new[relpath] = (stamp, scan)

    def racy(self, stamp: Stamp) -> bool:
        """Whether the file changed too close to this run's start for its stat to vouch for
        its content later."""
        limit = self.started - RACY_NS
        return stamp.mtime_ns >= limit or stamp.ctime_ns >= limit

    def save(self, project_files: Optional[frozenset[str]] = None) -> None:
        """Write this run's scans (one transaction); with `project_files`, drop the entries of
        files that are gone."""
        gone_dirs = self._dirs - self._visited if self._visited else set()
        gone: set[str] = set()
        if project_files is not None and self._db is not None:
            if self._paths is None and (self._visited or self._accepted is not None):
                # what left the listings: cheaper than reading every entry's path (an entry
                # this misses is never used: only files of the project are looked up)
                self._paths = self._unlisted(gone_dirs)
            elif self._paths is None:
                self._paths = {p for (p,) in self._query("SELECT path FROM files") or ()}
            gone = self._paths - project_files
        vouching = self._vouching()
        image = self._image_rows(vouching, gone_dirs)
        self.close()
        if self.directory is None or not (
            self._new or gone or self._listed or gone_dirs or vouching or image is not None
        ):
            return
        import sqlite3

        from .cache_db import writable, write_entries, write_image, write_listings

        try:
            prepare(self.path.parent)
            db = writable(self.path, self.key, self._replace)
        except (OSError, sqlite3.Error):
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            write_entries(db, self._new, gone, self.racy)
            write_listings(db, self._listed, gone_dirs, self.racy)
            db.executemany("UPDATE dirs SET vouched = ? WHERE path = ?", vouching)
            if image is not None:
                write_image(db, image)
            db.execute("COMMIT")
        except (sqlite3.Error, UnicodeError):
            pass  # locked past the wait, or the disk is full: the cache costs speed only
        finally:
            db.close()

    def _image_rows(
        self, vouching: list[tuple[Optional[bytes], str]], gone_dirs: set[str]
    ) -> Optional[list[tuple[str, object]]]:
        """The stored walk's rows as this run leaves the listings ([]: it has none), or None
        if it holds as it is: written with them, it always says what they say."""
        changed = bool(self._listed or gone_dirs or vouching)
        accepted = self._accepted
        if accepted is not None and not (self._listed or gone_dirs):
            if not vouching:
                return None
            if any(d not in accepted.position for _, d in vouching):
                return []
            return [("vouched", accepted.patched(vouching))]
        if "" not in self._walked:  # the directories were not walked from the listings
            return [] if changed else None
        if not changed and self._has_image():
            return None
        return self._whole_image(vouching)

    def _has_image(self) -> bool:
        if self._imaged is None:
            self._imaged = bool(self._query("SELECT 1 FROM tree LIMIT 1"))
        return self._imaged

    def _whole_image(self, vouching: list[tuple[Optional[bytes], str]]) -> list[tuple[str, object]]:
        """The image of every directory this run walked ([] if one could not be listed or its
        listing is not trusted)."""
        from .cache_db import listing_row

        if self._visited != self._walked.keys():
            return []
        vouched: dict[str, Optional[bytes]] = dict(self._vouched)
        vouched.update((d, v) for v, d in vouching)
        listings: dict[str, tuple[tuple[int, int, int], tuple[str, ...]]] = {}
        for directory in self._walked:
            listing = self._listed.get(directory)
            if listing is not None:
                row = listing_row(directory, listing, self.racy)
                if row is None or not row[4]:
                    return []
            else:
                listing = (self._listings or {}).get(directory)
                if listing is None:
                    return []
            listings[directory] = (listing.stamp, listing.files)
        return tree.encoded(listings, vouched)

    def _unlisted(self, gone_dirs: set[str]) -> set[str]:
        """The files of the stored listings that directories listed again, or gone, lost."""
        lost: set[str] = set()
        for directory in {*gone_dirs, *self._listed}:
            before = (self._listings or {}).get(directory)
            if before is not None:
                now = self._listed.get(directory)
                kept = set(now.files) if now is not None and not now.skipped else set()
                prefix = f"{directory}/" if directory else ""
                lost.update(prefix + name for name in before.files if name not in kept)
        return lost

    def _vouching(self) -> list[tuple[Optional[bytes], str]]:
        """(vouched, directory) for the directories whose `vouched` this run changes: the
        stamps of their files now if every one has a trusted entry of that stamp (found in
        the cache, or stored by this run), else none."""
        touched = {p.rpartition("/")[0] for p in self._new} | set(self._listed)
        # a run that took the stored walk saw which directories' files changed
        considered = self._visited if self._accepted is None else self._accepted.changed
        changed = []
        for directory in considered | touched:
            names = self._names(directory)
            now = self._now.get if self._accepted is None else self._accepted.now
            packed = now(directory) or self._packed(directory, names)
            before = self._vouched_of(directory)
            if directory not in touched and packed == before:
                continue  # it holds as it is
            vouched = None
            if names is not None and packed is not None:
                prefix = f"{directory}/" if directory else ""
                stamps = array.array("q", packed)
                if all(
                    self._trusted(prefix + name, tuple(stamps[4 * i : 4 * i + 4]))
                    for i, name in enumerate(names)
                ):
                    vouched = packed
            if vouched != before or directory in self._listed:
                changed.append((vouched, directory))
        return changed

    def _names(self, directory: str) -> Optional[tuple[str, ...]]:
        """The directory's files as this run found them (None if it did not walk it)."""
        listing = self._listed.get(directory) or (self._listings or {}).get(directory)
        if listing is not None:
            return listing.files
        return None if self._accepted is None else self._accepted.names(directory)

    def _vouched_of(self, directory: str) -> Optional[bytes]:
        if self._accepted is not None:
            return self._accepted.vouched(directory)
        return self._vouched.get(directory)

    def _packed(self, directory: str, names: Optional[tuple[str, ...]]) -> Optional[bytes]:
        """The stamps of the directory's files as this run saw them one by one (a sweep looks
        up every entry), packed; None unless it saw them all."""
        if not names:
            return None
        prefix = f"{directory}/" if directory else ""
        stamps = array.array("q")
        for name in names:
            relpath = prefix + name
            stamp = self._new[relpath][0] if relpath in self._new else self._stamps.get(relpath)
            if stamp is None:
                return None
            try:
                stamps.extend(stamp)
            except OverflowError:
                return None
        return stamps.tobytes()

    def _trusted(self, relpath: str, stamp: tuple[int, ...]) -> bool:
        """Whether the file's entry, after this run, is trusted and of this stamp."""
        if relpath in self._new:
            new = self._new[relpath][0]
            return new == stamp and not self.racy(new)
        if relpath in self._found:
            return True
        found_but = self._found_but
        return found_but is not None and relpath in found_but[0] and relpath not in found_but[1]

    def close(self) -> None:
        """Let go of the database (and of the read transaction a run holds on it)."""
        if self._db is not None:
            self._db.close()
            self._db = None


def split_names(joined: Any) -> tuple[str, ...]:
    return tuple(joined.split("\0")) if isinstance(joined, str) and joined else ()


def decoded(text: Any) -> Optional[Any]:
    import json  # here: a commit with nothing to do never reads an entry

    try:
        return json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return None


def prepare(directory: Path) -> None:
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

"""The cache's SQLite file: its schema, opening it only if it is this tool's, and writing a
run's entries into it (see cache.py for what they mean)."""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Optional

from .cache import CLASS, IMPERATIVE, IMPORT, TABLE, WORD, Stamp
from .discover import Listing

WAIT_SECONDS = 5.0  # for another run's write to end; past it, this run neither reads nor writes

_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
    "CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, mtime INTEGER, "
    "ctime INTEGER, size INTEGER, inode INTEGER, trusted INTEGER, scan TEXT)",
    "CREATE TABLE facts (file INTEGER, kind INTEGER, name TEXT, flag INTEGER, "
    "PRIMARY KEY (file, kind, name)) WITHOUT ROWID",
    "CREATE INDEX facts_by_name ON facts (kind, name)",
    # `vouched`: the stamps of the directory's files, packed, when every one had a trusted entry
    # of that stamp: a directory whose files all still have them needs no entry read
    "CREATE TABLE dirs (path TEXT PRIMARY KEY, mtime INTEGER, ctime INTEGER, inode INTEGER, "
    "trusted INTEGER, skipped INTEGER, dirs TEXT, files TEXT, vouched BLOB) WITHOUT ROWID",
    # every directory's row put together, for a commit to check in one read (tree.py)
    "CREATE TABLE tree (part TEXT PRIMARY KEY, data BLOB)",
)


def fact_rows(scan: Any) -> Iterator[tuple[int, str, int]]:
    """The looked-up facts of a scan record (`FileScan.record()`), as (kind, name, flag)."""
    stored = scan[4] if isinstance(scan, list) and len(scan) == 5 else None
    if not isinstance(stored, list) or len(stored) != 5:
        return
    classes, imperative, tables, imports, words = stored
    for name, indented in classes:
        yield CLASS, name, int(bool(indented))
    for kind, names in ((IMPERATIVE, imperative), (IMPORT, imports), (WORD, words)):
        for name in dict.fromkeys(names):
            yield kind, name, 0
    counts: dict[str, int] = {}
    for table in tables:
        counts[table] = counts.get(table, 0) + 1
    for table, count in counts.items():
        yield TABLE, table, count


def open_checked(path: Path, key: str) -> tuple[Optional[sqlite3.Connection], bool]:
    """The database inside a read transaction that lasts the run, if it is this tool's and
    made for `key`; else None, and whether a file is in the way (to be replaced)."""
    if not path.is_file():
        return None, path.exists() or path.is_symlink()
    uri = f"{Path(os.path.abspath(path)).as_uri()}?mode=rw"
    try:
        db = sqlite3.connect(uri, uri=True, timeout=WAIT_SECONDS, isolation_level=None)
    except sqlite3.Error:
        return None, True
    try:
        db.execute("BEGIN")
        if _is_ours(db, path, key):
            return db, False
        replace = True
    except sqlite3.Error as exc:
        # locked past the wait: another run is writing it; else, it is no database
        replace = "locked" not in str(exc)
    db.close()
    return None, replace


def _is_ours(db: sqlite3.Connection, path: Path, key: str) -> bool:
    if _schema_of(db) != _schema():
        return False
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    (size,) = db.execute("PRAGMA page_size").fetchone()
    if pages * size != path.stat().st_size:  # truncated, or something appended
        return False
    found = db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
    return bool(found == (key,))


def writable(path: Path, key: str, replace: bool) -> sqlite3.Connection:
    """The database to write to, created (or first removed, if `replace`) as needed."""
    if replace:
        path.unlink()
    db = sqlite3.connect(str(path), timeout=WAIT_SECONDS, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        if not db.execute("SELECT 1 FROM sqlite_master").fetchone():
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
        db.execute("COMMIT")
    except sqlite3.Error:
        db.close()
        raise
    return db


def write_entries(
    db: sqlite3.Connection,
    new: dict[str, tuple[Stamp, Any]],
    gone: Iterable[str],
    racy: Callable[[Stamp], bool],
) -> None:
    paths = [(p,) for p in (*new, *gone)]
    db.executemany("DELETE FROM facts WHERE file = (SELECT id FROM files WHERE path = ?)", paths)
    db.executemany("DELETE FROM files WHERE path = ?", paths)
    (last,) = db.execute("SELECT coalesce(max(id), 0) FROM files").fetchone()
    files: list[tuple[Any, ...]] = []
    facts: list[tuple[int, int, str, int]] = []
    for file, (path, (stamp, scan)) in enumerate(new.items(), start=last + 1):
        text = json.dumps(scan, separators=(",", ":"))
        if _encodable(path, text):
            files.append((file, path, *stamp, int(not racy(stamp)), text))
            facts.extend((file, kind, name, flag) for kind, name, flag in fact_rows(scan))
    db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", files)
    db.executemany("INSERT OR IGNORE INTO facts VALUES (?, ?, ?, ?)", facts)


def write_listings(
    db: sqlite3.Connection,
    listed: dict[str, Listing],
    gone: Iterable[str],
    racy: Callable[[Stamp], bool],
) -> None:
    db.executemany("DELETE FROM dirs WHERE path = ?", [(p,) for p in (*listed, *gone)])
    rows = [listing_row(path, listing, racy) for path, listing in listed.items()]
    db.executemany("INSERT INTO dirs VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)", [r for r in rows if r])


def listing_row(
    path: str, listing: Listing, racy: Callable[[Stamp], bool]
) -> Optional[tuple[Any, ...]]:
    """The directory's row as written (its 5th field: whether it is trusted), or None if it
    cannot be stored."""
    mtime, ctime, inode = listing.stamp
    trusted = mtime >= 0 and not racy(Stamp(mtime, ctime, 0, inode))
    names = ["\0".join(listing.dirs), "\0".join(listing.files)]
    if not _encodable(path, *names):
        return None
    return (path, mtime, ctime, inode, int(trusted), int(listing.skipped), *names)


def write_image(db: sqlite3.Connection, rows: list[tuple[str, object]]) -> None:
    """The stored walk's new rows; none: it is dropped."""
    if not rows:
        db.execute("DELETE FROM tree")
    db.executemany("INSERT OR REPLACE INTO tree VALUES (?, ?)", rows)


def _encodable(*texts: str) -> bool:
    """Whether SQLite can store the texts (a file name may hold bytes that are no UTF-8)."""
    try:
        for text in texts:
            text.encode("utf-8")
    except UnicodeError:
        return False
    return True


def _schema_of(db: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
    ).fetchall()


@functools.lru_cache(maxsize=1)
def _schema() -> list[tuple[Any, ...]]:
    """The schema as SQLite records it (it adds the index of a UNIQUE column)."""
    import sqlite3

    db = sqlite3.connect(":memory:")
    for statement in _SCHEMA:
        db.execute(statement)
    found = _schema_of(db)
    db.close()
    return found

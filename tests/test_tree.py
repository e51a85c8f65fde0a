"""The stored walk (tree.py): a commit that takes it finds what a commit that walks the
directories finds, and leaves the cache as that one does; one that cannot take it walks.

Each case runs the same commits on two copies of one cache, one of them without its stored walk,
and compares what they find and every row they leave.
"""

from __future__ import annotations

import array
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import pytest
from test_cache_store import (
    AHEAD,
    CHANGES,
    SCAN,
    _cache,
    _packages,
    _rewritten,
    _stat_ahead,
    _walked,
)

from codemods.relationships import tree
from codemods.relationships.cache import RACY_NS, FactCache, stamp_of


def _later() -> int:
    """A run's start long after every change so far."""
    return time.time_ns() + 60 * RACY_NS


def _commit(
    directory: Path,
    root: Path,
    cores: int,
    monkeypatch: pytest.MonkeyPatch,
    given: tuple[str, ...] = (),
) -> tuple[list[str], set[str], bool]:
    """A commit's use of the cache: the walk, the files it vouches for (the others are read
    and stored, after the files `given`, which are read first), and whether it took the
    stored walk."""
    base = f"{root}{os.sep}"
    cache = _cache(directory, started=_later())
    read = {p for p in given if os.path.exists(base + p)}
    for path in sorted(read):
        cache.put_scan(path, stamp_of(os.stat(base + path)), SCAN)
    _stat_ahead(cache, base, cores, monkeypatch)
    files = _walked(root, cache)
    unvouched = cache.unvouched(frozenset(files), read, base)
    found = set(files) - read - (set(files) if unvouched is None else unvouched)
    for path in set(files) - found - read:
        cache.put_scan(path, stamp_of(os.stat(base + path)), SCAN)
    taken = cache.unchanged_walk() is not None
    cache.save(frozenset(files))
    return files, found, taken


def _database(directory: Path) -> Path:
    (path,) = directory.glob("facts-*.sqlite3")
    return path


def _rows(directory: Path, table: str) -> list[Any]:
    columns = "path, mtime, ctime, size, inode, trusted, scan" if table == "files" else "*"
    with sqlite3.connect(_database(directory)) as db:
        rows = db.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()
    db.close()
    return rows


def _filled(tmp_path: Path, cores: int, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """Two directories of files, and a cache that stores their entries, vouches for them and
    holds their walk."""
    root, names = _packages(tmp_path / "p", directories=2, files=300)
    for _ in range(2):
        _commit(tmp_path / "c", root, cores, monkeypatch)
    assert {part for part, _ in _rows(tmp_path / "c", "tree")} == {
        "dirs",
        "stamps",
        "counts",
        "files",
        "vouched",
    }
    return root, names


def _without_walk(tmp_path: Path) -> Path:
    copy = tmp_path / "walked"
    shutil.copytree(tmp_path / "c", copy)
    _rewritten(_database(copy), "DELETE FROM tree")
    return copy


def _edit(directory: Path) -> None:
    (directory / "m3.py").write_text("x = 22\n")


COMMITS = [
    pytest.param(lambda d: None, True, id="nothing-changed"),
    pytest.param(_edit, True, id="a-file-edited-in-place"),
    *(pytest.param(*p.values[:1], False, id=p.id) for p in CHANGES if p.id != "a-file-edited"),
    pytest.param(shutil.rmtree, False, id="a-directory-removed"),
]


GIVEN = [  # the files a commit reads first
    pytest.param((), id="none-given"),
    pytest.param(("pkg0/m5.py",), id="one-given"),
    pytest.param(("pkg1/m7.py", "pkg0/m1.py", "pkg1/m3.py"), id="three-given"),
]


@pytest.mark.parametrize(
    "grouped",  # directories stat'ed to a group: all of them at once, or one each
    [
        pytest.param(tree.DIRECTORIES, id="directories-together"),
        pytest.param(1, marks=pytest.mark.slow, id="directories-apart"),
    ],
)
@pytest.mark.parametrize("given", GIVEN)
@pytest.mark.parametrize("cores", AHEAD[1:])
@pytest.mark.parametrize(("change", "taken"), COMMITS)
def test_a_commit_from_the_stored_walk_finds_and_leaves_what_a_walk_does(
    tmp_path: Path,
    cores: int,
    change: Callable[[Path], object],
    taken: bool,
    given: tuple[str, ...],
    grouped: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tree, "DIRECTORIES", grouped)
    root, _ = _filled(tmp_path, cores, monkeypatch)
    walked = _without_walk(tmp_path)
    change(root / "pkg1")
    plain = _cache(tmp_path / "plain", started=_later())
    m3 = root / "pkg1/m3.py"
    edited = {"pkg1/m3.py"} if m3.exists() and m3.read_text() == "x = 22\n" else set()
    for attempt in range(2):
        files, found, took = _commit(tmp_path / "c", root, cores, monkeypatch, given)
        assert took == (taken or attempt == 1), "the stored walk is taken while it holds"
        assert files == _walked(root, plain)
        if attempt == 0 and took:  # every file as it was stored, but the one edited
            assert found == set(files) - set(given) - edited
        # the copy stores the walk it makes, and takes it the next time
        assert (files, found, attempt == 1) == _commit(walked, root, cores, monkeypatch, given)
        for table in ("files", "dirs"):
            assert _rows(tmp_path / "c", table) == _rows(walked, table)
    # the walk made without one stored it: the two agree on it too
    assert _rows(tmp_path / "c", "tree") == _rows(walked, "tree")


DAMAGE = [
    pytest.param("DELETE FROM tree WHERE part = 'counts'", id="a-part-missing"),
    pytest.param("UPDATE tree SET data = substr(data, 1, 8) WHERE part = 'counts'", id="short"),
    pytest.param("UPDATE tree SET data = 'x' WHERE part = 'stamps'", id="text-for-bytes"),
    pytest.param("UPDATE tree SET data = zeroblob(length(data)) WHERE part = 'stamps'", id="stale"),
    pytest.param(
        "UPDATE tree SET data = data || char(0) || 'pkg9/m.py' WHERE part = 'files'",
        id="a-path-too-many",
    ),
    pytest.param(  # the paths are there, but no directory holds any
        "UPDATE tree SET data = CASE part WHEN 'counts' THEN zeroblob(length(data)) "
        "WHEN 'vouched' THEN x'' ELSE data END",
        id="paths-of-no-directory",
    ),
]


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_or_stale_stored_walk_is_walked_again_and_replaced(
    tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, names = _filled(tmp_path, 2, monkeypatch)
    _rewritten(_database(tmp_path / "c"), damage)
    files, found, took = _commit(tmp_path / "c", root, 2, monkeypatch)
    assert (files, found, took) == (sorted(names), set(names), False)
    assert _commit(tmp_path / "c", root, 2, monkeypatch) == (sorted(names), set(names), True)


def test_a_stored_walk_with_a_count_below_zero_is_walked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As many paths in all as the counts add up to, but a directory holds fewer than none."""
    root, names = _filled(tmp_path, 2, monkeypatch)
    with sqlite3.connect(_database(tmp_path / "c")) as db:
        (data,) = db.execute("SELECT data FROM tree WHERE part = 'counts'").fetchone()
        counts = array.array("q", data)
        counts[0], counts[1] = counts[0] - 1, counts[1] + 1
        db.execute("UPDATE tree SET data = ? WHERE part = 'counts'", (counts.tobytes(),))
    db.close()
    assert _commit(tmp_path / "c", root, 2, monkeypatch) == (sorted(names), set(names), False)


@pytest.mark.parametrize(
    "grouped", [tree.DIRECTORIES, 1], ids=["directories-together", "directories-apart"]
)
def test_a_directory_gone_costs_the_stat_ahead_of_no_other(
    tmp_path: Path, grouped: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk takes from the stats made ahead every directory still there: a directory gone
    fails the stat of its group of directories, and the others of the group are stat'ed alone."""
    monkeypatch.setattr(tree, "DIRECTORIES", grouped)
    root, _ = _filled(tmp_path, 2, monkeypatch)
    shutil.rmtree(root / "pkg1")
    cache = _cache(tmp_path / "c", started=_later())
    _stat_ahead(cache, f"{root}{os.sep}", 2, monkeypatch)
    assert cache.unchanged_walk() is None
    assert sorted(cache._ahead_dirs) == ["", "pkg0"]
    assert sorted(cache._ahead_files["pkg0"][0]) == sorted(os.listdir(root / "pkg0"))


def test_the_database_is_mapped_for_the_stored_walk_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite reads the stored walk's record through a memory map (if this build maps at all),
    every other query as before."""
    probe = sqlite3.connect(tmp_path / "probe.sqlite3")
    probe.execute("PRAGMA mmap_size = 4096")
    (maps,) = probe.execute("PRAGMA mmap_size").fetchone()
    probe.close()
    root, names = _filled(tmp_path, 2, monkeypatch)
    cache = _cache(tmp_path / "c", started=_later())
    mapped: list[tuple[str, int]] = []
    query = cache._query

    def watched(sql: str, parameters: tuple[Any, ...] = ()) -> Optional[list[Any]]:
        assert cache._db is not None
        mapped.append((sql, cache._db.execute("PRAGMA mmap_size").fetchone()[0]))
        return query(sql, parameters)

    monkeypatch.setattr(cache, "_query", watched)
    _stat_ahead(cache, f"{root}{os.sep}", 2, monkeypatch)
    files = _walked(root, cache)
    assert cache.unvouched(frozenset(files), {"pkg0/m1.py"}, f"{root}{os.sep}") == set()
    assert [size > 0 for _, size in mapped] == [
        bool(maps) and sql == "SELECT part, data FROM tree" for sql, _ in mapped
    ]
    assert len(mapped) > 1 and files == sorted(names)


def test_no_walk_is_stored_while_a_listing_is_too_new_to_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory changed within the run's second cannot vouch for its listing, nor the walk."""
    root, _ = _packages(tmp_path / "p", directories=2, files=300)
    base = f"{root}{os.sep}"
    for _ in range(2):
        cache = FactCache(tmp_path / "c", "key")  # started now: the directories are new
        _stat_ahead(cache, base, 2, monkeypatch)
        cache.save(frozenset(_walked(root, cache)))
    assert _rows(tmp_path / "c", "tree") == []
    assert _commit(tmp_path / "c", root, 2, monkeypatch)[2] is False
    assert _commit(tmp_path / "c", root, 2, monkeypatch)[2] is True


def _virtualenv(root: Path) -> None:
    (root / "venv" / "lib").mkdir(parents=True)
    (root / "venv" / "lib" / "site.py").write_text("x = 1\n")
    (root / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")


def test_a_skipped_directory_is_held_by_its_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A virtualenv is in the stored walk, without its files; when it stops being one, the
    walk finds them."""
    root, names = _packages(tmp_path / "p", directories=2, files=300)
    _virtualenv(root)
    for _ in range(2):
        _commit(tmp_path / "c", root, 2, monkeypatch)
    assert _commit(tmp_path / "c", root, 2, monkeypatch)[::2] == (sorted(names), True)
    (root / "venv" / "pyvenv.cfg").unlink()
    files, _, took = _commit(tmp_path / "c", root, 2, monkeypatch)
    assert (files, took) == (sorted([*names, "venv/lib/site.py"]), False)
    assert files == _walked(root, _cache(tmp_path / "plain", started=_later()))


def _symlinked(root: Path) -> None:
    (root / "pkg1" / "linked.py").symlink_to(root / "pkg0" / "m0.py")


def _unlistable(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pkg1 cannot be listed (root lists any directory chmod'ed, so the listing fails here)."""
    listed = os.scandir
    denied = str(root / "pkg1")

    def scandir(path: str) -> Any:
        if os.path.abspath(path) == denied:
            raise PermissionError(13, "Permission denied", path)
        return listed(path)

    monkeypatch.setattr(os, "scandir", scandir)


@pytest.mark.parametrize(
    "unheld",
    [
        pytest.param(lambda root, _: _symlinked(root), id="a-symlink-in-a-directory"),
        pytest.param(_unlistable, id="a-directory-that-cannot-be-listed"),
    ],
)
def test_no_walk_is_stored_while_a_directory_is_listed_every_time(
    tmp_path: Path,
    unheld: Callable[[Path, pytest.MonkeyPatch], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _ = _packages(tmp_path / "p", directories=2, files=300)
    unheld(root, monkeypatch)
    plain = _walked(root, _cache(tmp_path / "plain", started=_later()))
    for _ in range(3):
        files, _, took = _commit(tmp_path / "c", root, 2, monkeypatch)
        assert (files, took) == (plain, False)
    assert _rows(tmp_path / "c", "tree") == []

"""The cache's store on its own: when an entry vouches for a file, what its facts look up, and
what a damaged or foreign file gives.

The command-line behaviour (warm = cold, edits, damage, runs at once) is in test_cache.py; these
pin the rules the store applies, with the run's start time set by the test.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
from pathlib import Path
from typing import Callable, Optional

import pytest

from codemods.relationships.cache import (
    CLASS,
    IMPERATIVE,
    IMPORT,
    RACY_NS,
    TABLE,
    WORD,
    FactCache,
    Stamp,
    stamp_of,
)
from codemods.relationships.filescan import ClassFacts, FileScan

NOW = 1_800_000_000 * 10**9
OLD = Stamp(NOW - 10 * RACY_NS, NOW - 10 * RACY_NS, 100, 7)  # changed ten seconds before
YOUNG = Stamp(NOW - RACY_NS // 2, NOW - RACY_NS // 2, 100, 7)  # changed half a second before
FACTS = ClassFacts((("Plan", False), ("Nested", True)), (), ("plans",), ("a.b",), ("Table",))
SCAN = FileScan(None, True, None, "utf-8", FACTS).record()


def _cache(directory: Path, key: str = "key", started: int = NOW) -> FactCache:
    cache = FactCache(directory, key)
    cache.started = started
    return cache


def _stored(directory: Path, stamp: Stamp) -> Path:
    cache = _cache(directory)
    cache.put_scan("m.py", stamp, SCAN)
    cache.save()
    (path,) = directory.glob("facts-*.sqlite3")
    return path


@pytest.mark.parametrize(
    ("stamp", "later", "scan"),
    [
        pytest.param(OLD, OLD, SCAN, id="old-entry-same-stamp-is-used"),
        pytest.param(OLD, OLD._replace(ctime_ns=NOW), None, id="new-ctime"),
        pytest.param(OLD, OLD._replace(mtime_ns=NOW), None, id="new-mtime"),
        pytest.param(OLD, OLD._replace(size=101), None, id="new-size"),
        pytest.param(OLD, OLD._replace(inode=8), None, id="new-inode"),
        pytest.param(YOUNG, YOUNG, None, id="entry-made-within-a-second-of-the-change"),
    ],
)
def test_an_entry_vouches_for_a_file_only_as_the_rules_say(
    tmp_path: Path, stamp: Stamp, later: Stamp, scan: Optional[tuple[object, ...]]
) -> None:
    _stored(tmp_path, stamp)
    assert _cache(tmp_path, started=NOW + 60 * RACY_NS).scan("m.py", later) == scan


def test_the_scan_comes_back_as_it_was_stored(tmp_path: Path) -> None:
    """Through JSON (which has only lists) and back: the same facts, tuples all the way down."""
    _stored(tmp_path, OLD)
    scan = FileScan.from_record(_cache(tmp_path).scan("m.py", OLD))
    assert scan == FileScan(None, True, None, "utf-8", FACTS)
    assert scan is not None and isinstance(scan.facts, ClassFacts)
    assert isinstance(scan.facts.classes[0], tuple)


@pytest.mark.parametrize(
    "record",
    [
        pytest.param([1, 2], id="too-short"),
        pytest.param([None, True, 3, False, None], id="encoding-not-a-string"),
        pytest.param([None, True, "utf-8", False, [[["C"]], [], [], [], []]], id="bad-class-pair"),
        pytest.param("text", id="not-a-list"),
    ],
)
def test_a_record_of_another_shape_is_no_scan(record: object) -> None:
    assert FileScan.from_record(record) is None


def _rewritten(path: Path, *statements: str) -> None:
    """The database with SQL of someone else's run on it."""
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    db.close()


def _another_database(path: Path, *statements: str) -> None:
    path.unlink()
    _rewritten(path, *statements)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "padded": lambda p: p.write_bytes(p.read_bytes() + b"\x00" * 4096),
    "empty": lambda p: p.write_bytes(b""),
    "not-a-database": lambda p: p.write_bytes(b'{"key": "key", "value": {}}'),
    # A pickle that would run code if it were unpickled: the cache never unpickles.
    "a-pickle": lambda p: p.write_bytes(pickle.dumps(print)),
    "another-key": lambda p: _rewritten(p, "UPDATE meta SET value = 'x'"),
    "another-schema": lambda p: _another_database(
        p, "CREATE TABLE files (path TEXT, scan TEXT)", "INSERT INTO files VALUES ('m.py', '[]')"
    ),
    # A view where the table was would answer with whatever its SQL computes: not read.
    "a-view-for-a-table": lambda p: _rewritten(
        p,
        "ALTER TABLE files RENAME TO stored",
        "CREATE VIEW files AS SELECT * FROM stored",
    ),
}


@pytest.mark.parametrize("damage", [pytest.param(v, id=k) for k, v in DAMAGE.items()])
def test_a_damaged_or_foreign_cache_file_holds_nothing(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    damage(_stored(tmp_path, OLD))
    assert _cache(tmp_path).scan("m.py", OLD) is None


def test_a_cache_of_another_key_is_another_file(tmp_path: Path) -> None:
    _stored(tmp_path, OLD)
    assert _cache(tmp_path, key="another").scan("m.py", OLD) is None
    assert len(list(tmp_path.glob("facts-*.sqlite3"))) == 1  # nothing written by a lookup


def test_scans_made_before_the_cache_is_needed_are_stored_only_if_it_is_read(
    tmp_path: Path,
) -> None:
    untouched = _cache(tmp_path)
    untouched.note("m.py", OLD, SCAN)
    untouched.save()
    assert not list(tmp_path.glob("facts-*.sqlite3"))
    read = _cache(tmp_path)
    read.note("m.py", OLD, SCAN)
    read.scan("other.py", OLD)  # the run needed the cache after all
    read.save()
    assert _cache(tmp_path).scan("m.py", OLD) == SCAN


def test_entries_of_files_that_are_gone_are_dropped(tmp_path: Path) -> None:
    _stored(tmp_path, OLD)
    cache = _cache(tmp_path)
    cache.scan("m.py", OLD)
    cache.save(project_files=frozenset({"other.py"}))
    assert _cache(tmp_path).scan("m.py", OLD) is None


def test_the_directory_is_tagged_and_ignored_by_git(tmp_path: Path) -> None:
    _stored(tmp_path / "c", OLD)
    assert (
        (tmp_path / "c" / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert (tmp_path / "c" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_the_facts_are_looked_up_by_name(tmp_path: Path) -> None:
    """What the project index asks a warm cache for, instead of every file's facts."""
    twice = ClassFacts(
        (("Plan", False),), ("Plan",), ("plans", "plans"), ("a.b", "c"), ("backref",)
    )
    cache = _cache(tmp_path)
    cache.put_scan("m.py", OLD, SCAN)
    cache.put_scan("n.py", OLD, FileScan(facts=twice).record())
    cache.save()
    warm = _cache(tmp_path, started=NOW + 60 * RACY_NS)
    assert warm.scan("m.py", OLD) == SCAN and warm.scan("n.py", OLD._replace(size=1)) is None
    assert sorted(warm.lookup(CLASS, "Plan") or ()) == [("m.py", 0), ("n.py", 0)]
    assert warm.lookup(CLASS, "Nested") == [("m.py", 1)]  # indented
    assert sorted(warm.lookup(TABLE, "plans") or ()) == [("m.py", 1), ("n.py", 2)]  # how often
    assert warm.lookup(IMPERATIVE, "Plan") == [("n.py", 0)]
    assert warm.lookup(IMPORT, "a.b") and warm.lookup(WORD, "backref") == [("n.py", 0)]
    assert warm.lookup(CLASS, "Other") == []
    assert warm.stored_scan("m.py") == SCAN


def test_a_damaged_cache_is_replaced_by_the_next_run_that_writes(tmp_path: Path) -> None:
    DAMAGE["truncated"](_stored(tmp_path, OLD))
    cache = _cache(tmp_path)
    assert cache.scan("m.py", OLD) is None
    cache.put_scan("m.py", OLD, SCAN)
    cache.save()
    assert _cache(tmp_path).scan("m.py", OLD) == SCAN


@pytest.mark.parametrize("count", [pytest.param(3, id="a-few"), pytest.param(600, id="many")])
def test_unchanged_files_are_those_of_the_same_stat_now(tmp_path: Path, count: int) -> None:
    """Looked up one by one for a few files, read at once for many: the same answer."""
    names = [f"m{i}.py" for i in range(count)]
    for name in names:
        (tmp_path / name).write_text("x = 1\n")
    base = f"{tmp_path}{os.sep}"
    cache = _cache(tmp_path / "c", started=time.time_ns() + 60 * RACY_NS)
    for name in names:
        cache.put_scan(name, stamp_of(os.stat(base + name)), SCAN)
    cache.save()
    (tmp_path / names[0]).write_text("x = 22\n")  # another size
    (tmp_path / names[1]).unlink()
    warm = _cache(tmp_path / "c", started=time.time_ns() + 60 * RACY_NS)
    assert warm.unchanged([*names, "new.py"], base) == set(names[2:])


def _walked(root: Path, cache: FactCache) -> list[str]:
    from codemods.relationships.discover import project_files

    return project_files(root, cache)


def _packages(root: Path, directories: int, files: int) -> tuple[Path, list[str]]:
    """`pkg<d>/m<i>.py` files, enough for a run to check them by directory."""
    names = [f"pkg{d}/m{i}.py" for d in range(directories) for i in range(files)]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")
    return root, names


AHEAD = [
    pytest.param(None, id="stat-one-by-one"),
    pytest.param(1, id="stat-ahead-here"),
    pytest.param(2, id="stat-ahead-on-two-cores"),
]


def _stat_ahead(
    cache: FactCache, base: str, cores: Optional[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a commit does before its walk (`cores`: None, it does not)."""
    from codemods.relationships import stamps

    if cores is not None:
        monkeypatch.setattr(stamps, "PARALLEL_FROM", 1)
        monkeypatch.setattr(stamps, "_cores", lambda: cores)
        cache.stat_ahead(base)


@pytest.mark.parametrize("cores", AHEAD)
def test_directories_vouch_for_their_files_once_every_entry_is_trusted(
    tmp_path: Path, cores: Optional[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that checks many files compares them by directory: after one run has found every
    file of a directory trusted, the next needs no entry read; an edit is still seen."""
    root, names = _packages(tmp_path / "p", directories=3, files=250)
    base, later = f"{root}{os.sep}", time.time_ns() + 60 * RACY_NS

    def cache_run(expected: set[str]) -> FactCache:
        cache = _cache(tmp_path / "c", started=later)
        _stat_ahead(cache, base, cores, monkeypatch)
        files = _walked(root, cache)
        assert files == sorted(p for p in names if (root / p).exists())
        assert (cache.unchanged(files, base) or set()) == expected
        for path in set(files) - expected:
            cache.put_scan(path, stamp_of(os.stat(base + path)), SCAN)
        cache.save(frozenset(files))
        return cache

    cache_run(set())  # stores every entry
    cache_run(set(names))  # finds them one by one; the directories now vouch for them
    (database,) = (tmp_path / "c").glob("facts-*.sqlite3")
    _rewritten(database, "UPDATE files SET trusted = 0")  # so an entry read would not vouch
    cache_run(set(names))
    _rewritten(database, "UPDATE files SET trusted = 1")
    (root / names[0]).write_text("x = 22\n")  # another size
    (root / names[-1]).unlink()
    cache_run(set(names[1:-1]))
    cache_run(set(names[:-1]))


def test_a_sweep_that_found_every_entry_leaves_the_directories_vouching(tmp_path: Path) -> None:
    """A sweep looks every file up one by one: the next commit compares by directory."""
    root, names = _packages(tmp_path / "p", directories=2, files=300)
    base, later = f"{root}{os.sep}", time.time_ns() + 60 * RACY_NS
    filled = _cache(tmp_path / "c", started=later)
    for name in _walked(root, filled):
        filled.put_scan(name, stamp_of(os.stat(base + name)), SCAN)
    filled.save()
    sweep = _cache(tmp_path / "c", started=later)
    files = _walked(root, sweep)
    assert all(sweep.scan(p, stamp_of(os.stat(base + p))) == SCAN for p in files)
    sweep.save(frozenset(files))
    (database,) = (tmp_path / "c").glob("facts-*.sqlite3")
    _rewritten(database, "UPDATE files SET trusted = 0")  # so an entry read would not vouch
    commit = _cache(tmp_path / "c", started=later)
    assert commit.unchanged(_walked(root, commit), base) == set(names)


CHANGES = [  # a change to pkg1, and whether pkg1/m3.py still holds as it was stored
    pytest.param(lambda d: (d / "new.py").write_text("x = 1\n"), True, id="a-file-added"),
    pytest.param(lambda d: (d / "m3.py").unlink(), False, id="a-file-removed"),
    pytest.param(lambda d: (d / "m3.py").rename(d / "moved.py"), False, id="a-file-renamed"),
    pytest.param(lambda d: (d / "m3.py").write_text("x = 22\n"), False, id="a-file-edited"),
    pytest.param(lambda d: (d / "sub").mkdir(), True, id="a-directory-added"),
    pytest.param(
        lambda d: (d / "sub").mkdir() or (d / "sub" / "m3.py").write_text(""),
        True,
        id="a-directory-added-with-a-file",
    ),
]


@pytest.mark.parametrize("cores", AHEAD[1:])
@pytest.mark.parametrize(("change", "kept"), CHANGES)
def test_a_change_after_the_stat_ahead_is_seen_by_the_next_run(
    tmp_path: Path,
    cores: int,
    change: Callable[[Path], object],
    kept: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a directory held when it was stat'ed ahead is what it held when it was listed:
    after a change, the next run vouches for exactly the files whose entries still hold."""
    root, names = _packages(tmp_path / "p", directories=2, files=300)
    base, later = f"{root}{os.sep}", time.time_ns() + 60 * RACY_NS
    for _ in range(2):  # stores every entry, then leaves the directories vouching
        cache = _cache(tmp_path / "c", started=later)
        _stat_ahead(cache, base, cores, monkeypatch)
        files = _walked(root, cache)
        for path in set(files) - (cache.unchanged(files, base) or set()):
            cache.put_scan(path, stamp_of(os.stat(base + path)), SCAN)
        cache.save(frozenset(files))
    assert cache.unchanged(files, base) == set(names)
    change(root / "pkg1")
    commit = _cache(tmp_path / "c", started=later)
    _stat_ahead(commit, base, cores, monkeypatch)
    files = _walked(root, commit)
    plain = _cache(tmp_path / "plain", started=later)
    assert files == _walked(root, plain), "the walk found what a walk without a cache finds"
    still = {p for p in names if kept or p != "pkg1/m3.py"}
    assert commit.unchanged(files, base) == still

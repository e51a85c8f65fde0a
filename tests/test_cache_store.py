"""The cache's store on its own: when an entry vouches for a file, and what a damaged or foreign
file gives.

The command-line behaviour (warm = cold, edits, damage, runs at once) is in test_cache.py; these
pin the rules the store applies, with the run's start time set by the test.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Callable, Optional

import pytest

from codemods.relationships.cache import RACY_NS, FactCache, Stamp
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
    (path,) = directory.glob("facts-*.json")
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


def _with_payload(path: Path, payload: bytes) -> None:
    """A file with the right header and checksum around another payload."""
    import zlib

    data = path.read_bytes()
    head = data.index(b"\n") + 1
    path.write_bytes(data[:head] + zlib.crc32(payload).to_bytes(4, "big") + payload)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "one-bit-flipped": lambda p: p.write_bytes(
        p.read_bytes()[:-5] + bytes([p.read_bytes()[-5] ^ 1]) + p.read_bytes()[-4:]
    ),
    "empty": lambda p: p.write_bytes(b""),
    "not-json": lambda p: _with_payload(p, b"\x80\x04K\x01."),
    "another-key": lambda p: _with_payload(p, json.dumps({"key": "x", "value": {}}).encode()),
    "entries-of-another-shape": lambda p: _with_payload(
        p, json.dumps({"key": "key", "value": {"m.py": [1, 2]}}).encode()
    ),
    # A pickle that would run code if it were unpickled: the cache never unpickles.
    "a-pickle": lambda p: _with_payload(p, pickle.dumps(print)),
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
    assert len(list(tmp_path.glob("facts-*.json"))) == 1  # nothing written by a lookup


def test_scans_made_before_the_cache_is_needed_are_stored_only_if_it_is_read(
    tmp_path: Path,
) -> None:
    untouched = _cache(tmp_path)
    untouched.note("m.py", OLD, SCAN)
    untouched.save()
    assert not list(tmp_path.glob("facts-*.json"))
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

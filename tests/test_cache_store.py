"""The cache's store on its own: when an entry vouches for a file, and what a damaged file gives.

The command-line behaviour (warm = cold, edits, damage, runs at once) is in test_cache.py; these
pin the rules the store applies, with the run's start time set by the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from codemods.relationships.cache import RACY_NS, FactCache, Stamp

NOW = 1_800_000_000 * 10**9
OLD = Stamp(NOW - 10 * RACY_NS, NOW - 10 * RACY_NS, 100, 7)  # changed ten seconds before
YOUNG = Stamp(NOW - RACY_NS // 2, NOW - RACY_NS // 2, 100, 7)  # changed half a second before
SCAN = (None, True, "utf-8", False, None)


def _cache(directory: Path, key: str = "key", started: int = NOW) -> FactCache:
    cache = FactCache(directory, key)
    cache.started = started
    return cache


def _stored(directory: Path, stamp: Stamp, digest: int = 1, info: bytes = b"info") -> None:
    cache = _cache(directory)
    cache.put_scan("m.py", stamp, SCAN, digest)
    cache.put_info("m.py", info)
    cache.save()


@pytest.mark.parametrize(
    ("stamp", "later", "digest", "scan", "info"),
    [
        pytest.param(OLD, OLD, 1, SCAN, b"info", id="old-entry-same-stamp-is-used"),
        pytest.param(OLD, OLD._replace(ctime_ns=NOW), 1, None, b"info", id="old-entry-new-ctime"),
        pytest.param(OLD, OLD._replace(inode=8), 1, None, b"info", id="old-entry-new-inode"),
        pytest.param(YOUNG, YOUNG, 1, None, b"info", id="young-entry-same-bytes-keeps-summary"),
        pytest.param(YOUNG, YOUNG, 2, None, None, id="young-entry-other-bytes-loses-summary"),
    ],
)
def test_an_entry_vouches_for_a_file_only_as_the_rules_say(
    tmp_path: Path,
    stamp: Stamp,
    later: Stamp,
    digest: int,
    scan: Optional[tuple[object, ...]],
    info: Optional[bytes],
) -> None:
    _stored(tmp_path, stamp)
    cache = _cache(tmp_path, started=NOW + 60 * RACY_NS)
    assert cache.scan("m.py", later) == scan
    if scan is None:  # the run reads the file again and stores what it found
        cache.put_scan("m.py", later, SCAN, digest)
    assert cache.info("m.py") == info


def test_an_entry_made_within_a_second_of_the_change_is_not_trusted_by_its_stamp(
    tmp_path: Path,
) -> None:
    _stored(tmp_path, YOUNG)
    cache = _cache(tmp_path, started=NOW + 60 * RACY_NS)
    assert cache.scan("m.py", YOUNG) is None
    assert cache.info("m.py") is None  # nothing vouched for this version of the file yet


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b[:20] + bytes([b[20] ^ 1]) + b[21:], id="one-bit-flipped"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b"{}", id="another-format"),
    ],
)
def test_a_damaged_cache_file_holds_nothing(tmp_path: Path, damage: object) -> None:
    _stored(tmp_path, OLD)
    (path,) = tmp_path.glob("facts-*.bin")
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert _cache(tmp_path).scan("m.py", OLD) is None


def test_a_cache_of_another_key_is_another_file_and_holds_nothing(tmp_path: Path) -> None:
    _stored(tmp_path, OLD)
    assert _cache(tmp_path, key="another").scan("m.py", OLD) is None
    assert len(list(tmp_path.glob("facts-*.bin"))) == 1  # nothing written by a lookup


def test_scans_made_before_the_cache_is_needed_are_stored_only_if_it_is_read(
    tmp_path: Path,
) -> None:
    untouched = _cache(tmp_path)
    untouched.note("m.py", OLD, SCAN, 1)
    untouched.save()
    assert not tmp_path.exists() or not list(tmp_path.glob("facts-*.bin"))
    read = _cache(tmp_path)
    read.note("m.py", OLD, SCAN, 1)
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

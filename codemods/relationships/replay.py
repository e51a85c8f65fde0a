"""A whole run's report, kept for the next run over a tree where nothing it read has changed.

Every decision depends on the whole project, so per-file facts alone cannot make a second run
over an unchanged tree cheap. A run therefore also keeps its report, in a file of its own for the
run's *shape*: everything the report is a function of but the files' content (the cache key:
interpreter, the tool's code, the configuration; the options, the paths given and what they
expanded to, the working directory, every project file's path). With it go each file's version
(its stamp; for a file that changed within a second, the digest of its bytes) and what the report
needs of the file:

- all of its content, for a candidate, for a file the decisions read beyond its scan (here or
  in a worker: `Project.reads`) and for a project file that was not given;
- only its scan, for every other file given.

The next run of the same shape prints the kept report again if every file whose version changed
since is of the second kind and scans as it did then (at most `CHANGED` of them): nothing changed,
or an edit of an ordinary file's body or comments. This is how mypy skips a module whose
interface did not change. A file kept by its bytes' digest and now old enough to go by its stat
is read once to tell whether those bytes are the same; the report is then kept with the stats.

Only a sweep (a directory given, or at least 200 files, as `pre-commit run --all-files` passes
them) keeps and looks for a report: a commit's few files are decided faster than the whole
project could be listed. Nothing is kept for a run that wrote files.
"""

from __future__ import annotations

import array
import base64
import hashlib
import json
import os
import zlib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Optional

from .cache import FactCache, Stamp, content_digest, prepare, stamp_of
from .fileio import read_bytes, read_regular, replace_file
from .filescan import FileScan, scan_bytes
from .findings import Finding, Fix

KEPT = 8  # report files in a cache directory: a few working directories or invocations
CHANGED = 64  # files changed since a report, at most, for it to be replayed by their scans
_MAGIC = b"fix-relationships report 2\n"
_DIGEST = 4  # a CRC-32 of the payload
_FIELDS = 4  # numbers per packed version
_RECORD = 8  # bytes of a scan's digest
_NO_RECORD = bytes(_RECORD)
_CONTENT = 2**64 - 1  # in a packed version's size field: the version is a content digest


class Inputs(NamedTuple):
    """What a run's report is a function of."""

    shape: str  # the digest of all of it but the files' versions
    files: list[tuple[str, str]]  # (key, path) of every file given or in the project, in order
    versions: bytes  # their versions, packed (`_FIELDS` unsigned 64-bit numbers each)


class Recalled(NamedTuple):
    findings: list[Finding]
    changed: list[str]  # the files (as shown) the run changed or would change
    keys: list[str]  # the same, as project keys


def inputs(
    cache: FactCache,
    settings: object,
    paths: Sequence[str],
    given: Sequence[tuple[str, str]],
    project_files: Sequence[str],
    root: Path,
    before: Sequence[Finding],
) -> Optional[Inputs]:
    """A run's inputs (None if a file cannot be read to tell)."""
    base = os.path.join(str(root), "")
    files = dict(given)
    files.update((f, base + f) for f in project_files if f not in files)
    versions: list[object] = []
    try:
        for path in files.values():
            stamp = stamp_of(os.stat(path))
            # A file changed within a second may change again unseen by its stat: its bytes
            # tell instead.
            versions.append(content_digest(read_bytes(path)) if cache.racy(stamp) else stamp)
    except OSError:
        return None
    listed = list(files.items())
    shape = repr((cache.key, settings, list(paths), [tuple(f) for f in before], listed))
    digest = hashlib.blake2b(shape.encode("utf-8", "surrogateescape"), digest_size=20)
    return Inputs(digest.hexdigest(), listed, _packed(versions))


def _packed(versions: Sequence[object]) -> bytes:
    numbers = array.array("Q")
    for version in versions:
        if isinstance(version, Stamp):
            numbers.extend(version)
        else:
            assert isinstance(version, int)
            numbers.extend((version, 0, _CONTENT, 0))
    return numbers.tobytes()


def record_digest(scan: FileScan) -> bytes:
    """What a report needs of a file it did not read beyond its scan."""
    record = (scan.error, scan.candidate, scan.encoding, scan.unrelated, scan.facts)
    encoded = repr(record).encode("utf-8", "surrogateescape")
    return hashlib.blake2b(encoded, digest_size=_RECORD).digest()


def _path(cache: FactCache, run: Inputs) -> Path:
    return cache.named("report-", f"-{run.shape[:20]}.json")


def recall(cache: FactCache, run: Inputs) -> Optional[Recalled]:
    """The kept report of a run of this shape, if every file whose version changed since is
    one whose scan was all the report needed, and that scan is the same."""
    entry = read_checked(_path(cache, run), cache.key)
    try:
        shape, stored, packed, digests, read = entry
        versions = base64.b64decode(packed, validate=True)
        records = base64.b64decode(digests, validate=True)
    except (TypeError, ValueError):  # none, or not what this tool writes
        return None
    if shape != run.shape or not all(type(i) is int for i in read):
        return None
    read = frozenset(read)
    size = _FIELDS * 8
    if len(versions) != len(run.versions) or len(records) != _RECORD * len(run.files):
        return None
    changed: list[int] = []
    aged = False
    for index in [] if versions == run.versions else range(len(run.files)):
        then = versions[index * size : (index + 1) * size]
        if then == _version(run, index):
            continue
        if _aged(run, index, then):
            aged = True
        elif len(changed) == CHANGED or index in read:
            return None
        else:
            changed.append(index)
    if not all(_scans_as_before(run, index, records, cache) for index in changed):
        return None
    report = _recalled(stored)  # only now: tens of thousands of findings in a large project
    if report is None:
        return None
    if aged:  # the next run then compares their stats, and need not read them
        _store(cache, run, report, records, read)
    return report


def _version(run: Inputs, index: int) -> bytes:
    return run.versions[index * _FIELDS * 8 : (index + 1) * _FIELDS * 8]


def _aged(run: Inputs, index: int, then: bytes) -> bool:
    """Whether a file whose version was its bytes' digest (it had changed within a second of
    the run that kept the report), and is its stat now, holds the same bytes."""
    if (
        array.array("Q", then)[2] != _CONTENT
        or array.array("Q", _version(run, index))[2] == _CONTENT
    ):
        return False
    try:
        data, result = read_regular(run.files[index][1])
    except (OSError, RuntimeError):
        return False
    # The bytes must be those of the stat the inputs name.
    return (
        _packed([stamp_of(result)]) == _version(run, index)
        and _packed([content_digest(data)]) == then
    )


def _scans_as_before(run: Inputs, index: int, records: bytes, cache: FactCache) -> bool:
    """Whether a file a report needed the scan of only scans as it did then."""
    try:
        data, result = read_regular(run.files[index][1])
    except (OSError, RuntimeError):
        return False
    stamp = stamp_of(result)
    now = content_digest(data) if cache.racy(stamp) else stamp
    # The bytes scanned must be those of the version the inputs name.
    if _packed([now]) != _version(run, index):
        return False
    found = record_digest(scan_bytes(data, result))
    return found == records[index * _RECORD : (index + 1) * _RECORD]


def keep(
    cache: FactCache,
    run: Inputs,
    report: Recalled,
    reads: Collection[str],
    records: Mapping[str, bytes],
) -> None:
    """Keep a report for the next run of its shape. `reads`: the files whose content the
    report depends on beyond their scans; `records`: the digests of the scans of the others
    (a file with none is taken as read)."""
    read = [i for i, (key, _) in enumerate(run.files) if key in reads or key not in records]
    digests = b"".join(records.get(key, _NO_RECORD) for key, _ in run.files)
    _store(cache, run, report, digests, read)


def _store(
    cache: FactCache, run: Inputs, report: Recalled, digests: bytes, read: Collection[int]
) -> None:
    stored = [
        run.shape,
        [[list(f) for f in report.findings], report.changed, report.keys],
        base64.b64encode(run.versions).decode(),
        base64.b64encode(digests).decode(),
        sorted(read),
    ]
    path = _path(cache, run)
    write_checked(path, cache.key, stored)
    _prune(path.parent, path)


def _prune(directory: Path, kept: Path) -> None:
    """At most `KEPT` report files, the most recently written."""
    try:
        found = [(p.stat().st_mtime_ns, p) for p in directory.glob("report-*.json") if p != kept]
        for _, path in sorted(found, reverse=True)[KEPT - 1 :]:
            path.unlink()
    except OSError:
        pass


def _recalled(stored: Any) -> Optional[Recalled]:
    try:
        findings, changed, keys = stored
        return Recalled([_finding(f) for f in findings], list(changed), list(keys))
    except (TypeError, ValueError):  # not what this tool writes: no report
        return None


def _finding(stored: Any) -> Finding:
    path, line, col, kind, message, code, fix = tuples(stored)
    finding = Finding(path, line, col, kind, message, code, None if fix is None else Fix(*fix))
    if not all(isinstance(v, t) for v, t in zip(finding, (str, int, int, str, str, str))):
        raise TypeError("not a finding")
    return finding


def tuples(value: Any) -> Any:
    """JSON's lists back into the tuples they were written from, all the way down."""
    if isinstance(value, list):
        return tuple(tuples(v) for v in value)
    return value


def _digest(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(_DIGEST, "big")


def read_checked(path: Path, key: str) -> Any:
    """What a report file holds, if it is whole (magic, checksum) and was made for `key`
    (JSON: plain data, never code); else None."""
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
    """Replace a report file atomically; one that cannot be written costs speed only."""
    payload = json.dumps({"key": key, "value": value}, separators=(",", ":")).encode()
    try:
        prepare(path.parent)
        replace_file(path, _MAGIC + _digest(payload) + payload)
    except OSError:
        pass

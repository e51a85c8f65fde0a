"""A whole run's report, kept for the next run over a tree where nothing it read has changed.

Every decision depends on the whole project, so per-file facts alone cannot make a second run
over an unchanged tree cheap. A run therefore also keeps its report, under a digest of
everything the report is a function of: the cache key (interpreter, the tool's code, the
configuration), the options, the paths given and what they expanded to, the working directory,
and the stamp of every project file and every file given (for a file that changed within a
second, the digest of its bytes). The next run with the same digest prints that report again
instead of deciding it anew. Only a sweep (a directory given, or at least 200 files, as
`pre-commit run --all-files` passes them) keeps and looks for a report: a commit's few files
are decided faster than the whole project could be listed. Nothing is kept
for a run that wrote files.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from .cache import FactCache, content_digest, prepare, stamp_of
from .fileio import read_bytes, replace_file
from .findings import Finding, Fix

KEPT = 8  # reports per cache file: a few working directories or invocations, most recent
_MAGIC = b"fix-relationships reports 1\n"
_DIGEST = 4  # a CRC-32 of the payload


def digest(
    cache: FactCache,
    settings: object,
    paths: Sequence[str],
    given: Sequence[tuple[str, str]],
    project_files: Sequence[str],
    root: Path,
    before: Sequence[Finding],
) -> Optional[str]:
    """The digest of a run's inputs (None if a file cannot be read to tell)."""
    import hashlib

    versions: list[tuple[str, object]] = []
    base = os.path.join(str(root), "")
    files = dict(given)
    files.update((f, base + f) for f in project_files if f not in files)
    try:
        for key, path in files.items():
            stamp = stamp_of(os.stat(path))
            # A file changed within a second may change again unseen by its stat: its bytes
            # tell instead.
            version = content_digest(read_bytes(Path(path))) if cache.racy(stamp) else stamp
            versions.append((key, version))
    except OSError:
        return None
    text = repr((cache.key, settings, list(paths), [tuple(f) for f in before], versions))
    encoded = text.encode("utf-8", "surrogateescape")
    return hashlib.blake2b(encoded, digest_size=20).hexdigest()


def _path(cache: FactCache) -> Path:
    return cache.named("reports-", ".json")


def recall(cache: FactCache, key: str) -> Optional[tuple[list[Finding], list[str], list[str]]]:
    """The findings and changed files (shown, keys) of the run with this digest, if kept."""
    stored = _kept(cache).get(key)
    if stored is None:
        return None
    try:
        findings, changed, keys = stored
        return [_finding(f) for f in findings], list(changed), list(keys)
    except (TypeError, ValueError):  # not what this tool writes: no report
        return None


def keep(
    cache: FactCache, key: str, findings: list[Finding], changed: list[str], keys: list[str]
) -> None:
    kept = _kept(cache)
    kept.pop(key, None)
    kept[key] = [[list(f) for f in findings], changed, keys]
    while len(kept) > KEPT:
        del kept[next(iter(kept))]
    write_checked(_path(cache), cache.key, kept)


def _finding(stored: Any) -> Finding:
    path, line, col, kind, message, code, fix = tuples(stored)
    finding = Finding(path, line, col, kind, message, code, None if fix is None else Fix(*fix))
    if not all(isinstance(v, t) for v, t in zip(finding, (str, int, int, str, str, str))):
        raise TypeError("not a finding")
    return finding


def _kept(cache: FactCache) -> dict[str, Any]:
    found = read_checked(_path(cache), cache.key)
    return found if isinstance(found, dict) else {}


def tuples(value: Any) -> Any:
    """JSON's lists back into the tuples they were written from, all the way down."""
    if isinstance(value, list):
        return tuple(tuples(v) for v in value)
    return value


def _digest(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(_DIGEST, "big")


def read_checked(path: Path, key: str) -> Any:
    """What a reports file holds, if it is whole (magic, checksum) and was made for `key`
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
    """Replace a reports file atomically; one that cannot be written costs speed only."""
    payload = json.dumps({"key": key, "value": value}, separators=(",", ":")).encode()
    try:
        prepare(path.parent)
        replace_file(path, _MAGIC + _digest(payload) + payload)
    except OSError:
        pass

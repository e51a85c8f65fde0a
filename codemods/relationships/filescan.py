"""What one pass over a file's bytes tells: can it be read, can it hold a relationship target, and
which classes it defines. Runs in worker processes for big runs, so it returns plain data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Optional, TypeVar

from . import prefilter
from .cache import FactCache, Stamp, stamp_of
from .fileio import read_regular
from .sources import SourceError, decode

if TYPE_CHECKING:
    from .parallel import Workers

T = TypeVar("T")

_NAME = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"
# Each pattern starts with its literal, so the engine can search for it; whether it starts its
# line (or follows a word boundary) is checked per match: ten to twenty times faster on a large
# tree than a multi-line `^` pattern, an alternation or a look-behind.
_CLASS = re.compile(rb"class[ \t]+(" + _NAME + rb")")
_TABLENAME = re.compile(rb"__tablename__\s*=\s*['\"]([^'\"\n]+)['\"]")
_TABLE_CALL = re.compile(rb"Table\(\s*['\"]([^'\"\n]+)['\"]")
_FROM = re.compile(rb"[ \t]*from[ \t]+([\w.]+)[ \t]+")  # what precedes `import` on its line
_IMPORT = re.compile(rb"import[ \t]+([\w. \t,]+)")
_WORD_BYTE = re.compile(rb"\w")
_MAPPED_CLASS = rb"\s*\(\s*(?:[\w.]+\.)?(" + _NAME + rb")"
_MAP_IMPERATIVELY = re.compile(rb"map_imperatively" + _MAPPED_CLASS)
_MAPPER = re.compile(rb"mapper" + _MAPPED_CLASS)


# The relationship arguments the doctor checks, and the words of the table definitions it
# reads: it parses only the files that hold one.
CHECKED_ARGUMENTS = ("back_populates", "backref", "secondary")
WORDS = (*CHECKED_ARGUMENTS, "Table", "__tablename__")
_WORDS = tuple((word, word.encode()) for word in WORDS)


class ClassFacts(NamedTuple):
    """`class <Name>` statements (and whether indented), names mapped imperatively, and which
    of WORDS the file holds."""

    classes: tuple[tuple[str, bool], ...] = ()
    imperative: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()  # `__tablename__ = "x"` and `Table("x", ...)`
    imports: tuple[str, ...] = ()  # absolute module names in import statements
    words: tuple[str, ...] = ()


class FileScan(NamedTuple):
    error: Optional[str] = None
    candidate: bool = False
    text: Optional[str] = None  # decoded, for files that may hold a target only
    encoding: str = "utf-8"
    facts: Optional[ClassFacts] = ClassFacts()  # None: the file could not be read
    unrelated: bool = False  # the error is in a file that holds no relationship() call
    stamp: Optional[Stamp] = None  # the file's stat when it was read

    def record(self) -> list[Any]:
        """Everything but the text, as JSON's plain data (lists) for the cache."""
        facts = self.facts
        if facts is not None:
            classes = [[name, indented] for name, indented in facts.classes]
            facts_list: Optional[list[Any]] = [classes, *(list(f) for f in facts[1:])]
        else:
            facts_list = None
        return [self.error, self.candidate, self.encoding, self.unrelated, facts_list]

    @classmethod
    def from_record(cls, record: Any) -> Optional[FileScan]:
        """The scan a record holds; None if it is not one this tool writes."""
        try:
            error, candidate, encoding, unrelated, stored = record
            facts = None
            if stored is not None:
                classes, *rest = stored
                pairs = tuple((str(name), bool(indented)) for name, indented in classes)
                facts = ClassFacts(pairs, *(tuple(map(str, f)) for f in rest))
        except (TypeError, ValueError):
            return None
        if not (error is None or isinstance(error, str)) or not isinstance(encoding, str):
            return None
        return cls(error, candidate is True, None, encoding, facts, unrelated is True)


def _line_indent(data: bytes, start: int) -> Optional[bytes]:
    """The blanks before `start` on its line, or None if anything else comes first."""
    line_start = max(data.rfind(b"\n", 0, start), data.rfind(b"\r", 0, start)) + 1
    indent = data[line_start:start]
    return None if indent.strip(b" \t") else indent


def class_facts(data: bytes) -> ClassFacts:
    found: dict[str, bool] = {}
    for match in _CLASS.finditer(data):
        indent = _line_indent(data, match.start())
        if indent is None:
            continue  # not a `class` statement: `subclass X`, a string, a comment
        name = match.group(1).decode("utf-8", "replace")
        found[name] = found.get(name, False) or bool(indent)
    imperative = _imperative(data) if b"map_imperatively" in data or b"mapper" in data else ()
    words = tuple(word for word, spelled in _WORDS if spelled in data)
    return ClassFacts(
        tuple(found.items()), imperative, _tables(data, words), _absolute_imports(data), words
    )


def _imperative(data: bytes) -> tuple[str, ...]:
    """Names passed to `map_imperatively(...)` or `mapper(...)` (after a word boundary)."""
    found = [(m.start(), m.group(1)) for m in _MAP_IMPERATIVELY.finditer(data)]
    found += [(m.start(), m.group(1)) for m in _MAPPER.finditer(data) if _word_starts(data, m)]
    return tuple(name.decode("utf-8", "replace") for _, name in sorted(found))


def _word_starts(data: bytes, match: re.Match[bytes]) -> bool:
    return not _WORD_BYTE.fullmatch(data[match.start() - 1 : match.start()])


def _tables(data: bytes, words: tuple[str, ...]) -> tuple[str, ...]:
    """`__tablename__ = "x"` and `Table("x", ...)` (after a word boundary), in file order
    (`words`: those of WORDS the bytes hold, so they are not searched for again)."""
    found: list[tuple[int, bytes]] = []
    if "__tablename__" in words:
        found += [(m.start(), m.group(1)) for m in _TABLENAME.finditer(data)]
    if "Table" in words and b"Table(" in data:
        found += [
            (m.start(), m.group(1)) for m in _TABLE_CALL.finditer(data) if _word_starts(data, m)
        ]
    return tuple(name.decode("utf-8", "replace") for _, name in sorted(found))


def _absolute_imports(data: bytes) -> tuple[str, ...]:
    """Absolute module names of the import statements that start a line, in file order. Every
    such statement holds `import`: one search for it, and the line before each tells the
    statement (`from m import` or `import m`) from any other use of the word."""
    found: dict[str, None] = {}
    at = data.find(b"import")
    while at != -1:
        line_start = max(data.rfind(b"\n", 0, at), data.rfind(b"\r", 0, at)) + 1
        names: list[bytes] = []
        if not data[line_start:at].strip(b" \t"):
            statement = _IMPORT.match(data, at)
            if statement:
                names = statement.group(1).split(b",")
        elif not _WORD_BYTE.match(data, at + len(b"import")):  # `import\b`
            statement = _FROM.fullmatch(data, line_start, at)
            if statement:
                names = [statement.group(1)]
        for name in names:
            module = name.split()[0] if name.split() else b""
            if module and not module.startswith(b"."):
                found[module.decode("utf-8", "replace")] = None
        at = data.find(b"import", at + len(b"import"))
    return tuple(found)


def scan_file(path: str) -> FileScan:
    try:
        data, result = read_regular(path)
    except IsADirectoryError:
        return FileScan(error="is a directory, not a file", facts=None)
    except (OSError, RuntimeError) as exc:
        return FileScan(error=f"cannot read: {getattr(exc, 'strerror', None) or exc}", facts=None)
    return scan_bytes(data, result)


def scan_bytes(data: bytes, result: os.stat_result) -> FileScan:
    """The scan of a file's bytes, read after its stat `result`."""
    stamp = stamp_of(result)
    facts = class_facts(data)
    try:
        candidate = prefilter.may_hold_target(data)
        decoded = decode(data)
    except SourceError as exc:
        unrelated = not prefilter.may_call_relationship(data)
        return FileScan(str(exc), facts=facts, unrelated=unrelated, stamp=stamp)
    if not candidate:
        return FileScan(facts=facts, stamp=stamp)
    return FileScan(None, candidate, decoded.text, decoded.encoding, facts, stamp=stamp)


# Fewer files than this are scanned without looking in the cache: loading it would cost more
# than it saves (their scans are stored if the run loads the cache for another reason).
FEW = 32
MANY = 512  # and from this many on, every entry is read at once


def _shared(scan: FileScan, shared: dict[object, object]) -> FileScan:
    """The same scan, its facts made of the strings and tuples of the scans before wherever
    they are equal. Scans arrive as copies (from the workers, from the cache): the same module
    names, class names and words, fifty thousand times over in a monorepo. Shared as each
    arrives, so that the copies are let go at once and their memory is used again by the next
    ones, not left as holes between the facts kept (60 MB of 200 at 50,000 files)."""
    facts = scan.facts
    if facts is None:
        return scan

    def one(value: T) -> T:
        return shared.setdefault(value, value)  # type: ignore[return-value]

    classes = tuple(one((one(name), indented)) for name, indented in facts.classes)
    fields = (tuple(one(value) for value in field) for field in facts[1:])
    return scan._replace(facts=ClassFacts(one(classes), *(one(field) for field in fields)))


def scan_files(
    files: Sequence[tuple[str, str]], workers: Workers, cache: FactCache, text: bool = True
) -> list[FileScan]:
    """Scan each (key, path), from the cache where it holds this version of the file (never for
    a file whose text is needed), the rest on every core; a few files, directly."""
    if len(files) < FEW:
        direct = [scan_file(path) for _, path in files]
        for (key, _), scan in zip(files, direct):
            if scan.stamp is not None:
                cache.note(key, scan.stamp, scan.record())
        return direct if text else [s if s.text is None else s._replace(text=None) for s in direct]
    scans: list[Optional[FileScan]] = [None] * len(files)
    missing: list[int] = []
    shared: dict[object, object] = {}
    if cache.enabled and len(files) >= MANY:
        cache.preload()
    for index, (key, path) in enumerate(files):
        record = None
        if cache.enabled:
            try:
                record = cache.scan(key, stamp_of(os.stat(path)))
            except OSError:
                pass
        stored = None if record is None else FileScan.from_record(record)  # None if damaged
        if stored is None or (text and stored.candidate):
            missing.append(index)
        else:
            scans[index] = _shared(stored, shared)
    found = workers.map(scan_file, [files[i][1] for i in missing])
    for index, scan in zip(missing, found):
        scans[index] = scan = _shared(scan, shared)
        if scan.stamp is not None:
            cache.put_scan(files[index][0], scan.stamp, scan.record())
    found = [s for s in scans if s is not None]
    return found if text else [s if s.text is None else s._replace(text=None) for s in found]

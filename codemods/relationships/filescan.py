"""What one pass over a file's bytes tells: can it be read, can it hold a relationship target, and
which classes it defines. Runs in worker processes for big runs, so it returns plain data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple, Optional

from . import prefilter
from .fileio import read_bytes
from .sources import SourceError, decode

_NAME = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"
# Starts with the literal, so the engine can search for it; whether it starts its line is
# checked per match (ten times faster than a multi-line `^` pattern on a large tree).
_CLASS = re.compile(rb"class[ \t]+(" + _NAME + rb")")
_TABLE = re.compile(rb"(?:__tablename__\s*=\s*|\bTable\(\s*)['\"]([^'\"\n]+)['\"]")
_ABSOLUTE_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w. \t,]+))", re.M
)
_IMPERATIVE = re.compile(rb"(?:map_imperatively|\bmapper)\s*\(\s*(?:[\w.]+\.)?(" + _NAME + rb")")


# The relationship arguments the doctor checks, and the words of the table definitions it
# reads: it parses only the files that hold one.
CHECKED_ARGUMENTS = ("back_populates", "backref", "secondary")
WORDS = (*CHECKED_ARGUMENTS, "Table", "__tablename__")


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
    facts: ClassFacts = ClassFacts()
    unrelated: bool = False  # the error is in a file that holds no relationship() call


def class_facts(data: bytes) -> ClassFacts:
    found: dict[str, bool] = {}
    for match in _CLASS.finditer(data):
        start = match.start()
        line_start = max(data.rfind(b"\n", 0, start), data.rfind(b"\r", 0, start)) + 1
        indent = data[line_start:start]
        if indent.strip(b" \t"):
            continue  # not a `class` statement: `subclass X`, a string, a comment
        name = match.group(1).decode("utf-8", "replace")
        found[name] = found.get(name, False) or bool(indent)
    imperative: tuple[str, ...] = ()
    if b"map_imperatively" in data or b"mapper" in data:
        imperative = tuple(m.decode("utf-8", "replace") for m in _IMPERATIVE.findall(data))
    tables = ()
    if b"__tablename__" in data or b"Table(" in data:
        tables = tuple(m.decode("utf-8", "replace") for m in _TABLE.findall(data))
    words = tuple(w for w in WORDS if w.encode() in data)
    return ClassFacts(tuple(found.items()), imperative, tables, _absolute_imports(data), words)


def _absolute_imports(data: bytes) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for from_module, modules in _ABSOLUTE_IMPORT.findall(data):
        names = [from_module] if from_module else modules.split(b",")
        for name in names:
            module = name.split()[0] if name.split() else b""
            if module and not module.startswith(b"."):
                found[module.decode("utf-8", "replace")] = None
    return tuple(found)


def read_class_facts(path: str) -> Optional[ClassFacts]:
    try:
        return class_facts(read_bytes(Path(path)))
    except OSError:
        return None


def scan_file(path: str) -> FileScan:
    try:
        data = read_bytes(Path(path))
        candidate = prefilter.may_hold_target(data)
        decoded = decode(data)
    except IsADirectoryError:
        return FileScan(error="is a directory, not a file")
    except (OSError, RuntimeError) as exc:
        return FileScan(error=f"cannot read: {getattr(exc, 'strerror', None) or exc}")
    except SourceError as exc:
        return FileScan(str(exc), unrelated=not prefilter.may_call_relationship(data))
    facts = class_facts(data)
    if not candidate:
        return FileScan(facts=facts)
    return FileScan(None, candidate, decoded.text, decoded.encoding, facts)
